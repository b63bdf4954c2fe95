"""`resurfacer serve`: the web planner (FastAPI app under uvicorn)."""

import os


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "serve",
        help="start the web planner",
        description="Serve the web planner and its JSON API (see docs/web.md). Binds to "
        "loopback by default; the server has no authentication, so put it behind a proxy "
        "that has before exposing it.",
    )
    p.add_argument(
        "--host",
        default=None,
        help="address to bind (default 127.0.0.1; with --lan 0.0.0.0)",
    )
    p.add_argument(
        "--lan",
        action="store_true",
        help="serve other machines on the local network: bind 0.0.0.0 and accept this "
        "machine's name and addresses as Host (no authentication: trusted networks only)",
    )
    p.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="also accept this Host header (a proxy's or DNS name; repeatable)",
    )
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument(
        "--workers",
        type=int,
        default=max(1, min(4, (os.cpu_count() or 2) - 1)),
        help="simulation worker processes (default: CPUs - 1, 1 to 4)",
    )
    p.add_argument(
        "--store",
        default=None,
        metavar="PATH",
        help="SQLite file of computed results (default: web-results.sqlite in the user's "
        "data folder, e.g. ~/.local/share/resurfacer; $RESURFACER_DATA_DIR moves it)",
    )
    p.add_argument(
        "--job-timeout", type=float, default=600.0, help="time limit of one job [s] (default 600)"
    )
    p.add_argument(
        "--max-results",
        type=int,
        default=None,
        help="stored results kept, the least recently used deleted first (default 1000)",
    )
    p.add_argument(
        "--max-store-mb",
        type=float,
        default=500.0,
        help="bytes of stored results kept [MB], same order (default 500)",
    )
    p.set_defaults(func=run)


def run(args) -> int:
    import uvicorn

    from resurfacer.errors import check_range
    from resurfacer.web import create_app

    check_range("--port", args.port, 1, 65535)
    check_range("--workers", args.workers, 1, 64)
    check_range("--job-timeout", args.job_timeout, 1, 3600, "s")
    from resurfacer.common.files import check_output_path
    from resurfacer.web.store import DEFAULT_MAX_RESULTS, default_store_path

    store = default_store_path() if args.store is None else args.store
    check_output_path(store, "--store")

    max_results = DEFAULT_MAX_RESULTS if args.max_results is None else args.max_results
    check_range("--max-results", max_results, 1, 10**7)
    check_range("--max-store-mb", args.max_store_mb, 1, 10**6, "MB")
    host = args.host or ("0.0.0.0" if args.lan else "127.0.0.1")
    hosts = allowed_hosts(host, args.lan, args.allow_host)
    from resurfacer.treatment import warm_up

    warm_up()  # fill the numba cache here, before the worker processes read it
    app = create_app(
        store,
        workers=args.workers,
        job_timeout_s=args.job_timeout,
        max_results=max_results,
        max_store_bytes=int(args.max_store_mb * 1e6),
        allowed_hosts=hosts,
    )
    print(f"resurfacer web planner on http://{host}:{args.port}/ (store {store})")
    print("accepting Host: " + ", ".join(sorted(hosts)))
    uvicorn.run(app, host=host, port=args.port, log_level="info")
    return 0


def allowed_hosts(host: str, lan: bool, extra) -> set[str]:
    """Host header values to serve: loopback, the bound address, and with `lan` this
    machine's name(s) and addresses; plus `extra`."""
    import socket

    from resurfacer.web.middleware import LOOPBACK_HOSTS, host_name

    hosts = {*LOOPBACK_HOSTS, host_name(host), *(host_name(h) for h in extra)}
    if lan:
        name = socket.gethostname()
        hosts |= {name.lower(), f"{name.lower()}.local", socket.getfqdn().lower()}
        try:
            hosts |= set(socket.gethostbyname_ex(name)[2])
        except OSError:
            pass
    hosts.discard("0.0.0.0")
    hosts.discard("::")
    return hosts
