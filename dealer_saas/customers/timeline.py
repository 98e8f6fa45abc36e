"""The customer 360 timeline: every module contributes its events through one registry.

A source is ``fn(customer_ids, before, limit) -> list[TimelineEntry]``: the newest
``limit`` entries of that kind for those customers that happened strictly before ``before``
(None for the first page). It runs one indexed query (two at most). The 360 page merges
every source's entries, newest first, and pages on ``at``.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..timeutil import as_utc


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    #: a short code for styling and filtering: visit, card, contact, test_drive, quote, order...
    kind: str
    title: str
    detail: str = ""
    url: str | None = None
    icon: str = "•"
    #: makes the order total when two entries share a time
    key: str = ""


TimelineSource = Callable[[Sequence[int], "dt.datetime | None", int], list[TimelineEntry]]
_SOURCES: dict[str, TimelineSource] = {}


def timeline_source(name: str) -> Callable[[TimelineSource], TimelineSource]:
    """Register a source under a unique name (``"leads.visits"``)."""

    def decorator(fn: TimelineSource) -> TimelineSource:
        _SOURCES[name] = fn
        return fn

    return decorator


def timeline(
    customer_ids: Sequence[int], before: dt.datetime | None = None, limit: int = 20
) -> tuple[list[TimelineEntry], Any]:
    """The newest ``limit`` entries across every source, and the ``before`` value for the
    next page (None when there is no more)."""
    merged: list[TimelineEntry] = []
    for source in _SOURCES.values():
        merged.extend(source(customer_ids, before, limit + 1))
    newest = heapq.nlargest(limit + 1, merged, key=lambda e: (as_utc(e.at), e.key))
    has_more = len(newest) > limit
    page = newest[:limit]
    return page, (as_utc(page[-1].at) if has_more and page else None)
