"""Start a crawl process that cannot outlive its supervisor.

``python -m aggregator.executors.child SUPERVISOR_PID MODULE ARGS...`` asks Linux to SIGKILL this
process when the thread that started it dies, then becomes ``python -m MODULE ARGS...``. A crawl
whose scheduler was killed therefore dies with it, and the next scheduler closes its run as failed
instead of racing an orphan that would still be writing. Elsewhere than Linux it simply runs.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    if sys.platform != "linux":
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")


def main(argv: list[str]) -> None:
    supervisor, module, *args = argv
    die_with_parent()
    if os.getppid() != int(supervisor):
        sys.exit("supervisor gone before the crawl started")
    os.execv(sys.executable, [sys.executable, "-m", module, *args])


if __name__ == "__main__":
    main(sys.argv[1:])
