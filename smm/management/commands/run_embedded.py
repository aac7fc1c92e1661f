"""`make run`: the web server, a Celery worker and Celery beat in one terminal; Ctrl-C stops all."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the app with a Celery worker and beat (the embedded default of `make run`)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args: Any, addrport: str, **options: Any) -> None:
        # Ctrl-C and `kill` both stop everything, also when started from a script (where a
        # background job inherits SIGINT as ignored).
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, _raise_interrupt)
        python = sys.executable
        commands = {
            "web": [python, "manage.py", "runserver", addrport],
            "worker": [
                python,
                "-m",
                "celery",
                "-A",
                "smm",
                "worker",
                "-l",
                "info",
                "--concurrency",
                "2",
                # Both queues (smm.celery.QUEUES): publishes, and the dispatcher and sweeps.
                "--queues",
                "celery,sweeps",
            ],
            "beat": [python, "-m", "celery", "-A", "smm", "beat", "-l", "info"],
        }
        procs: dict[str, subprocess.Popen[bytes]] = {}
        for name, cmd in commands.items():
            # Each child in its own process group, so Ctrl-C is handled here, once, in order.
            procs[name] = subprocess.Popen(cmd, env=os.environ.copy(), start_new_session=True)  # noqa: S603
            self.stdout.write(f"started {name} (pid {procs[name].pid})")
        self.stdout.write(
            self.style.SUCCESS(f"Ripple runs at http://{addrport}/ — Ctrl-C stops everything.")
        )
        try:
            while True:
                for name, proc in procs.items():
                    if proc.poll() is not None:
                        self.stderr.write(
                            f"{name} exited with {proc.returncode}; stopping the others."
                        )
                        raise KeyboardInterrupt
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            # The leaders first (Celery finishes running tasks: a warm shutdown), then whatever
            # is left in each process group (runserver's reloaded child, pool processes).
            for proc in procs.values():
                if proc.poll() is None:
                    proc.terminate()
            deadline = time.monotonic() + 15
            for proc in procs.values():
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=max(0.1, deadline - time.monotonic()))
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
            self.stdout.write("stopped.")


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt
