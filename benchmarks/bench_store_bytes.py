"""The web store's size on disk under its byte cap (issue 17: "store file size stays
under a stated cap (default 500 MB) after 1,300 stored results").

Stores N results whose reports compress to about `--report-mb` MB each (random hex
text: about the size of a full-face report with plotly inlined, and
incompressible beyond that), and prints the largest size the file (database plus
write-ahead log) reached, its final size, the rows kept and the time taken.

    python benchmarks/bench_store_bytes.py [--n 1300] [--cap-mb 500] [--report-mb 1.1]
"""

import argparse
import secrets
import shutil
import tempfile
import time
from pathlib import Path

from resurfacer.web.store import ResultStore


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1300)
    parser.add_argument("--cap-mb", type=float, default=500.0)
    parser.add_argument("--report-mb", type=float, default=1.1)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-store-"))
    store = ResultStore(
        folder / "store.sqlite", max_results=10**6, max_bytes=int(args.cap_mb * 1e6)
    )
    chars = int(args.report_mb * 1e6 / 0.57)  # hex text compresses to about 57 %
    start, peak = time.perf_counter(), 0
    try:
        for i in range(args.n):
            report = secrets.token_hex(chars // 2)
            store.put(f"{i:064x}", {"name": str(i)}, {"plan_name": str(i)}, report, 1.0)
            peak = max(peak, store.file_bytes())
        print(
            f"{args.n} results of {store.stored_bytes() / max(len(store), 1) / 1e6:.2f} MB, "
            f"cap {args.cap_mb:g} MB: peak file {peak / 1e6:.1f} MB, final "
            f"{store.file_bytes() / 1e6:.1f} MB, {len(store)} kept, "
            f"{time.perf_counter() - start:.0f} s"
        )
    finally:
        store.close()
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
