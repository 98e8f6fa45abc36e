"""The reception queue (接待队列): the day's duty roster of consultants in rotation (顾问轮岗),
who is with a customer now, the customers in the store and how long they have been there,
and the next free consultant the walk-in form proposes (:func:`next_free_consultant`).

"With a customer now" is a walk-in of the store's today with a time in and no time out,
received by that consultant. Everything here is the active store's; the read-only roll-up
has no single store and no queue (``reception_queue`` answers None there)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import delete, func, select
from sqlalchemy.orm import joinedload

from ... import audit, tenancy
from ...extensions import db
from ...tenancy import Membership, Role, User
from ...timeutil import as_utc, local_day_bounds, utcnow
from ..models import DutySlot, Visit
from ._common import LeadsError, consultants

#: the most consultants one day's roster holds
MAX_ON_DUTY = 50


@dataclass
class QueueEntry:
    """One on-duty consultant in the queue."""

    consultant: User
    position: int
    #: the open walk-in they are receiving now (None: free)
    visit: Visit | None = None
    #: when their latest walk-in of the day started (None: none yet today)
    last_assigned_at: dt.datetime | None = None
    #: when they became free: the end of their last walk-in today (None: none yet today)
    free_since: dt.datetime | None = None

    @property
    def busy(self) -> bool:
        return self.visit is not None


@dataclass
class ReceptionQueue:
    day: dt.date
    entries: list[QueueEntry]
    #: today's walk-ins still in the store (no time out), the longest there first
    in_store: list[Visit] = field(default_factory=list)
    #: the consultant the walk-in form proposes (:func:`next_free_consultant`)
    proposed: User | None = None
    now: dt.datetime = field(default_factory=utcnow)
    #: the store's active sales consultants, by name (what the roster and visit forms offer)
    consultants: list[User] = field(default_factory=list)
    #: on a day without a roster, the consultants of the latest earlier roster, in order
    last_roster: list[int] = field(default_factory=list)

    @property
    def free(self) -> list[QueueEntry]:
        return [e for e in self.entries if not e.busy]

    def minutes_since(self, moment: dt.datetime | None) -> int:
        """Whole minutes from ``moment`` to the queue's now (0 for a moment in the future)."""
        if moment is None:
            return 0
        return max(0, int((self.now - as_utc(moment)).total_seconds() // 60))


def duty_roster(day: dt.date | None = None) -> list[DutySlot]:
    """The store's on-duty consultants of one local day (today by default), in rotation order."""
    day = day or tenancy.store_today()
    stmt = (
        select(DutySlot)
        .where(DutySlot.day == day)
        .options(joinedload(DutySlot.user))
        .order_by(DutySlot.position, DutySlot.id)
    )
    return list(db.session.execute(stmt).scalars())


def last_roster_user_ids(before: dt.date | None = None) -> list[int]:
    """The consultants of the latest roster before ``before`` (today), in order: what the
    roster form offers on a day nobody has set yet."""
    before = before or tenancy.store_today()
    latest = db.session.execute(
        select(DutySlot.day).where(DutySlot.day < before).order_by(DutySlot.day.desc()).limit(1)
    ).scalar()
    if latest is None:
        return []
    return [slot.user_id for slot in duty_roster(latest)]


def set_duty_roster(user_ids: Sequence[int], day: dt.date | None = None) -> list[DutySlot]:
    """Rule: the day's roster becomes exactly ``user_ids`` in that order (position 1 first).
    Each must be an active sales consultant of the store; a repeated id counts once; an empty
    list clears the day. Only today or a later day may be set. Raises LeadsError."""
    ctx = tenancy.current()
    today = tenancy.store_today()
    day = day or today
    if day < today:
        raise LeadsError(_("不能修改过去的排班。"), "user_ids")
    ordered: list[int] = []
    for user_id in user_ids:
        if user_id not in ordered:
            ordered.append(user_id)
    if len(ordered) > MAX_ON_DUTY:
        raise LeadsError(_("在岗顾问过多。"), "user_ids")
    allowed = {u.id for u in consultants()}
    if any(user_id not in allowed for user_id in ordered):
        raise LeadsError(_("请选择本店的销售顾问。"), "user_ids")
    before = [slot.user_id for slot in duty_roster(day)]
    db.session.execute(delete(DutySlot).where(DutySlot.day == day))
    slots = [
        DutySlot(day=day, user_id=user_id, position=n, created_by_id=ctx.user_id)
        for n, user_id in enumerate(ordered, start=1)
    ]
    db.session.add_all(slots)
    db.session.flush()
    audit.record(
        "update",
        "duty_slots",
        before={"day": day.isoformat(), "user_ids": before},
        after={"day": day.isoformat(), "user_ids": ordered},
        summary=f"duty roster {day.isoformat()}",
    )
    return slots


def next_free_consultant(entries: Sequence[QueueEntry]) -> User | None:
    """Rule (顾问轮岗): the next walk-in goes to a free on-duty consultant (not receiving a
    walk-in now): the one whose latest walk-in today started earliest, so the turn passes
    round the roster after each assignment; a consultant with no walk-in yet today comes
    before anyone who has had one. Ties (nobody has had one yet) go by roster order. None
    when nobody is on duty or every on-duty consultant is with a customer."""
    never = dt.datetime.min.replace(tzinfo=dt.UTC)
    free = [e for e in entries if not e.busy]
    if not free:
        return None
    chosen = min(free, key=lambda e: (as_utc(e.last_assigned_at) if e.last_assigned_at else never, e.position))
    return chosen.consultant


def reception_queue(day: dt.date | None = None) -> ReceptionQueue | None:
    """The store's queue of one day (today): each on-duty consultant's state in rotation
    order (only active consultants of the store), the customers in the store and the
    proposed next consultant. None in the roll-up."""
    if tenancy.current_store() is None:
        return None
    day = day or tenancy.store_today()
    start, end = local_day_bounds(day, tenancy.store_timezone())
    walk_ins = list(
        db.session.execute(
            select(Visit)
            .where(Visit.kind == "walk_in", Visit.time_in >= start, Visit.time_in < end)
            .options(joinedload(Visit.customer), joinedload(Visit.consultant))
            .order_by(Visit.time_in, Visit.id)
            .limit(2000)
        ).scalars()
    )
    # a consultant deactivated or moved to another store since the roster was set drops out
    serving, roster_day, positions = _consultants_on_latest_roster(day)
    on_roster = sorted((positions[u.id], u.id, u) for u in serving if u.id in positions)
    entries = [QueueEntry(consultant=u, position=p) for p, _id, u in on_roster] if roster_day == day else []
    last_roster = [u.id for _p, _id, u in on_roster] if roster_day != day else []
    by_user = {e.consultant.id: e for e in entries}
    for visit in walk_ins:  # oldest first: the last one seen is the latest
        entry = by_user.get(visit.consultant_id)
        if entry is None:
            continue
        entry.last_assigned_at = visit.time_in
        if visit.time_out is None:
            if entry.visit is None:
                entry.visit = visit  # the longest-running open visit is the one shown
        elif entry.free_since is None or as_utc(visit.time_out) > as_utc(entry.free_since):
            entry.free_since = visit.time_out
    in_store = [v for v in walk_ins if v.time_out is None]
    return ReceptionQueue(
        now=utcnow(),
        day=day,
        entries=entries,
        in_store=in_store,
        proposed=next_free_consultant(entries),
        consultants=serving,
        last_roster=last_roster,
    )


def _consultants_on_latest_roster(day: dt.date) -> tuple[list[User], dt.date | None, dict[int, int]]:
    """In one statement: the store's active sales consultants (``consultants()``, by name),
    the latest roster day up to ``day`` and each consultant's position on it."""
    ctx = tenancy.current()
    latest = select(func.max(DutySlot.day)).where(DutySlot.day <= day).scalar_subquery()
    # memberships are not tenant-owned rows: the store is named explicitly here
    rows = db.session.execute(
        select(User, DutySlot.day, DutySlot.position)
        .join(Membership, Membership.user_id == User.id)
        .join(Role, Role.id == Membership.role_id)
        .outerjoin(DutySlot, (DutySlot.user_id == User.id) & (DutySlot.day == latest))
        .where(Membership.store_id == ctx.store_id, Role.code == "sales_consultant", User.is_active.is_(True))
        .distinct()
        .order_by(User.name, User.id)
    ).all()
    roster_day = next((d for _u, d, _p in rows if d is not None), None)
    return [u for u, _d, _p in rows], roster_day, {u.id: p for u, d, p in rows if d is not None}
