"""Compare what is low now with the kept state and tell people about new crossings."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import select

from .. import tenancy
from ..extensions import db
from ..notifications.services import holders, notify
from ..timeutil import utcnow
from .models import AlertState
from .sources import SOURCES, AlertSource


def scan(period: str, kinds: list[str] | None = None) -> dict[str, Any]:
    """One pass over every alert source for the active store: subjects that became low are
    marked and reported (one notification per source and pass, to the source's people),
    subjects no longer low are marked recovered. Idempotent: a second pass in the same
    state changes nothing and tells nobody; runs in the job's one transaction, so a pass
    that dies halfway leaves the state as it was."""
    result: dict[str, Any] = {}
    for kind, source in sorted(SOURCES.items()):
        if kinds is None or kind in kinds:
            result[kind] = _scan_one(source, period)
    return result


def _scan_one(source: AlertSource, period: str) -> dict[str, int]:
    store = tenancy.writable_store()
    now_low = dict(source.low_now())
    kept = {
        row.subject_key: row
        for row in db.session.execute(select(AlertState).where(AlertState.kind == source.kind)).scalars()
    }
    now = utcnow()
    crossed = sorted(key for key in now_low if key not in kept or not kept[key].is_low)
    recovered = [key for key, row in kept.items() if row.is_low and key not in now_low]
    fresh = [key for key in crossed if key not in kept]
    if fresh:  # one multi-row INSERT (a first pass may find thousands low at once)
        db.session.execute(
            sa.insert(AlertState.__table__),
            [
                {
                    "org_id": store.org_id,
                    "store_id": store.id,
                    "kind": source.kind,
                    "subject_key": key[:60],
                    "is_low": True,
                    "crossed_at": now,
                    "crossings": 1,
                }
                for key in fresh
            ],
        )
    fell_again = [key for key in crossed if key in kept]
    if fell_again:
        db.session.execute(
            sa.update(AlertState)
            .where(AlertState.kind == source.kind, AlertState.subject_key.in_(fell_again))
            .values(is_low=True, crossed_at=now, crossings=AlertState.crossings + 1)
        )
    if recovered:
        db.session.execute(
            sa.update(AlertState)
            .where(AlertState.kind == source.kind, AlertState.subject_key.in_(recovered))
            .values(is_low=False, recovered_at=now)
        )
    db.session.flush()
    told = 0
    if crossed:
        labels = [now_low[key] for key in crossed]
        recipients: set[int] = set()
        for permission in source.permissions:
            recipients.update(holders(store, permission))
        told = notify(
            kind=source.kind,
            title=source.title(labels)[:200],
            key=f"alert:{source.kind}:{period}:{crossed[0]}:{len(crossed)}",
            link=source.link(crossed),
            user_ids=recipients,
        )
    return {"low": len(now_low), "crossed": len(crossed), "recovered": len(recovered), "told": told}
