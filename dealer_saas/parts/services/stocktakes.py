"""Stocktake (盘点): a count sheet of one bin or one category snapshots each part's on hand;
counts are entered on a phone (code or barcode, typed or scanned, and the quantity);
variances are reviewed and posted as ``stocktake`` movements in one transaction.

Decision (issue 16): posting is refused when any counted part's stock moved after its line
was taken (a receipt or an issue during the count would make the variance wrong). The
clerk then recounts those lines: their expected quantity is read again and their count
cleared, and the sheet is posted once they are counted again. Uncounted lines are left
alone (no movement)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ... import audit, pagination, tenancy
from ...domain import Transitions
from ...extensions import db
from ...timeutil import as_utc, utcnow
from ..models import CATEGORIES, STOCKTAKE_STATUSES, Part, PartStock, Stocktake, StocktakeLine
from . import stock as stock_service
from .rules import PartsError, PartsStale, PartsTransitionError, next_number, quantity, user_id

STOCKTAKE_MOVES = Transitions(
    {"counting": {"posted", "cancelled"}, "posted": set(), "cancelled": set()},
    STOCKTAKE_STATUSES,
    audit_fields=("posted_at",),
    error=PartsTransitionError,
    stale=PartsStale,
)
SCOPES = ("bin", "category")
MAX_LINES = 1000
SHEET_SORT = pagination.Sort("new", (Stocktake.created_at, Stocktake.id), desc=True)


def get_sheet(stocktake_id: Any) -> Stocktake:
    return tenancy.get_or_404(
        Stocktake,
        stocktake_id,
        joinedload(Stocktake.lines).joinedload(StocktakeLine.stock).joinedload(PartStock.part),
        fresh=True,
    )


def sheet_page(*, after: str | None = None, size: int = 20) -> pagination.Page:
    return pagination.keyset_page(select(Stocktake), SHEET_SORT, after, size)


def take_sheet(scope: str, value: str) -> Stocktake:
    """A count sheet of every part of the store in one bin or one category."""
    tenancy.writable_store()
    value = (value or "").strip()
    if scope not in SCOPES:
        raise PartsError(_("请选择盘点范围。"), "scope")
    if scope == "category" and value not in CATEGORIES:
        raise PartsError(_("请选择类别。"), "value")
    if scope == "bin":
        value = value.upper()[:20]
        if not value:
            raise PartsError(_("请填写库位。"), "value")
    stmt = select(PartStock).join(Part, Part.id == PartStock.part_id).order_by(PartStock.bin, Part.code)
    stmt = stmt.where(PartStock.bin == value) if scope == "bin" else stmt.where(Part.category == value)
    stocks = list(db.session.execute(stmt.limit(MAX_LINES + 1)).scalars())
    if not stocks:
        raise PartsError(_("该范围内没有配件。"), "value")
    if len(stocks) > MAX_LINES:
        raise PartsError(_("该范围超过 %(n)s 种配件，请按库位分开盘点。", n=MAX_LINES), "value")
    now = utcnow()
    sheet = Stocktake(
        number=next_number(Stocktake, "ST"), scope=scope, scope_value=value, created_by_id=user_id(), created_at=now
    )
    db.session.add(sheet)
    for stock in stocks:
        sheet.lines.append(StocktakeLine(part_stock_id=stock.id, expected=stock.on_hand, taken_at=now))
    db.session.flush()
    audit.record("create", sheet, after=audit.snapshot(sheet), summary=sheet.number)
    return sheet


def _counting(sheet: Stocktake) -> None:
    if sheet.status != "counting":
        raise PartsError(_("盘点单已%(s)s。", s=STOCKTAKE_MOVES.label(sheet.status)))


def enter_count(stocktake_id: Any, code: str, counted: Any) -> StocktakeLine:
    """The counted quantity of one part of the sheet, found by code or barcode."""
    sheet = get_sheet(stocktake_id)
    _counting(sheet)
    value = (code or "").strip().upper()
    if not value:
        raise PartsError(_("请输入配件编码或条码。"), "code")
    line = next((ln for ln in sheet.lines if value in (ln.stock.part.code, ln.stock.part.barcode)), None)
    if line is None:
        raise PartsError(_("%(c)s 不在这张盘点单上。", c=value[:40]), "code")
    line.counted = quantity(counted, "counted", allow_zero=True)
    line.counted_at = utcnow()
    db.session.flush()
    return line


def moved_lines(sheet: Stocktake) -> list[StocktakeLine]:
    """Counted lines whose stock moved after they were taken."""
    return [
        line
        for line in sheet.lines
        if line.counted is not None
        and (
            line.stock.on_hand != line.expected
            or (line.stock.last_moved_at is not None and as_utc(line.stock.last_moved_at) > as_utc(line.taken_at))
        )
    ]


def recount(stocktake_id: Any) -> list[StocktakeLine]:
    """Read the moved lines' on hand again and clear their counts (to be counted again)."""
    sheet = get_sheet(stocktake_id)
    _counting(sheet)
    moved = moved_lines(sheet)
    now = utcnow()
    for line in moved:
        line.expected, line.counted, line.counted_at, line.taken_at = line.stock.on_hand, None, None, now
    db.session.flush()
    return moved


def post(stocktake_id: Any) -> Stocktake:
    """Post every counted line's variance as a ``stocktake`` movement, all or nothing;
    refused while a counted part moved after its line was taken (recount first)."""
    sheet = get_sheet(stocktake_id)
    STOCKTAKE_MOVES.check(sheet, "posted")
    counted = [line for line in sheet.lines if line.counted is not None]
    if not counted:
        raise PartsError(_("还没有录入任何盘点数量。"))
    for line in counted:
        stock_service.lock_stock(line.part_stock_id)
    moved = moved_lines(sheet)
    if moved:
        codes = "、".join(line.stock.part.code for line in moved[:10])
        raise PartsError(_("盘点期间这些配件有出入库：%(c)s。请先重新盘点这些配件。", c=codes))
    for line in counted:
        if line.variance:
            stock_service.apply_movement(line.part_stock_id, "stocktake", line.variance, reference=sheet.number)
    STOCKTAKE_MOVES.apply(sheet, "posted", changes={"posted_at": utcnow()}, summary=sheet.number)
    return sheet


def cancel(stocktake_id: Any) -> Stocktake:
    sheet = get_sheet(stocktake_id)
    STOCKTAKE_MOVES.apply(sheet, "cancelled", summary=sheet.number)
    return sheet


def current_sheets(limit: int = 5) -> list[Stocktake]:
    return list(
        db.session.execute(
            select(Stocktake)
            .where(Stocktake.status == "counting")
            .options(joinedload(Stocktake.lines))
            .order_by(Stocktake.created_at.desc())
            .limit(limit)
        )
        .unique()
        .scalars()
    )
