"""Every job kind, declared as data (name, function, queue, cadence, scope)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

#: an on-demand run the database says must still happen: (store id, RQ job id, keyword ids)
Pending = tuple[int | None, str, dict]

#: cadences the scheduler understands: "minute", "hourly", "daily", or None (on demand only)
CADENCES = ("minute", "hourly", "daily", None)
#: the RQ queues (DESIGN section 5)
QUEUES = ("default", "messages", "reports")


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
    #: an admin may start it from the job page ("run now"); periodic kinds always may
    manual: bool = False
    #: for on-demand kinds whose runs the database records (a bulk send): the runs not
    #: finished and older than the given time (the scheduler enqueues again those Redis lost)
    pending: Callable[[dt.datetime], Iterable[Pending]] | None = None

    @property
    def runnable_now(self) -> bool:
        """Kinds the "run now" button offers: per store, needing no ids."""
        return self.per_store and (self.cadence is not None or self.manual)


JOB_KINDS: dict[str, JobKind] = {}


def job(
    name: str,
    *,
    queue: str = "default",
    cadence: str | None = None,
    per_store: bool = True,
    timeout: int = 600,
    hour: int = 2,
    manual: bool = False,
    pending: Callable[[dt.datetime], Iterable[Pending]] | None = None,
) -> Callable[[Callable], Callable]:
    """Declare a job kind. The function takes ``store_id`` (when per store), ``period``
    (the schedule period it runs for, e.g. "2026-11-23") and keyword ids only."""
    if cadence not in CADENCES:
        raise ValueError(f"unknown cadence {cadence!r}")
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}")
    if not 0 <= hour <= 23:
        raise ValueError(f"hour must be 0-23, not {hour!r}")

    def decorator(fn: Callable) -> Callable:
        JOB_KINDS[name] = JobKind(
            name=name,
            func=fn,
            queue=queue,
            cadence=cadence,
            per_store=per_store,
            timeout=timeout,
            hour=hour,
            manual=manual,
            pending=pending,
        )
        return fn

    return decorator
