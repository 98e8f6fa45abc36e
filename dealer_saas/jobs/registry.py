"""Every job kind, declared as data (name, function, queue, cadence, scope)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

#: cadences the scheduler understands: "minute", "hourly", "daily", or None (on demand only)
CADENCES = ("minute", "hourly", "daily", None)


@dataclass(frozen=True)
class JobKind:
    name: str
    func: Callable
    queue: str = "default"
    cadence: str | None = None
    #: run once per active store (True) or once for the whole platform (False)
    per_store: bool = True
    timeout: int = 600
    #: for daily jobs: the hour (store-local) at which the period's run becomes due
    hour: int = 2


JOB_KINDS: dict[str, JobKind] = {}


def job(name: str, *, queue: str = "default", cadence: str | None = None, per_store: bool = True,
        timeout: int = 600, hour: int = 2) -> Callable[[Callable], Callable]:
    """Declare a job kind. The function takes ``store_id`` (when per store), ``period``
    (the schedule period it runs for, e.g. "2026-11-23") and keyword ids only."""
    if cadence not in CADENCES:
        raise ValueError(f"unknown cadence {cadence!r}")

    def decorator(fn: Callable) -> Callable:
        JOB_KINDS[name] = JobKind(name, fn, queue, cadence, per_store, timeout, hour)
        return fn

    return decorator
