"""Compile and cache every numba kernel once, in this one process.

    python -m resurfacer.cli.warmup

See `resurfacer.treatment.warm_up` for why (numba's cache and several processes).
"""

import sys

from resurfacer.treatment import warm_up


def main() -> int:
    seconds = warm_up()
    print(f"numba kernels compiled or loaded from the cache in {seconds:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
