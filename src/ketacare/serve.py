"""How ketacare is served: granian (an HTTP server written in Rust) running the WSGI application
`ketacare.wsgi:application`, which answers a bedside monitor's reading at its front door and
hands everything else to Django.

`python -m ketacare.serve [--host H] [--port P] [--access-log]` is what `make demo` runs; the
monitoring bench and the kill -9 test start the server from `command()` too, so all three serve
the same way. Two worker processes of four threads each suit the two-core machine the demo and
the bench run on; behind a reverse proxy in production, set `--workers` to the number of cores.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

WORKERS = 2
THREADS = 4


def command(
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = WORKERS,
    threads: int = THREADS,
    access_log: bool = False,
) -> list[str]:
    """The granian command line (the granian beside this Python)."""
    granian = str(Path(sys.executable).parent / "granian")
    return [
        granian,
        "--interface", "wsgi",
        "--host", host,
        "--port", str(port),
        "--workers", str(workers),
        "--blocking-threads", str(threads),
        "--no-ws",
        "--log-level", "warning",
        *(["--access-log"] if access_log else []),
        "ketacare.wsgi:application",
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m ketacare.serve", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--workers", type=int, default=WORKERS)
    parser.add_argument("--threads", type=int, default=THREADS)
    parser.add_argument("--access-log", action="store_true")
    args = parser.parse_args(argv)
    argv_ = command(
        host=args.host,
        port=args.port,
        workers=args.workers,
        threads=args.threads,
        access_log=args.access_log,
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketacare.settings")
    os.execv(argv_[0], argv_)  # noqa: S606 - the project's own server, same process id


if __name__ == "__main__":
    main()
