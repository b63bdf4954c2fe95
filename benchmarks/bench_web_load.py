"""Load check of the web planner: 20 concurrent clients on loopback.

Starts ``resurfacer serve`` in a subprocess (fresh SQLite store), computes the
reference dual CO2 full-face plan once (warm-up: the worker's column cache and the
store), then runs `--clients` threads, each with its own httpx client, each sending
`--per-client` plans: the reference plan again (identical: served from the store)
and new plans (the deep pass's density varied per request, so each is a new job;
the columns are the worker's cached ones, the pattern, summary and report are new).

Bounded: at most clients x per-client requests, and a wall-clock `--deadline`.
Reports every status code (the check: no 5xx), and p50/p95 latency of
* cached: POST -> 200 with the result;
* new, submit: POST -> 202;
* new, done: POST until the job's status is done (polling every 0.25 s).

    .venv/bin/python benchmarks/bench_web_load.py [--clients 20] [--per-client 3]
        [--workers 1] [--append benchmarks/RESULTS.md]
"""

import argparse
import os
import platform
import socket
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from collections import Counter
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_done(client: httpx.Client, job_id: str, deadline: float) -> str:
    while time.time() < deadline:
        status = client.get(f"/api/jobs/{job_id}").json()["status"]
        if status in ("done", "failed"):
            return status
        time.sleep(0.25)
    return "timeout"


def percentiles(values) -> str:
    if not values:
        return "n = 0"
    a = np.asarray(values) * 1e3
    return (
        f"n = {a.size}, p50 {np.percentile(a, 50):.0f} ms, p95 {np.percentile(a, 95):.0f} ms, "
        f"max {a.max():.0f} ms"
    )


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--per-client", type=int, default=3, help="requests per client (1 in 3 new)")
    ap.add_argument("--workers", type=int, default=1, help="server worker processes")
    ap.add_argument("--deadline", type=float, default=600.0, help="wall-clock bound [s]")
    ap.add_argument("--append", default=None, help="append the results as a section to this file")
    args = ap.parse_args(argv)

    base = tomllib.loads((ROOT / "examples" / "co2-dual-full-face.toml").read_text())
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        exe = Path(sys.executable).with_name("resurfacer")
        server = subprocess.Popen(
            [str(exe), "serve", "--port", str(port), "--store", f"{tmp}/store.sqlite",
             "--workers", str(args.workers), "--job-timeout", "600"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            return run(args, url, base)
        finally:
            server.terminate()
            server.wait(timeout=30)


def run(args, url: str, base: dict) -> int:
    client = httpx.Client(base_url=url, timeout=120)
    for _ in range(300):
        try:
            client.get("/api/health")
            break
        except httpx.TransportError:
            time.sleep(0.1)
    t0 = time.perf_counter()
    job = client.post("/api/simulate", json=base).json()
    assert wait_done(client, job["job_id"], time.time() + 600) == "done"
    warmup = time.perf_counter() - t0
    print(f"warm-up (reference plan, cold worker): {warmup:.1f} s", file=sys.stderr)

    codes: Counter = Counter()
    cached, submit, done, errors = [], [], [], []
    lock = threading.Lock()
    deadline = time.time() + args.deadline
    barrier = threading.Barrier(args.clients)

    def client_thread(k: int) -> None:
        with httpx.Client(base_url=url, timeout=120) as c:
            barrier.wait()
            for j in range(args.per_client):
                if time.time() > deadline:
                    return
                new = j % 3 == 2
                plan = base
                if new:  # a new plan: vary one field
                    plan = {**base, "passes": [dict(p) for p in base["passes"]]}
                    plan["passes"][1]["density_percent"] = 5 + 0.01 * (k * args.per_client + j + 1)
                start = time.perf_counter()
                r = c.post("/api/simulate", json=plan)
                took = time.perf_counter() - start
                with lock:
                    codes[r.status_code] += 1
                if r.status_code == 200:
                    with lock:
                        cached.append(took)
                elif r.status_code == 202:
                    status = wait_done(c, r.json()["job_id"], deadline)
                    total = time.perf_counter() - start
                    with lock:
                        submit.append(took)
                        if status == "done":
                            done.append(total)
                        else:
                            errors.append(status)
                else:
                    with lock:
                        errors.append(f"{r.status_code}: {r.text[:200]}")

    threads = [threading.Thread(target=client_thread, args=(k,)) for k in range(args.clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    health = client.get("/api/health").json()
    five = sum(n for code, n in codes.items() if code >= 500)

    lines = [
        "",
        "## Web planner load (benchmarks/bench_web_load.py)",
        "",
        f"{args.clients} concurrent clients (threads, one httpx client each) on loopback, "
        f"{args.per_client} requests each (every third a new plan: the deep pass's density "
        "varied; the rest the reference dual CO2 full-face plan, already in the store); "
        f"`resurfacer serve --workers {args.workers}`; {platform.machine()}, "
        f"{os.cpu_count()} cores shared with other work; run {time.strftime('%Y-%m-%d')}.",
        "",
        "```",
        f"warm-up (reference plan, cold worker)  {warmup:.1f} s",
        f"status codes                           {dict(sorted(codes.items()))}",
        f"5xx                                    {five}",
        f"cached (POST -> 200 with result)       {percentiles(cached)}",
        f"new, submit (POST -> 202)              {percentiles(submit)}",
        f"new, done (POST .. status done)        {percentiles(done)}",
        f"failed or unfinished new jobs          {len(errors)}",
        f"wall time                              {wall:.1f} s",
        f"server after the run                   {health['jobs']}, "
        f"{health['stored_results']} stored",
        "```",
        "",
        "New plans queue behind each other on the worker(s): their latency is mostly the "
        "queue (each new plan re-uses the worker's cached columns; the rest is the pattern, "
        "healing and the HTML report with its figures). Cached plans are answered from SQLite "
        "without touching a worker.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if errors:
        print("errors:", errors[:5], file=sys.stderr)
    if args.append:
        with open(args.append, "a") as fh:
            fh.write(text)
    return 1 if five or errors else 0


if __name__ == "__main__":
    sys.exit(main())
