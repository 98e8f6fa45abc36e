"""The workshop floor: a technician starts, pauses and finishes a line (actual time kept
per line), someone else checks it (a failed check is rework, counted), and the board of
every open RO by state and technician."""

from __future__ import annotations

import datetime as dt
import functools
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ... import tenancy
from ...customers.models import Customer, CustomerVehicle, shown_name
from ...extensions import db
from ...tenancy import User
from ...timeutil import DEFAULT_TZ, as_utc, utcnow
from ..models import BOARD_STATES, RepairOrder, RepairOrderLine
from .repair_orders import follow, get_line
from .rules import LINE_MOVES, QC_ACTIONS, RO_MOVES, WORK_ACTIONS, ServiceError, ctx

#: the longest stretch counted for one start/finish (a line left running over night)
MAX_STRETCH_MINUTES = 12 * 60


def _elapsed_minutes(line: RepairOrderLine, now: dt.datetime) -> int:
    if line.work_started_at is None:
        return 0
    seconds = (now - as_utc(line.work_started_at)).total_seconds()
    return max(0, min(MAX_STRETCH_MINUTES, round(seconds / 60)))


def work_on_line(repair_order_line_id: Any, action: str) -> RepairOrderLine:
    """start / pause / finish by the line's technician (an unassigned line is taken by the
    one who starts it). The time between a start and the next pause or finish is added to
    the line's actual time. The RO follows its lines (``repair_orders.follow``)."""
    if action not in WORK_ACTIONS:
        raise ServiceError(_("未知操作。"))
    line = get_line(repair_order_line_id)
    ro = line.repair_order
    me = ctx().user_id
    target = LINE_MOVES.target_of(line, action)
    if line.technician_id is not None and line.technician_id != me:
        raise ServiceError(_("该项目已派给其他技师。"))
    if action == "start" and ro.status not in ("open", "in_progress"):
        raise ServiceError(_("工单状态为「%(s)s」，不能开工。", s=RO_MOVES.label(ro.status)))
    now = utcnow()
    changes: dict[str, Any] = {}
    if action == "start":
        changes = {"work_started_at": now, "technician_id": me}
    else:
        changes = {"work_started_at": None, "actual_minutes": line.actual_minutes + _elapsed_minutes(line, now)}
    LINE_MOVES.apply(line, target, changes=changes, summary=ro.number, checked=True)
    follow(ro)
    return line


def check_line(repair_order_line_id: Any, action: str, note: str = "") -> RepairOrderLine:
    """Quality check of a finished line, by anyone but its technician: ``pass``, or
    ``fail`` with a note, which sends the line back as rework (counted) and the RO with it."""
    if action not in QC_ACTIONS:
        raise ServiceError(_("未知操作。"))
    line = get_line(repair_order_line_id)
    me = ctx().user_id
    target = LINE_MOVES.target_of(line, action)
    if me is None or line.technician_id == me:
        raise ServiceError(_("质检须由施工技师以外的人员完成。"))
    note = (note or "").strip()
    if action == "fail" and not note:
        raise ServiceError(_("请填写不通过的原因。"), "note")
    changes: dict[str, Any] = {"qc_by_id": me, "qc_at": utcnow(), "qc_note": note[:300]}
    if action == "fail":
        changes["rework_count"] = line.rework_count + 1
    LINE_MOVES.apply(line, target, changes=changes, summary=line.repair_order.number, checked=True)
    follow(line.repair_order)
    return line


#: the technician's view shows this many of their lines, the running ones first
MY_LINES_LIMIT = 30


@dataclass
class MyLines:
    lines: list[RepairOrderLine]
    total: int  # all of them (the view says how many more there are)

    @property
    def hidden(self) -> int:
        return max(self.total - len(self.lines), 0)


def my_lines(limit: int | None = None) -> MyLines:
    """The current user's lines on ROs still in the workshop: the running ones first, then
    paused, waiting and done (waiting for QC), each by the RO's promised time, at most
    ``limit`` of them, with their number, in one statement (cut in the database: a
    technician of a busy store may hold hundreds, and the running ones must not fall off)."""
    limit = MY_LINES_LIMIT if limit is None else limit
    rank = sa.case({"working": 0, "paused": 1, "pending": 2}, value=RepairOrderLine.status, else_=3)
    # cut first (ids, order and number), then the shown lines with their RO and car: joined
    # to every line before the cut, 208 ROs and cars were read for 30 (4 ms)
    top = (
        select(
            RepairOrderLine.id,
            rank.label("rank"),
            RepairOrder.promised_at,
            sa.func.count().over().label("total"),
        )
        .join(RepairOrder, RepairOrder.id == RepairOrderLine.repair_order_id)
        .where(
            RepairOrderLine.technician_id == ctx().user_id,
            RepairOrderLine.status.in_(("pending", "working", "paused", "done")),
            RepairOrder.status.in_(("open", "in_progress", "quality_check")),
        )
        .order_by(rank, RepairOrder.promised_at.asc().nulls_last(), RepairOrderLine.id)
        .limit(limit)
        .subquery()
    )
    rows = db.session.execute(
        select(RepairOrderLine, top.c.total)
        .join(top, top.c.id == RepairOrderLine.id)
        .options(joinedload(RepairOrderLine.repair_order).joinedload(RepairOrder.vehicle))
        .order_by(top.c.rank, top.c.promised_at.asc().nulls_last(), RepairOrderLine.id)
    ).all()
    return MyLines([line for line, _total in rows], rows[0][1] if rows else 0)


@dataclass
class BoardCard:
    """One RO on the board: what its card shows, read as columns (no ORM rows: 300 cards
    of full repair orders, customers and cars cost more to build than the page's SQL)."""

    id: int
    number: str
    status: str
    store_id: int
    car: str
    customer: str
    promised: str
    is_overdue: bool
    technicians: list[str]

    @property
    def technician_names(self) -> str:
        """The card's technicians as one line ("" when none is assigned yet)."""
        return "、".join(self.technicians)


def on_board() -> sa.ColumnElement[bool]:
    """The board's condition with its states as literals (``models.BOARD_WHERE``), so the
    board's partial indexes serve it on a prepared statement too."""
    return RepairOrder.status.in_(sa.bindparam("board_states", list(BOARD_STATES), literal_execute=True))


#: a state's column shows at most this many ROs of a store, the soonest promised first; its
#: badge counts them all and a link opens the rest in the RO list ...
COLUMN_LIMIT = 40
#: ... and of the group in the roll-up: a group manager looks at the most urgent of each
#: state across the stores (overdue first) and switches to one store for its whole board
ROLLUP_COLUMN_LIMIT = 15


@dataclass
class Board:
    """The board's columns by state (:data:`BOARD_STATES`), each the soonest promised ROs of
    that state up to ``limit``, and how many ROs each state has in all."""

    columns: OrderedDict[str, list[BoardCard]]
    totals: dict[str, int]
    limit: int

    def hidden(self, state: str) -> int:
        """How many ROs of ``state`` its column does not show."""
        return max(0, self.totals.get(state, 0) - len(self.columns[state]))

    @property
    def cut(self) -> bool:
        """Whether some column does not show all its ROs."""
        return any(self.hidden(state) for state in self.columns)


def _column(state: str, limit: int) -> sa.Select:
    """One state's soonest promised ROs: a walk of the board's partial index
    (``ix_repair_orders_*_board``: scope, state, promised time). The state alone, as a
    literal, implies the index's condition; adding the board's states too made PostgreSQL
    multiply the two selectivities, expect one row, and read the state's ROs of every
    store by another index (9 ms in the roll-up)."""
    return (
        select(
            RepairOrder.id,
            RepairOrder.number,
            RepairOrder.status,
            RepairOrder.store_id,
            RepairOrder.promised_at,
            RepairOrder.vehicle_id,
            RepairOrder.customer_id,
        )
        .where(RepairOrder.status == sa.literal(state, literal_execute=True))
        .order_by(RepairOrder.promised_at.asc().nulls_last(), RepairOrder.id)
        .limit(limit)
    )


#: the card's technicians, one string from the database (split again on the card)
_NAME_SEP = "\x1f"


@functools.cache
def _cards(limit: int) -> sa.Select:
    """The columns' cards with their cars, customers and technicians: each state its own
    walk (in a subquery: SQLite allows no LIMIT in a compound's member), then the cars and
    customers of the cards only, and each card's technicians' names aggregated by a
    correlated subquery on the lines' (scope, RO) index. Built once per process (four
    subqueries cost 3-5 ms of Python to build); the tenant's criteria are added when it runs."""
    cut = sa.union_all(*(select(_column(state, limit).subquery()) for state in BOARD_STATES)).subquery("board")
    technicians = (
        select(sa.func.aggregate_strings(User.name, _NAME_SEP))
        .select_from(RepairOrderLine)
        .join(User, User.id == RepairOrderLine.technician_id)
        .where(RepairOrderLine.repair_order_id == cut.c.id)
        .correlate(cut)
        .scalar_subquery()
    )
    return (
        select(
            cut.c.id,
            cut.c.number,
            cut.c.status,
            cut.c.store_id,
            cut.c.promised_at,
            CustomerVehicle.plate,
            CustomerVehicle.vin,
            shown_name(),
            technicians,
        )
        .join(CustomerVehicle, CustomerVehicle.id == cut.c.vehicle_id)
        .join(Customer, Customer.id == cut.c.customer_id)
        .order_by(cut.c.promised_at.asc().nulls_last(), cut.c.id)
    )


@functools.cache
def _totals() -> sa.Select:
    """How many ROs each state has: from the board's index alone."""
    return select(RepairOrder.status, sa.func.count()).where(on_board()).group_by(RepairOrder.status)


def board() -> OrderedDict[str, list[BoardCard]]:
    """The board's columns (:func:`board_page` without its counts)."""
    return board_page().columns


def board_page() -> Board:
    """Every RO still in the workshop (or waiting for its customer), by state, soonest
    promised first; overdue when its promised time has passed and it is not ready. Each
    column at most :data:`COLUMN_LIMIT` ROs (:data:`ROLLUP_COLUMN_LIMIT` in the roll-up),
    with the state's count of all. Two queries: the counts (index only), the columns'
    cards (one index walk per state, then their cars, customers and technicians)."""
    now = utcnow()
    zone = ZoneInfo(tenancy.store_timezone() or DEFAULT_TZ)
    limit = ROLLUP_COLUMN_LIMIT if tenancy.current().is_rollup else COLUMN_LIMIT
    totals = dict(db.session.execute(_totals()).all())
    columns: OrderedDict[str, list[BoardCard]] = OrderedDict((state, []) for state in BOARD_STATES)
    if not totals:
        return Board(columns, totals, limit)
    rows = db.session.execute(_cards(limit)).all()
    for ident, number, status, store_id, promised_at, plate, vin, name, technicians in rows:
        promised = as_utc(promised_at) if promised_at is not None else None
        columns[status].append(
            BoardCard(
                id=ident,
                number=number,
                status=status,
                store_id=store_id,
                car=plate or (vin or "")[-6:],
                customer=name,
                promised=promised.astimezone(zone).strftime("%m-%d %H:%M") if promised else "",
                is_overdue=promised is not None and promised < now and status != "ready",
                # each technician once, by name (several lines of one RO may be one person's)
                technicians=sorted(set(technicians.split(_NAME_SEP))) if technicians else [],
            )
        )
    return Board(columns, totals, limit)
