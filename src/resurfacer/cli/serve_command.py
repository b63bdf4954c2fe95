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
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument(
        "--workers",
        type=int,
        default=max(1, min(4, (os.cpu_count() or 2) - 1)),
        help="simulation worker processes (default: CPUs - 1, 1 to 4)",
    )
    p.add_argument(
        "--store",
        default="resurfacer-web.sqlite",
        help="SQLite file of computed results (default resurfacer-web.sqlite)",
    )
    p.add_argument(
        "--job-timeout", type=float, default=600.0, help="time limit of one job [s] (default 600)"
    )
    p.add_argument(
        "--max-results",
        type=int,
        default=None,
        help="stored results kept, the oldest deleted first (default 1000)",
    )
    p.set_defaults(func=run)


def run(args) -> int:
    import uvicorn

    from resurfacer.errors import check_range
    from resurfacer.web import create_app

    check_range("--port", args.port, 1, 65535)
    check_range("--workers", args.workers, 1, 64)
    check_range("--job-timeout", args.job_timeout, 1, 3600, "s")
    from resurfacer.web.store import DEFAULT_MAX_RESULTS

    max_results = DEFAULT_MAX_RESULTS if args.max_results is None else args.max_results
    check_range("--max-results", max_results, 1, 10**7)
    from resurfacer.treatment import warm_up

    warm_up()  # fill the numba cache here, before the worker processes read it
    app = create_app(
        args.store,
        workers=args.workers,
        job_timeout_s=args.job_timeout,
        max_results=max_results,
    )
    print(f"resurfacer web planner on http://{args.host}:{args.port}/ (store {args.store})")
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")
    return 0
