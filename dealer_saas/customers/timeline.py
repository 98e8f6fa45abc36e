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


# --------------------------------------------------------------------------- the 360 header
#
# Besides the timeline, other modules tell the customer 360 what they are doing with the
# customer right now (an open follow-up card and its consultant) and which quick actions
# they offer, so the page never contradicts them: the card's consultant may call, nobody
# claims a customer a colleague is following, and no second card is offered.


@dataclass(frozen=True)
class OpenWork:
    """Something another module has open for the customer (an open follow-up card)."""

    kind: str
    title: str
    state: str = ""
    #: the member of staff working on it (None: unassigned)
    user_id: int | None = None
    user_name: str = ""
    url: str | None = None
    #: a short code the page styles (an intent level "H")
    badge: str = ""


@dataclass(frozen=True)
class QuickAction:
    """A button on the customer 360 (``endpoint`` takes ``customer_id``)."""

    endpoint: str
    permission: str
    icon: str
    label: str
    order: int = 100
    #: not offered while the customer has open work of this kind (no second card)
    unless_open: str | None = None


OpenWorkSource = Callable[[int], list[OpenWork]]
_OPEN_WORK: dict[str, OpenWorkSource] = {}
QUICK_ACTIONS: dict[str, QuickAction] = {}


def open_work_source(name: str) -> Callable[[OpenWorkSource], OpenWorkSource]:
    """Register ``fn(customer_id) -> [OpenWork]`` (one indexed query)."""

    def decorator(fn: OpenWorkSource) -> OpenWorkSource:
        _OPEN_WORK[name] = fn
        return fn

    return decorator


def quick_action(action: QuickAction) -> QuickAction:
    QUICK_ACTIONS[action.endpoint] = action
    return action


def open_work(customer_id: int) -> list[OpenWork]:
    return [work for source in _OPEN_WORK.values() for work in source(customer_id)]
