"""The embedded default's scheduler: ``flask demo`` (SQLite, no Redis) runs the same
scheduler loop as ``flask scheduler`` in a daemon thread of the serving process, so the
periodic jobs (call-back generation, survey dispatch, reminders, SLA escalation, stock
alerts, deferred messages ...) run unattended there too. Without Redis every enqueued job
runs at once in the enqueuing thread: here, the scheduler's thread."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from flask import Flask

from ..extensions import db

log = logging.getLogger(__name__)


def start_scheduler_thread(
    app: Flask, interval: float = 60.0, *, loop: Callable[..., Any] | None = None, retry_after: float | None = None
) -> threading.Thread:
    """Start the scheduler loop in a daemon thread with its own app context; an unexpected
    error is logged and the loop starts again after ``retry_after`` seconds (default: one
    interval), so one bad tick never stops the background work of the whole installation."""
    if loop is None:
        from .scheduler import run_forever

        loop = run_forever
    pause = interval if retry_after is None else retry_after

    def run() -> None:
        while True:
            with app.app_context():
                try:
                    loop(interval)
                    return  # the loop returned: asked to stop
                except Exception:
                    log.exception("the in-process scheduler failed; starting it again in %.0f s", pause)
                    db.session.rollback()
                finally:
                    db.session.remove()
            time.sleep(pause)

    thread = threading.Thread(target=run, name="in-process-scheduler", daemon=True)
    thread.start()
    return thread
