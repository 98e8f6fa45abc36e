"""Every figure the reports show, defined once.

Each metric is one function with a docstring that is its definition. They are aggregate SQL
(``GROUP BY`` over the store_id-leading indexes of the rows the modules already write),
run through the tenancy core: the selects are ORM selects of tenant models, so the store
filter is added for them, and every query also names its stores explicitly (the context's
``store_ids``, optionally narrowed by the caller, never widened), a second wall for the
inner subqueries.

Conventions shared by every metric:

- A :class:`Period` is a range of calendar days, both ends included, in one time zone: the
  active store's, or the default zone (Asia/Shanghai) in the group roll-up (the same rule
  as the dashboard tiles). A row belongs to the period when its timestamp falls between the
  start of the first day and the end of the last day in that zone.
- A count is returned as ``{(store_id, key): n}``; ``key`` is the value of the breakdown
  (``by``: ``"source"``, ``"consultant"`` (a user id) or ``"model"`` (a vehicle model id),
  None when not known) or None without a breakdown. Combine stores with :func:`combine`.
- A customer's **source** at a stage is the source of the row itself where it has one (a
  visit, a card) and otherwise the source of the row's card, or of its customer when it has
  no card (test drives, orders, deliveries).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute

from .. import tenancy
from ..customers.models import Customer
from ..extensions import db
from ..inventory.models import StockVehicle
from ..leads.models import FollowUpCard, Visit
from ..sales.models import SalesOrder, TestDrive
from ..timeutil import DEFAULT_TZ
from .models import SalesTarget

Counts = dict[tuple[int, Any], int]
Amounts = dict[tuple[int, Any], Decimal]

#: the breakdowns every funnel stage supports
DIMENSIONS = ("source", "consultant", "model")
#: the funnel's stages, in order
STAGES = ("visits", "cards", "test_drives", "orders", "deliveries")
#: order states that are not (or no longer) a sale: a draft is a form, a cancelled order fell through
NOT_SOLD = ("draft", "cancelled")
#: test drive states that did not happen
NOT_DRIVEN = ("cancelled", "no_show")
ZERO = Decimal("0.00")
#: an explicit range longer than this is cut (a report is about months, not decades)
MAX_DAYS = 366

_ZONE_NAME = re.compile(r"^[A-Za-z0-9_+\-/]{1,60}$")


# --------------------------------------------------------------------------- periods


@dataclass(frozen=True)
class Period:
    """Calendar days ``start`` .. ``end``, both included."""

    start: dt.date
    end: dt.date

    @classmethod
    def month_of(cls, day: dt.date) -> Period:
        first = day.replace(day=1)
        following = (first + dt.timedelta(days=32)).replace(day=1)
        return cls(first, following - dt.timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def bounds(self, tz: str | None) -> tuple[dt.datetime, dt.datetime]:
        """The UTC instants where the period starts and ends (the end excluded)."""
        zone = ZoneInfo(zone_name(tz))
        start = dt.datetime.combine(self.start, dt.time.min, tzinfo=zone)
        end = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
        return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def zone_name(tz: str | None) -> str:
    """A usable time zone name: ``tz`` when it is one, else the default zone."""
    if tz and _ZONE_NAME.match(tz):
        try:
            ZoneInfo(tz)
            return tz
        except (KeyError, ValueError, OSError):
            pass
    return DEFAULT_TZ


def local_date(column: Any, tz: str | None) -> Any:
    """SQL for the calendar day of a UTC timestamp column in zone ``tz``. PostgreSQL
    converts with the zone's rules; SQLite (the embedded default, timestamps stored as UTC
    text) shifts by the zone's offset now, exact for zones without daylight saving time (every
    zone of mainland China)."""
    name = zone_name(tz)
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.cast(func.timezone(name, column), sa.Date)
    offset = ZoneInfo(name).utcoffset(dt.datetime.now())
    minutes = int(offset.total_seconds() // 60) if offset else 0
    return func.date(column, f"{minutes:+d} minutes")


def scope(store_ids: Iterable[int] | None = None) -> tuple[int, ...]:
    """The stores a metric counts: the context's readable stores, narrowed to ``store_ids``
    when given (an id outside the context is dropped, never added)."""
    allowed = tuple(tenancy.current().store_ids)
    if store_ids is None:
        return allowed
    wanted = set(store_ids)
    return tuple(s for s in allowed if s in wanted)


def among(column: Any, ids: Iterable[int]) -> Any:
    """``column IN ids`` for a tenant model's mapped ``store_id``, the ids written into the
    SQL as numbers (see ``tenancy._criteria_for``). Left out where the tenancy core's own
    filter on that column says the same (every store of the context): PostgreSQL walks a
    multicolumn index once per PAIR of values of two IN lists on its first column (51 x 51
    in a group's roll-up), so it prefers a worse plan (the funnel's summary: 26 ms instead
    of 1.6). A plain table's column (no tenancy filter) always keeps its own."""
    ctx = tenancy.maybe_current()
    ids = tuple(ids)
    mapped = isinstance(column, InstrumentedAttribute) and issubclass(column.class_, tenancy.StoreScoped)
    if mapped and ctx is not None and not ctx.is_system and ids and set(ids) == set(ctx.store_ids):
        return sa.true()
    return column.in_(sa.bindparam("stores", ids or (-1,), expanding=True, literal_execute=True, unique=True))


@dataclass(frozen=True)
class Tally:
    """A metric's grouped select, not yet run: ``SELECT store, [dim,] value ... GROUP BY
    store[, dim]``. ``amounts``: the values are money (else counts). :func:`run` runs one or
    several in one statement (the keyed ones of one run share a key type)."""

    stmt: Any
    keyed: bool
    amounts: bool = False

    def figures(self, rows: Iterable[tuple[int, Any, Any]]) -> dict[tuple[int, Any], Any]:
        if self.amounts:
            return {(store_id, key): _money(value) for store_id, key, value in rows}
        return {(store_id, key): int(value or 0) for store_id, key, value in rows}


def _tally(
    store_col: Any,
    dim: Any,
    value: Any,
    where: Iterable[Any],
    joins: Iterable[tuple[Any, Any]] = (),
    from_: Any = None,
    *,
    amounts: bool = False,
) -> Tally:
    """``SELECT store, [dim,] value ... GROUP BY store[, dim]`` (see :class:`Tally`)."""
    columns = [store_col, *([dim] if dim is not None else []), value]
    stmt = select(*columns)
    if from_ is not None:
        stmt = stmt.select_from(from_)
    for target, on in joins:
        stmt = stmt.outerjoin(target, on)
    stmt = stmt.where(*where).group_by(store_col, *([dim] if dim is not None else []))
    return Tally(stmt, dim is not None, amounts)


def run(*tallies: Tally) -> list[dict[tuple[int, Any], Any]]:
    """The figures of each tally, in order, from ONE statement: the tallies' selects as the
    parts of a ``UNION ALL``, each row tagged with its part (a report page shows several
    metrics and stays within the statement budget; DESIGN section 7)."""
    if not tallies:
        return []
    if len(tallies) == 1:
        (tally,) = tallies
        rows = [(r[0], r[1] if tally.keyed else None, r[-1]) for r in db.session.execute(tally.stmt)]
        return [tally.figures(rows)]
    subs = [tally.stmt.subquery(f"part{n}") for n, tally in enumerate(tallies)]
    # the keyed tallies run together share one key type; a part without a key gives a NULL
    # of that type (PostgreSQL types a UNION of bare NULLs as text)
    key_type = next((sub.c[1].type for tally, sub in zip(tallies, subs, strict=True) if tally.keyed), sa.Integer())
    parts = []
    for n, (tally, sub) in enumerate(zip(tallies, subs, strict=True)):
        key = sub.c[1] if tally.keyed else sa.cast(sa.null(), key_type)
        parts.append(
            select(
                sa.literal(n, sa.Integer).label("part"),
                sub.c[0].label("store_id"),
                key.label("key"),
                sub.c[len(sub.c) - 1].label("value"),
            )
        )
    per_part: list[list[tuple[int, Any, Any]]] = [[] for _ in tallies]
    for part, store_id, key, value in db.session.execute(sa.union_all(*parts)):
        per_part[part].append((store_id, key, value))
    return [tally.figures(rows) for tally, rows in zip(tallies, per_part, strict=True)]


def _metric(build: Any) -> Any:
    """A metric function: ``build`` answers its :class:`Tally`; calling the metric runs it
    (one statement) and answers its figures (:data:`Counts`, or :data:`Amounts` for money),
    ``metric.tally(...)`` gives the tally to :func:`run` with others."""

    @functools.wraps(build)
    def metric(*args: Any, **kwargs: Any) -> Any:
        return run(build(*args, **kwargs))[0]

    metric.tally = build
    return metric


def _check_dimension(by: str | None) -> None:
    if by is not None and by not in DIMENSIONS:
        raise ValueError(f"unknown breakdown {by!r}")


# --------------------------------------------------------------------------- funnel stages


@_metric
def visit_count(period: Period, *, by: str | None = None, tz: str | None = None, store_ids=None) -> Tally:
    """**Visits** (来店/来电登记, walk-ins and calls alike) in the period, counting a customer
    once per calendar day: two visits of one customer on one day are one visit, visits on two
    days are two. A visit logged without a customer counts on its own. Broken down by the
    visit's source, consultant or intended model; a customer seen twice in one day under two
    different keys counts once under each (and once in the total).

    Those per-day figures add up, so the days before a store's last summary come from
    ``report_visit_stats`` (``visit_stats``: rebuilt hourly) and the rest live."""
    from . import visit_stats  # the summary reads Period and local_date from here

    _check_dimension(by)
    parts = visit_stats.visit_selects(period, by, tz, scope(store_ids))
    if not parts:  # no store: an empty tally of the right shape
        keys = [Visit.source] if by else []
        parts = [
            select(Visit.store_id, *keys, func.count().label("n")).where(sa.false()).group_by(Visit.store_id, *keys)
        ]
    days = parts[0] if len(parts) == 1 else sa.union_all(*parts)
    days = days.subquery("visits_per_day")
    dim = days.c[1] if by is not None else None
    return _tally(days.c.store_id, dim, func.sum(days.c[len(days.c) - 1]), (), from_=days)


@_metric
def card_count(period: Period, *, by: str | None = None, tz: str | None = None, store_ids=None) -> Tally:
    """**Cards**: follow-up cards (意向跟进卡) created in the period, whatever became of them
    since (open, won, lost or dormant). By the card's source, consultant or intended model."""
    _check_dimension(by)
    start, end = period.bounds(tz)
    dims = {"source": FollowUpCard.source, "consultant": FollowUpCard.consultant_id, "model": FollowUpCard.model_id}
    where = (
        among(FollowUpCard.store_id, scope(store_ids)),
        FollowUpCard.created_at >= start,
        FollowUpCard.created_at < end,
    )
    return _tally(FollowUpCard.store_id, dims.get(by), func.count(FollowUpCard.id), where)


@_metric
def test_drive_count(period: Period, *, by: str | None = None, tz: str | None = None, store_ids=None) -> Tally:
    """**Test drives** booked (created) in the period that were not cancelled and not a
    no-show: booked ones still to come and done ones. By source (the card's, else the
    customer's), consultant, or the model of the car driven."""
    _check_dimension(by)
    start, end = period.bounds(tz)
    source = func.coalesce(FollowUpCard.source, Customer.source)
    dims = {"source": source, "consultant": TestDrive.consultant_id, "model": StockVehicle.model_id}
    joins = {
        "source": (
            (FollowUpCard, FollowUpCard.id == TestDrive.card_id),
            (Customer, Customer.id == TestDrive.customer_id),
        ),
        "model": ((StockVehicle, StockVehicle.id == TestDrive.vehicle_id),),
    }.get(by or "", ())
    where = (
        among(TestDrive.store_id, scope(store_ids)),
        TestDrive.created_at >= start,
        TestDrive.created_at < end,
        TestDrive.status.not_in(NOT_DRIVEN),
    )
    return _tally(TestDrive.store_id, dims.get(by), func.count(TestDrive.id), where, joins)


def _order_dims(by: str | None) -> tuple[Any, tuple[tuple[Any, Any], ...]]:
    source = func.coalesce(FollowUpCard.source, Customer.source)
    dims = {"source": source, "consultant": SalesOrder.consultant_id, "model": SalesOrder.model_id}
    joins = (
        ((FollowUpCard, FollowUpCard.id == SalesOrder.card_id), (Customer, Customer.id == SalesOrder.customer_id))
        if by == "source"
        else ()
    )
    return dims.get(by), joins


@_metric
def order_count(period: Period, *, by: str | None = None, tz: str | None = None, store_ids=None) -> Tally:
    """**Orders** (units sold, 订单台数): sales orders created in the period that are not a
    draft and not cancelled (one order is one car). An order cancelled later leaves the
    period it was created in. By source, consultant or model ordered."""
    _check_dimension(by)
    start, end = period.bounds(tz)
    dim, joins = _order_dims(by)
    where = (
        among(SalesOrder.store_id, scope(store_ids)),
        SalesOrder.created_at >= start,
        SalesOrder.created_at < end,
        SalesOrder.status.not_in(NOT_SOLD),
    )
    return _tally(SalesOrder.store_id, dim, func.count(SalesOrder.id), where, joins)


@_metric
def delivery_count(period: Period, *, by: str | None = None, tz: str | None = None, store_ids=None) -> Tally:
    """**Deliveries** (交车): orders handed over in the period (state delivered, by the
    time of the handover), whenever they were ordered. By source, consultant or model."""
    _check_dimension(by)
    start, end = period.bounds(tz)
    dim, joins = _order_dims(by)
    where = (
        among(SalesOrder.store_id, scope(store_ids)),
        SalesOrder.status == "delivered",
        SalesOrder.delivered_at >= start,
        SalesOrder.delivered_at < end,
    )
    return _tally(SalesOrder.store_id, dim, func.count(SalesOrder.id), where, joins)


@_metric
def gross_margin(period: Period, *, by: str | None = None, tz: str | None = None, store_ids=None) -> Tally:
    """**Vehicle gross margin** (单车毛利合计) of the orders delivered in the period (as
    :func:`delivery_count`): the car's price after discount (list price minus discount)
    minus the cost of the stock car allocated to the order. Accessories, insurance, fees and
    finance commission are not in it. By source, consultant or model."""
    _check_dimension(by)
    start, end = period.bounds(tz)
    dim, joins = _order_dims(by)
    margin = func.sum(SalesOrder.list_price - SalesOrder.discount - func.coalesce(StockVehicle.cost, 0))
    where = (
        among(SalesOrder.store_id, scope(store_ids)),
        SalesOrder.status == "delivered",
        SalesOrder.delivered_at >= start,
        SalesOrder.delivered_at < end,
    )
    joins = ((StockVehicle, StockVehicle.id == SalesOrder.stock_vehicle_id), *joins)
    return _tally(SalesOrder.store_id, dim, margin, where, joins, amounts=True)


@_metric
def csi_score(period: Period, *, tz: str | None = None, store_ids=None) -> Tally:
    """**CSI** (售后满意度) of the period: the mean ``score_pct`` (the score answers as a
    percentage of the best score, 0-100) of the surveys of a CSI template (kind ``csi``)
    answered in the period, as the surveys module reports it. A store without an answer has
    no figure (not 0). ``{(store, None): Decimal}``, two places."""
    from ..surveys.models import SurveyInvitation, SurveyTemplate  # the surveys package imports the reports

    start, end = period.bounds(tz)
    where = (
        among(SurveyInvitation.store_id, scope(store_ids)),
        SurveyInvitation.status == "answered",
        SurveyInvitation.answered_at >= start,
        SurveyInvitation.answered_at < end,
        SurveyInvitation.score_pct.is_not(None),
        SurveyTemplate.kind == "csi",
    )
    joins = ((SurveyTemplate, SurveyTemplate.id == SurveyInvitation.template_id),)
    return _tally(SurveyInvitation.store_id, None, func.avg(SurveyInvitation.score_pct), where, joins, amounts=True)


def _money(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


STAGE_METRICS = {
    "visits": visit_count,
    "cards": card_count,
    "test_drives": test_drive_count,
    "orders": order_count,
    "deliveries": delivery_count,
}


def combine(counts: Mapping[tuple[int, Any], Any]) -> dict[tuple[None, Any], Any]:
    """The same figures with the stores added together (key ``(None, key)``)."""
    total: dict[tuple[None, Any], Any] = {}
    for (_store, key), value in counts.items():
        total[(None, key)] = total.get((None, key), 0) + value
    return total


# --------------------------------------------------------------------------- the funnel


def ratio(numerator: int | Decimal, denominator: int | Decimal) -> Decimal | None:
    """``numerator / denominator`` to 4 places (0.1234 = 12.34 %); None when nothing to divide by."""
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.0001"))


@dataclass
class FunnelRow:
    """One line of the funnel: a store (None: the stores together) and a breakdown key."""

    store_id: int | None
    key: Any
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def conversions(self) -> list[Decimal | None]:
        """**Conversion** of each stage into the next, for the same cohort (the same period,
        store and key): cards/visits, test drives/cards, orders/test drives,
        deliveries/orders. None where the earlier stage is 0. It can pass 100 % (a card
        opened from a call that was not a visit; an order without a test drive)."""
        return [ratio(self.counts[b], self.counts[a]) for a, b in zip(STAGES, STAGES[1:], strict=False)]

    @property
    def overall(self) -> Decimal | None:
        """Orders per visit (成交率) for the same cohort."""
        return ratio(self.counts["orders"], self.counts["visits"])


def funnel_tallies(period: Period, *, by: str | None = None, tz: str | None = None, store_ids=None) -> list[Tally]:
    """The five stages' tallies (in ``STAGES`` order), to :func:`run` with others."""
    return [metric.tally(period, by=by, tz=tz, store_ids=store_ids) for metric in STAGE_METRICS.values()]


def funnel_rows(figures: list[Counts], *, per_store: bool = True) -> list[FunnelRow]:
    """The funnel from the stages' figures (:func:`funnel_tallies` run): one row per (store,
    key), or per key with the stores added together when ``per_store`` is False. Rows come
    ordered by store then by visits (most first)."""
    stages = dict(zip(STAGES, figures, strict=True))
    if not per_store:
        stages = {name: combine(counts) for name, counts in stages.items()}
    keys = sorted({k for counts in stages.values() for k in counts}, key=lambda k: (k[0] or 0, str(k[1])))
    rows = [FunnelRow(store, key, {name: stages[name].get((store, key), 0) for name in STAGES}) for store, key in keys]
    rows.sort(key=lambda r: (r.store_id or 0, -r.counts["visits"], -r.counts["orders"]))
    return rows


def funnel(
    period: Period, *, by: str | None = None, tz: str | None = None, store_ids=None, per_store: bool = True
) -> list[FunnelRow]:
    """The five stages for the period, one row per (store, key), or per key with the stores
    added together when ``per_store`` is False. Rows come ordered by store then by visits
    (most first). One statement."""
    return funnel_rows(run(*funnel_tallies(period, by=by, tz=tz, store_ids=store_ids)), per_store=per_store)


def funnel_total(rows: Iterable[FunnelRow]) -> FunnelRow:
    """The rows added together (the total line of a breakdown or of the stores)."""
    total = FunnelRow(None, None, dict.fromkeys(STAGES, 0))
    for row in rows:
        for name in STAGES:
            total.counts[name] += row.counts[name]
    return total


# --------------------------------------------------------------------------- ranking and targets


@dataclass
class ConsultantRow:
    """A consultant's month: orders, deliveries and gross margin against their targets."""

    store_id: int
    consultant_id: int
    units: int = 0
    deliveries: int = 0
    gross_margin: Decimal = ZERO
    target_units: int | None = None
    target_deliveries: int | None = None
    target_gross_margin: Decimal | None = None

    @property
    def units_attainment(self) -> Decimal | None:
        return ratio(self.units, self.target_units or 0)

    @property
    def deliveries_attainment(self) -> Decimal | None:
        return ratio(self.deliveries, self.target_deliveries or 0)

    @property
    def margin_attainment(self) -> Decimal | None:
        return ratio(self.gross_margin, self.target_gross_margin or 0)


def consultant_ranking(month: Period, *, tz: str | None = None, store_ids=None) -> list[ConsultantRow]:
    """**The ranking** (龙虎榜) for one calendar month: per consultant, orders
    (:func:`order_count`), deliveries (:func:`delivery_count`) and gross margin
    (:func:`gross_margin`) in the month, beside the month's targets (``SalesTarget``; a
    target of 0 or none has no attainment). Everyone with a figure or a target is listed;
    rows without a consultant are left out. Ordered by deliveries, then orders, then margin."""
    units, deliveries, margins = run(
        order_count.tally(month, by="consultant", tz=tz, store_ids=store_ids),
        delivery_count.tally(month, by="consultant", tz=tz, store_ids=store_ids),
        gross_margin.tally(month, by="consultant", tz=tz, store_ids=store_ids),
    )
    targets = db.session.execute(
        select(SalesTarget).where(among(SalesTarget.store_id, scope(store_ids)), SalesTarget.month == month.start)
    ).scalars()
    rows: dict[tuple[int, int], ConsultantRow] = {}

    def row(key: tuple[int, Any]) -> ConsultantRow:
        return rows.setdefault(key, ConsultantRow(key[0], key[1]))

    for key, n in units.items():
        if key[1] is not None:
            row(key).units = n
    for key, n in deliveries.items():
        if key[1] is not None:
            row(key).deliveries = n
    for key, amount in margins.items():
        if key[1] is not None:
            row(key).gross_margin = amount
    for target in targets:
        r = row((target.store_id, target.consultant_id))
        r.target_units, r.target_deliveries = target.units, target.deliveries
        r.target_gross_margin = _money(target.gross_margin)
    return sorted(rows.values(), key=lambda r: (-r.deliveries, -r.units, -r.gross_margin, r.store_id, r.consultant_id))


# --------------------------------------------------------------------------- forecast


@dataclass
class ForecastRow:
    """One store's open cards per intent level and the orders they are expected to bring."""

    store_id: int
    open_cards: dict[str, int]
    probabilities: dict[str, Decimal]

    @property
    def expected_by_level(self) -> dict[str, Decimal]:
        return {
            level: (Decimal(n) * self.probabilities.get(level, ZERO) / 100).quantize(Decimal("0.01"))
            for level, n in self.open_cards.items()
        }

    @property
    def expected_orders(self) -> Decimal:
        """Σ open cards of a level × that level's probability (the store's setting)."""
        return sum(self.expected_by_level.values(), Decimal("0.00")).quantize(Decimal("0.1"))


def pipeline_forecast(*, store_ids=None) -> list[ForecastRow]:
    """**Pipeline forecast** (成交预测): the orders expected in the next 30 days, as the sum
    over a store's **open** follow-up cards (status open; lost-pending, won, lost and dormant
    ones are out) of each card's intent level probability H/A/B/C, a store setting
    (``settings.order_probabilities``, default 70/40/15/5 %). Each store uses its own
    probabilities, in the roll-up too."""
    (counts,) = run(forecast_tally(store_ids=store_ids))
    return forecast_rows(counts, store_ids=store_ids)


def forecast_tally(*, store_ids=None) -> Tally:
    """The open cards per store and level that :func:`pipeline_forecast` weighs."""
    return _tally(
        FollowUpCard.store_id,
        FollowUpCard.level,
        func.count(FollowUpCard.id),
        (among(FollowUpCard.store_id, scope(store_ids)), FollowUpCard.status == "open"),
    )


def forecast_rows(counts: Counts, *, store_ids=None) -> list[ForecastRow]:
    """:func:`pipeline_forecast` from its tally's figures."""
    from .settings import LEVELS, order_probabilities

    ids = scope(store_ids)
    known = tenancy.stores_by_id(ids)
    rows = []
    for store_id in ids:
        open_cards = {level: counts.get((store_id, level), 0) for level in LEVELS}
        rows.append(ForecastRow(store_id, open_cards, order_probabilities(known.get(store_id))))
    return rows
