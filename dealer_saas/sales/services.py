"""Sales rules: test-drive bookings, quotes and their totals, the sales order state machine
(approvals by discount size, payments, VIN allocation, invoice, delivery), loans, insurance.

Every state machine is one table here and one function applies it. Visibility: a user with
``customers.view_all`` sees the whole store's sales rows; anyone else sees the rows they are
the consultant or creator of (other ids answer 404, like a foreign id).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from flask import abort
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from .. import audit, pagination, settings, tenancy
from ..customers.models import Customer, CustomerVehicle, VehicleOwnership
from ..extensions import db
from ..i18n import N_
from ..inventory import services as inventory
from ..inventory.models import StockVehicle, VehicleModel
from ..leads.models import FollowUpCard
from ..tenancy import Store
from ..timeutil import as_utc, local, local_day_bounds, local_today, utcnow
from .models import (
    ZERO,
    Delivery,
    InsurancePolicy,
    LoanApplication,
    OrderApproval,
    Payment,
    Quote,
    SalesOrder,
    TestDrive,
)

CENT = Decimal("0.01")
PURCHASE_TAX_RATE = Decimal("0.10")
VAT_DIVISOR = Decimal("1.13")
MAX_ACCESSORIES = 10

#: the delivery checklist (交车检查): every item must be ticked
DELIVERY_CHECKLIST: dict[str, str] = {
    "exterior": N_("车辆外观检查"),
    "tools": N_("随车工具"),
    "documents": N_("发票/合格证"),
    "insurance": N_("保险单"),
    "instructions": N_("使用说明讲解"),
    "first_service": N_("首保提醒"),
    "signature": N_("客户签字"),
}

#: test drive states: booked -> done / cancelled / no_show
TEST_DRIVE_TRANSITIONS: dict[str, set[str]] = {
    "booked": {"done", "cancelled", "no_show"},
    "done": set(),
    "cancelled": set(),
    "no_show": set(),
}
#: quote states
QUOTE_TRANSITIONS: dict[str, set[str]] = {
    "draft": {"sent", "accepted", "expired"},
    "sent": {"accepted", "expired"},
    "accepted": set(),
    "expired": set(),
}
#: the sales order state machine (DESIGN section 4); cancelled from any state before delivered
ORDER_TRANSITIONS: dict[str, set[str]] = {
    "draft": {"submitted", "cancelled"},
    "submitted": {"approved", "draft", "cancelled"},  # draft = rejected, back for changes
    "approved": {"deposit_paid", "cancelled"},
    "deposit_paid": {"allocated", "cancelled"},
    "allocated": {"invoiced", "cancelled"},
    "invoiced": {"delivered", "cancelled"},
    "delivered": set(),
    "cancelled": set(),
}
LOAN_TRANSITIONS: dict[str, set[str]] = {
    "draft": {"submitted", "cancelled"},
    "submitted": {"approved", "rejected", "cancelled"},
    "approved": {"disbursed", "cancelled"},
    "rejected": set(),
    "disbursed": set(),
    "cancelled": set(),
}
POLICY_TRANSITIONS: dict[str, set[str]] = {
    "quoted": {"issued", "cancelled"},
    "issued": {"cancelled"},
    "cancelled": set(),
}
#: which permission approves which level
APPROVAL_PERMISSIONS = {1: "sales.order.approve", 2: "sales.order.approve_high"}
LIVE_ORDER_STATES = ("draft", "submitted", "approved", "deposit_paid", "allocated", "invoiced")
#: states in which the deposit holds a car for the customer (it goes back only by cancelling)
DEPOSIT_HELD_STATES = ("deposit_paid", "allocated", "invoiced")


class SalesError(Exception):
    """A sales rule refused the action; the message is safe to show. ``field`` names the
    form field it belongs beside (None: the whole form)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class InvalidTransition(SalesError):
    """A state change the module's table does not allow."""


class StaleEdit(SalesError):
    """Someone else saved the row first (optimistic locking)."""

    def __init__(self) -> None:
        super().__init__(_("已被他人修改，请刷新后重试"))


# --------------------------------------------------------------------------- helpers


def money(value: Any) -> Decimal:
    """A money value as Decimal rounded half-up to the cent; None counts as zero."""
    if value is None or value == "":
        return ZERO
    try:
        return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        raise SalesError(_("金额格式不正确。")) from None


def _ctx() -> tenancy.TenantContext:
    return tenancy.current()


def current_store() -> Store:
    """The store being written to (writes are refused in the all-stores roll-up)."""
    return db.session.get_one(Store, _ctx().store_id)  # usually from the identity map


def store_of(row: Any) -> Store:
    """The store a row belongs to (in the roll-up, not the active one: there is none)."""
    return db.session.get(Store, row.store_id)


def sees_all() -> bool:
    """Managers, finance and reception see the whole store's sales; consultants their own."""
    return _ctx().can("customers.view_all")


def _own_clause(model: Any) -> Any:
    user_id = _ctx().user_id
    clauses = [model.consultant_id == user_id]
    if hasattr(model, "created_by_id"):
        clauses.append(model.created_by_id == user_id)
    return sa.or_(*clauses)


def _visible(model: Any, ident: Any, *options: Any) -> Any:
    """Load a sales row by id: 404 when foreign or (for a consultant) not theirs."""
    try:
        ident = int(ident)
    except (TypeError, ValueError):
        abort(404)
    stmt = select(model).where(model.id == ident).options(*options)
    if not sees_all():
        stmt = stmt.where(_own_clause(model))
    obj = db.session.execute(stmt).scalar_one_or_none()
    if obj is None:
        abort(404)
    return obj


def customer_for_sales(customer_id: Any) -> Customer:
    """The customer a consultant may sell to: theirs or the unassigned pool (else 404)."""
    customer = tenancy.get_or_404(Customer, customer_id)
    if not sees_all() and customer.owner_id not in (None, _ctx().user_id):
        abort(404)
    return customer


def card_for_customer(card_id: Any, customer: Customer) -> FollowUpCard | None:
    """The follow-up card the sale comes from: one the user may see (leads.services owns
    that rule), of the same customer; else 404."""
    from ..leads import services as leads_services

    if card_id in (None, "", 0):
        return None
    card = leads_services.get_card(card_id)
    if card.customer_id != customer.id:
        abort(404)
    return card


def check_transition(obj: Any, table: dict[str, set[str]], new_state: str, labels: dict[str, Any]) -> None:
    """Refuse a state change the module's table does not allow (InvalidTransition)."""
    if new_state not in table.get(obj.status, set()):
        raise InvalidTransition(
            _(
                "当前状态“%(a)s”不能变为“%(b)s”。",
                a=labels.get(obj.status, obj.status),
                b=labels.get(new_state, new_state),
            )
        )


def _apply(
    obj: Any,
    table: dict[str, set[str]],
    new_state: str,
    labels: dict[str, Any],
    *,
    summary: str = "",
    changes: dict[str, Any] | None = None,
) -> None:
    """The one place a state changes: checked against ``table``, the ``changes`` that go
    with it applied, audit-logged with before/after."""
    check_transition(obj, table, new_state, labels)
    changes = changes or {}
    fields = ["status", *changes]
    before = audit.snapshot(obj, fields)
    for name, value in changes.items():
        setattr(obj, name, value)
    obj.status = new_state
    try:
        db.session.flush()
    except StaleDataError:
        raise StaleEdit() from None
    audit.record("transition", obj, before=before, after=audit.snapshot(obj, fields), summary=summary)


def _lock_store_paperwork(store: Store) -> None:
    """Serialise the store's numbering (and the one-order-per-quote check) on its row: a
    second request waits until the first commits, then sees its number or order. Held for
    the rest of the transaction; a store makes a few hundred quotes a day at most."""
    db.session.execute(select(Store.id).where(Store.id == store.id).with_for_update())


def _next_number(model: Any, prefix: str) -> str:
    """``<prefix>-<seq>``: the next sequence number of the day for this store (call
    :func:`_lock_store_paperwork` first)."""
    last = db.session.execute(
        select(model.number)
        .where(model.number.like(prefix + "-%"))
        .order_by(sa.func.length(model.number).desc(), model.number.desc())
        .limit(1)  # -1000 after -999
    ).scalar()
    seq = 1
    if last:
        try:
            seq = int(last.rsplit("-", 1)[1]) + 1
        except ValueError:
            seq = 1
    return f"{prefix}-{seq:03d}"


def _today_code(store: Store) -> str:
    return local_today(store.timezone).strftime("%Y%m%d")


# --------------------------------------------------------------------------- totals


@dataclass(frozen=True)
class Totals:
    list_price: Decimal
    discount: Decimal
    accessories_total: Decimal
    insurance_amount: Decimal
    purchase_tax: Decimal
    registration_fee: Decimal
    other_fees: Decimal
    total: Decimal

    @property
    def fees_total(self) -> Decimal:
        return self.purchase_tax + self.registration_fee + self.other_fees


def default_purchase_tax(list_price: Any, discount: Any, accessories_total: Any) -> Decimal:
    """购置税: (price - discount + accessories) / 1.13 x 10%, rounded half-up to the cent."""
    base = money(list_price) - money(discount) + money(accessories_total)
    return (max(base, ZERO) / VAT_DIVISOR * PURCHASE_TAX_RATE).quantize(CENT, rounding=ROUND_HALF_UP)


def compute_totals(
    *,
    list_price: Any,
    discount: Any = None,
    accessories: list[dict] | None = None,
    insurance_amount: Any = None,
    purchase_tax: Any = None,
    registration_fee: Any = None,
    other_fees: Any = None,
) -> Totals:
    """Quote/order totals in Decimal. ``purchase_tax`` None means the default formula.
    Raises SalesError for a negative amount or a discount above the list price."""
    price = money(list_price)
    discount_v = money(discount)
    accessories_total = sum((money(a.get("price")) for a in accessories or []), ZERO)
    values = {
        "discount": discount_v,
        "insurance_amount": money(insurance_amount),
        "registration_fee": money(registration_fee),
        "other_fees": money(other_fees),
    }
    for name, value in values.items():
        if value < 0:
            raise SalesError(_("金额不能为负数。"), name)
    if discount_v > price:
        raise SalesError(_("优惠不能超过指导价。"), "discount")
    tax = (
        default_purchase_tax(price, discount_v, accessories_total)
        if purchase_tax in (None, "")
        else money(purchase_tax)
    )
    if tax < 0:
        raise SalesError(_("金额不能为负数。"), "purchase_tax")
    total = (
        price
        - discount_v
        + accessories_total
        + values["insurance_amount"]
        + tax
        + values["registration_fee"]
        + values["other_fees"]
    )
    return Totals(
        price,
        discount_v,
        accessories_total,
        values["insurance_amount"],
        tax,
        values["registration_fee"],
        values["other_fees"],
        total,
    )


def parse_accessories(text: str | None) -> list[dict]:
    """Accessory lines "名称 价格" (one per line) as [{"name", "price"}]; raises SalesError
    naming the bad line."""
    rows: list[dict] = []
    for n, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip().replace("，", " ").replace(",", " ").replace("\t", " ")
        if not line:
            continue
        parts = line.rsplit(None, 1)
        if len(parts) != 2:
            raise SalesError(_("第 %(n)d 行：请写成“名称 价格”。", n=n), "accessories")
        name, price_text = parts[0].strip(), parts[1].replace("¥", "").replace("元", "")
        try:
            price = Decimal(price_text).quantize(CENT, rounding=ROUND_HALF_UP)
        except (InvalidOperation, ValueError):
            raise SalesError(_("第 %(n)d 行：价格不是有效的金额。", n=n), "accessories") from None
        if price < 0 or not price.is_finite():
            raise SalesError(_("第 %(n)d 行：价格不能为负数。", n=n), "accessories")
        if len(name) > 60:
            raise SalesError(_("第 %(n)d 行：名称太长。", n=n), "accessories")
        rows.append({"name": name, "price": str(price)})
    if len(rows) > MAX_ACCESSORIES:
        raise SalesError(_("精品/附件最多 %(n)d 项。", n=MAX_ACCESSORIES), "accessories")
    return rows


def format_accessories(rows: list[dict] | None) -> str:
    return "\n".join(f"{r.get('name', '')} {r.get('price', '')}" for r in rows or [])


def discount_percent(list_price: Any, discount: Any) -> Decimal:
    """Discount as a percentage of the list price, to two decimals."""
    price = money(list_price)
    if price <= 0:
        return ZERO
    return (money(discount) * 100 / price).quantize(CENT, rounding=ROUND_HALF_UP)


def approval_levels_for(store: Store, list_price: Any, discount: Any) -> int:
    """0 when the discount % is at or below the sales-manager threshold, 1 above it, 2 above
    the store-manager threshold too (store settings, defaults 3% and 6%)."""
    sales_manager_pct, store_manager_pct = settings.approval_thresholds(store)
    price, off = money(list_price), money(discount)
    # exact: the rounded percentage is for display (3.004 % shows as 3.00 % but is above 3 %)
    if price <= 0:
        return 0
    if off * 100 > Decimal(store_manager_pct) * price:
        return 2
    if off * 100 > Decimal(sales_manager_pct) * price:
        return 1
    return 0


# --------------------------------------------------------------------------- catalogue


def model_choices() -> list[VehicleModel]:
    """The organisation's active models for a select."""
    return list(
        db.session.execute(
            select(VehicleModel)
            .where(VehicleModel.is_active.is_(True))
            .order_by(VehicleModel.brand, VehicleModel.series, VehicleModel.trim)
        ).scalars()
    )


def _catalogue_model(model_id: Any) -> VehicleModel:
    model = tenancy.get_or_none(VehicleModel, model_id)
    if model is None or not model.is_active:
        raise SalesError(_("请选择车型。"), "model_id")
    return model


# --------------------------------------------------------------------------- test drives


def test_drive_day(day: dt.date, tz: str | None) -> tuple[list[StockVehicle], dict[int, list[TestDrive]]]:
    """The demo cars and each car's bookings on a local day in ``tz`` (two queries); in the
    roll-up, every store's."""
    start, end = local_day_bounds(day, tz)
    cars = inventory.demo_cars()
    drives = (
        db.session.execute(
            select(TestDrive)
            .where(TestDrive.starts_at >= start, TestDrive.starts_at < end)
            .options(joinedload(TestDrive.customer), joinedload(TestDrive.consultant))
            .order_by(TestDrive.starts_at, TestDrive.id)
        )
        .scalars()
        .all()
    )
    by_car: dict[int, list[TestDrive]] = {c.id: [] for c in cars}
    for drive in drives:
        by_car.setdefault(drive.vehicle_id, []).append(drive)
    return cars, by_car


@inventory.transfer_check
def _no_booked_test_drives(vehicle: StockVehicle) -> str | None:
    """A demo car with test drives still booked stays until they are done or cancelled."""
    booked = db.session.execute(
        select(TestDrive.id).where(TestDrive.vehicle_id == vehicle.id, TestDrive.status == "booked").limit(1)
    ).scalar()
    if booked is not None:
        return _("该试驾车还有未完成的试驾预约，请先完成或取消预约再调拨。")
    return None


def my_upcoming_test_drives(limit: int = 20) -> list[TestDrive]:
    """The user's booked test drives from now on."""
    return list(
        db.session.execute(
            select(TestDrive)
            .where(
                TestDrive.consultant_id == _ctx().user_id,
                TestDrive.status == "booked",
                TestDrive.starts_at >= utcnow() - dt.timedelta(hours=2),
            )
            .options(
                joinedload(TestDrive.customer), joinedload(TestDrive.vehicle).joinedload(StockVehicle.vehicle_model)
            )
            .order_by(TestDrive.starts_at)
            .limit(limit)
        ).scalars()
    )


def get_test_drive(test_drive_id: Any) -> TestDrive:
    return _visible(
        TestDrive,
        test_drive_id,
        joinedload(TestDrive.customer),
        joinedload(TestDrive.vehicle).joinedload(StockVehicle.vehicle_model),
        joinedload(TestDrive.consultant),
    )


def book_test_drive(
    *,
    customer_id: int,
    vehicle_id: Any,
    starts_at: dt.datetime,
    duration_minutes: int,
    licence_number: str = "",
    card_id: int | None = None,
) -> TestDrive:
    """Book a demo car for a slot. The car row is locked first, so two bookings of one car
    cannot overlap even at the same instant. Raises SalesError (field-tagged)."""
    customer = customer_for_sales(customer_id)
    card = card_for_customer(card_id, customer)
    if not duration_minutes or duration_minutes < 10 or duration_minutes > 240:
        raise SalesError(_("试驾时长应在 10 到 240 分钟之间。"), "duration_minutes")
    try:
        car = inventory.lock_vehicle(int(vehicle_id))
    except (inventory.VehicleUnavailable, TypeError, ValueError):
        raise SalesError(_("请选择试驾车。"), "vehicle_id") from None
    if not car.is_demo or car.state == "delivered":
        raise SalesError(_("该车辆不是试驾车。"), "vehicle_id")
    starts_at = as_utc(starts_at)
    if starts_at < utcnow() - dt.timedelta(hours=1):
        raise SalesError(_("试驾开始时间不能早于现在。"), "starts_at")
    ends_at = starts_at + dt.timedelta(minutes=duration_minutes)
    clash = db.session.execute(
        select(TestDrive)
        .where(
            TestDrive.vehicle_id == car.id,
            TestDrive.status == "booked",
            TestDrive.starts_at < ends_at,
            TestDrive.ends_at > starts_at,
        )
        .order_by(TestDrive.starts_at)
        .limit(1)
    ).scalar_one_or_none()
    if clash is not None:
        tz = current_store().timezone
        raise SalesError(
            _(
                "该试驾车在 %(a)s–%(b)s 已有预约，请换一个时间或车辆。",
                a=local(clash.starts_at, tz).strftime("%H:%M"),
                b=local(clash.ends_at, tz).strftime("%H:%M"),
            ),
            "starts_at",
        )
    drive = TestDrive(
        customer_id=customer.id,
        card_id=card.id if card else None,
        vehicle_id=car.id,
        consultant_id=_ctx().user_id,
        starts_at=starts_at,
        ends_at=ends_at,
        licence_number=(licence_number or "").strip().upper(),
    )
    db.session.add(drive)
    db.session.flush()
    audit.record("create", drive, after=audit.snapshot(drive), summary=f"{customer.name} {car.vin}")
    return drive


def check_in_test_drive(
    test_drive_id: Any, *, licence_number: str, licence_checked: bool, waiver_signed: bool
) -> TestDrive:
    """Record the driving licence and the signed waiver before the drive (booked only)."""
    drive = get_test_drive(test_drive_id)
    if drive.status != "booked":
        raise SalesError(_("只有已预约的试驾可以登记驾照。"))
    licence_number = (licence_number or "").strip().upper()
    if licence_checked and not licence_number:
        raise SalesError(_("请填写驾驶证号。"), "licence_number")
    fields = ["licence_number", "licence_checked", "waiver_signed"]
    before = audit.snapshot(drive, fields)
    drive.licence_number, drive.licence_checked, drive.waiver_signed = licence_number, licence_checked, waiver_signed
    db.session.flush()
    audit.record("update", drive, before=before, after=audit.snapshot(drive, fields))
    return drive


def change_test_drive_state(test_drive_id: Any, new_state: str) -> TestDrive:
    """booked -> done (only with the licence checked and the waiver signed), cancelled or
    no_show. Raises InvalidTransition / SalesError."""
    from .models import TEST_DRIVE_STATUSES

    drive = get_test_drive(test_drive_id)
    if new_state == "done" and drive.status == "booked":
        if not (drive.licence_checked and drive.licence_number):
            raise SalesError(_("试驾前须核验驾驶证。"))
        if not drive.waiver_signed:
            raise SalesError(_("试驾前须签署试驾协议。"))
    _apply(drive, TEST_DRIVE_TRANSITIONS, new_state, TEST_DRIVE_STATUSES)
    return drive


def record_test_drive_feedback(test_drive_id: Any, *, rating: int | None, feedback: str) -> TestDrive:
    """The customer's feedback and a 1-5 rating, after the drive (done only)."""
    drive = get_test_drive(test_drive_id)
    if drive.status != "done":
        raise SalesError(_("试驾完成后才能填写反馈。"))
    if rating is not None and not 1 <= rating <= 5:
        raise SalesError(_("评分应为 1 到 5。"), "rating")
    before = audit.snapshot(drive, ["rating", "feedback"])
    drive.rating, drive.feedback = rating, (feedback or "").strip()
    db.session.flush()
    audit.record("update", drive, before=before, after=audit.snapshot(drive, ["rating", "feedback"]))
    return drive


def test_drives_today_count() -> int:
    store = current_store()
    start, end = local_day_bounds(local_today(store.timezone), store.timezone)
    stmt = select(TestDrive.id).where(
        TestDrive.starts_at >= start, TestDrive.starts_at < end, TestDrive.status.in_(("booked", "done"))
    )
    if not sees_all():
        stmt = stmt.where(TestDrive.consultant_id == _ctx().user_id)
    return pagination.count_upto(stmt, 999)[0]


# --------------------------------------------------------------------------- quotes

QUOTE_SORTS = {"new": pagination.Sort("new", (Quote.created_at, Quote.id), desc=True)}
QUOTE_FILTERS = {"status": Quote.status}


def quote_page(*, after: str | None = None, status: str | None = None, size: int = 20) -> pagination.Page:
    """The quotes the user may see, newest first (keyset)."""
    stmt = select(Quote).options(joinedload(Quote.customer), joinedload(Quote.vehicle_model))
    if status in QUOTE_STATUSES_KEYS:
        stmt = stmt.where(Quote.status == status)
    if not sees_all():
        stmt = stmt.where(Quote.consultant_id == _ctx().user_id)
    return pagination.keyset_page(stmt, QUOTE_SORTS["new"], after, size)


def get_quote(quote_id: Any) -> Quote:
    return _visible(
        Quote, quote_id, joinedload(Quote.customer), joinedload(Quote.vehicle_model), joinedload(Quote.consultant)
    )


def _fill_quote(quote: Quote, data: dict[str, Any]) -> None:
    model = _catalogue_model(data.get("model_id"))
    accessories = parse_accessories(data.get("accessories"))
    totals = compute_totals(
        list_price=model.list_price,
        discount=data.get("discount"),
        accessories=accessories,
        insurance_amount=data.get("insurance_amount"),
        purchase_tax=data.get("purchase_tax"),
        registration_fee=data.get("registration_fee"),
        other_fees=data.get("other_fees"),
    )
    payment_method = data.get("payment_method") or "cash"
    if payment_method not in ("cash", "loan"):
        raise SalesError(_("请选择付款方式。"), "payment_method")
    valid_until = data.get("valid_until")
    if valid_until is not None and valid_until < local_today(current_store().timezone) and quote.id is None:
        raise SalesError(_("有效期不能早于今天。"), "valid_until")
    quote.model_id = model.id
    quote.colour = (data.get("colour") or "").strip()[:30]
    quote.list_price = totals.list_price
    quote.discount = totals.discount
    quote.accessories = accessories
    quote.accessories_total = totals.accessories_total
    quote.insurance_amount = totals.insurance_amount
    quote.purchase_tax = totals.purchase_tax
    quote.registration_fee = totals.registration_fee
    quote.other_fees = totals.other_fees
    quote.total = totals.total
    quote.payment_method = payment_method
    quote.valid_until = valid_until
    quote.notes = (data.get("notes") or "").strip()


def create_quote(customer_id: Any, data: dict[str, Any], card_id: Any = None) -> Quote:
    """A quote priced from the catalogue, totals computed here. Raises SalesError."""
    customer = customer_for_sales(customer_id)
    card = card_for_customer(card_id, customer)
    store = current_store()
    quote = Quote(
        customer_id=customer.id,
        card_id=card.id if card else None,
        consultant_id=_ctx().user_id,
        share_token=secrets.token_urlsafe(32),
        status="draft",
    )
    if data.get("valid_until") is None:
        data = {**data, "valid_until": local_today(store.timezone) + dt.timedelta(days=7)}
    _fill_quote(quote, data)
    _lock_store_paperwork(store)
    quote.number = _next_number(Quote, f"Q-{store.code}-{_today_code(store)}")
    db.session.add(quote)
    db.session.flush()
    audit.record("create", quote, after=audit.snapshot(quote), summary=quote.number)
    return quote


def update_quote(quote_id: Any, data: dict[str, Any]) -> Quote:
    """Change a draft or sent quote; an accepted or expired one is frozen."""
    quote = get_quote(quote_id)
    if quote.status not in ("draft", "sent"):
        raise SalesError(_("已接受或已失效的报价不能修改。"))
    before = audit.snapshot(quote)
    _fill_quote(quote, data)
    db.session.flush()
    audit.record("update", quote, before=before, after=audit.snapshot(quote), summary=quote.number)
    return quote


def mark_quote_sent(quote_id: Any) -> Quote:
    """The consultant sent the quote (or its link) to the customer."""
    from .models import QUOTE_STATUSES

    quote = get_quote(quote_id)
    _apply(quote, QUOTE_TRANSITIONS, "sent", QUOTE_STATUSES, summary=quote.number)
    return quote


def is_quote_expired(quote: Quote, today: dt.date) -> bool:
    return quote.status == "expired" or (quote.valid_until is not None and quote.valid_until < today)


def quote_for_share_token(token: str) -> tuple[Quote, Store] | None:
    """The quote behind a customer's share link, read-only, or None (unknown or expired).
    Runs without a tenant (the customer has no login): the token is the only key."""
    if not token or len(token) > 64:
        return None
    with tenancy.system():
        quote = db.session.execute(
            select(Quote)
            .where(Quote.share_token == token)
            .options(joinedload(Quote.customer), joinedload(Quote.vehicle_model), joinedload(Quote.consultant))
        ).scalar_one_or_none()
        if quote is None:
            return None
        store = db.session.execute(select(Store).where(Store.id == quote.store_id)).scalar_one()
    if is_quote_expired(quote, local_today(store.timezone)):
        return None
    return quote, store


QUOTE_STATUSES_KEYS = ("draft", "sent", "accepted", "expired")


# --------------------------------------------------------------------------- orders

ORDER_SORTS = {"new": pagination.Sort("new", (SalesOrder.created_at, SalesOrder.id), desc=True)}
ORDER_FILTERS = ("status",)


def order_page(*, after: str | None = None, status: str | None = None, size: int = 20) -> pagination.Page:
    """Orders the user may see, newest first; ``status`` is "open" or one state."""
    stmt = select(SalesOrder).options(
        joinedload(SalesOrder.customer), joinedload(SalesOrder.vehicle_model), joinedload(SalesOrder.consultant)
    )
    if status == "open":
        stmt = stmt.where(SalesOrder.status.in_(LIVE_ORDER_STATES))
    elif status in ORDER_TRANSITIONS:
        stmt = stmt.where(SalesOrder.status == status)
    if not sees_all():
        stmt = stmt.where(_own_clause(SalesOrder))
    return pagination.keyset_page(stmt, ORDER_SORTS["new"], after, size)


def get_order(sales_order_id: Any) -> SalesOrder:
    """An order the user may see (404 otherwise), with what its page shows."""
    return _visible(
        SalesOrder,
        sales_order_id,
        joinedload(SalesOrder.customer),
        joinedload(SalesOrder.vehicle_model),
        joinedload(SalesOrder.consultant),
        joinedload(SalesOrder.stock_vehicle),
        selectinload(SalesOrder.approvals).joinedload(OrderApproval.by_user),
        selectinload(SalesOrder.payments),
    )


def _transition(
    order: SalesOrder,
    new_state: str,
    *,
    summary: str = "",
    changes: dict[str, Any] | None = None,
    check_only: bool = False,
) -> None:
    """Apply one move of ORDER_TRANSITIONS to an order (or only check it)."""
    from .models import ORDER_STATUSES

    if check_only:
        check_transition(order, ORDER_TRANSITIONS, new_state, ORDER_STATUSES)
        return
    _apply(order, ORDER_TRANSITIONS, new_state, ORDER_STATUSES, summary=summary or order.number, changes=changes)


def create_order_from_quote(quote_id: Any) -> SalesOrder:
    """Turn a live quote into a draft order (one live order per quote); the quote becomes
    accepted. Raises SalesError."""
    from .models import QUOTE_STATUSES

    quote = get_quote(quote_id)
    store = current_store()
    if is_quote_expired(quote, local_today(store.timezone)):
        raise SalesError(_("报价已过有效期，请重新报价。"))
    _lock_store_paperwork(store)
    existing = db.session.execute(
        select(SalesOrder.number).where(SalesOrder.quote_id == quote.id, SalesOrder.status != "cancelled")
    ).scalar()
    if existing:
        raise SalesError(_("该报价已生成订单 %(n)s。", n=existing))
    totals = compute_totals(
        list_price=quote.list_price,
        discount=quote.discount,
        accessories=quote.accessories,
        insurance_amount=quote.insurance_amount,
        purchase_tax=quote.purchase_tax,
        registration_fee=quote.registration_fee,
        other_fees=quote.other_fees,
    )
    order = SalesOrder(
        number=_next_number(SalesOrder, f"SO-{store.code}-{_today_code(store)}"),
        quote_id=quote.id,
        card_id=quote.card_id,
        customer_id=quote.customer_id,
        consultant_id=quote.consultant_id or _ctx().user_id,
        model_id=quote.model_id,
        colour=quote.colour,
        list_price=totals.list_price,
        discount=totals.discount,
        accessories=list(quote.accessories or []),
        accessories_total=totals.accessories_total,
        insurance_amount=totals.insurance_amount,
        fees_total=totals.fees_total,
        total=totals.total,
        deposit_required=min(settings.default_deposit(store), totals.total).quantize(CENT),
        paid_total=ZERO,
        payment_method=quote.payment_method,
        status="draft",
        created_by_id=_ctx().user_id,
        priced_by_id=quote.consultant_id or _ctx().user_id,
    )
    db.session.add(order)
    if quote.status != "accepted":
        _apply(quote, QUOTE_TRANSITIONS, "accepted", QUOTE_STATUSES, summary=quote.number)
    db.session.flush()
    audit.record("create", order, after=audit.snapshot(order), summary=order.number)
    return order


def update_order(sales_order_id: Any, version: Any, data: dict[str, Any]) -> SalesOrder:
    """Edit a draft order's price parts, with optimistic locking on ``version``.
    Raises StaleEdit when someone saved first, SalesError otherwise."""
    order = get_order(sales_order_id)
    if str(order.version) != str(version):
        raise StaleEdit()
    if order.status != "draft":
        raise SalesError(_("只有草稿订单可以修改，已提交的订单请先驳回。"))
    accessories = parse_accessories(data.get("accessories"))
    totals = compute_totals(
        list_price=order.list_price,
        discount=data.get("discount"),
        accessories=accessories,
        insurance_amount=data.get("insurance_amount"),
        purchase_tax=data.get("fees_total"),
    )
    deposit = money(data.get("deposit_required"))
    if deposit <= 0 or deposit > totals.total:
        raise SalesError(_("定金应大于 0 且不超过订单总额。"), "deposit_required")
    if (data.get("payment_method") or "cash") not in ("cash", "loan"):
        raise SalesError(_("请选择付款方式。"), "payment_method")
    before = audit.snapshot(order)
    order.colour = (data.get("colour") or "").strip()[:30]
    if totals.discount != order.discount:
        order.priced_by_id = _ctx().user_id
    order.discount, order.accessories, order.accessories_total = totals.discount, accessories, totals.accessories_total
    order.insurance_amount, order.fees_total, order.total = totals.insurance_amount, totals.purchase_tax, totals.total
    order.deposit_required = deposit
    order.payment_method = data.get("payment_method") or "cash"
    order.notes = (data.get("notes") or "").strip()
    try:
        db.session.flush()
    except StaleDataError:
        raise StaleEdit() from None
    audit.record("update", order, before=before, after=audit.snapshot(order), summary=order.number)
    return order


def submit_order(sales_order_id: Any) -> SalesOrder:
    """Submit a draft: the discount % decides the approvals needed (store thresholds); none
    needed means approved at once. Raises InvalidTransition."""
    order = get_order(sales_order_id)
    levels = approval_levels_for(current_store(), order.list_price, order.discount)
    _transition(
        order,
        "submitted",
        changes={"approval_levels_required": levels, "approval_levels_done": 0},
        summary=f"{order.number} {discount_percent(order.list_price, order.discount)}%",
    )
    if levels == 0:
        _transition(order, "approved", summary="auto-approved: discount within the consultant's limit")
    return order


def _check_approver(order: SalesOrder) -> int:
    """The level the current user would approve; refuses self-approval and missing rights."""
    ctx = _ctx()
    if order.status != "submitted":
        from .models import ORDER_STATUSES

        raise InvalidTransition(_("订单当前状态为“%(s)s”，无需审批。", s=ORDER_STATUSES.get(order.status)))
    if ctx.user_id is None or ctx.user_id in (order.consultant_id, order.created_by_id, order.priced_by_id):
        raise SalesError(_("不能审批自己的订单或自己定的优惠。"))
    level = order.approval_levels_done + 1
    if not ctx.can(APPROVAL_PERMISSIONS.get(level, "sales.order.approve_high")):
        raise SalesError(_("该订单需要总经理审批。") if level == 2 else _("您没有审批该订单的权限。"))
    if any(a.decision == "approved" and a.by_user_id == ctx.user_id for a in _current_round(order)):
        raise SalesError(_("每一级审批须由不同的人完成。"))
    return level


def _current_round(order: SalesOrder) -> list[OrderApproval]:
    """The approvals since the order was last rejected (a resubmission starts afresh)."""
    approvals = sorted(order.approvals, key=lambda a: a.id or 0)
    last_rejected = max((i for i, a in enumerate(approvals) if a.decision == "rejected"), default=-1)
    return approvals[last_rejected + 1 :]


def approve_order(sales_order_id: Any, note: str = "") -> SalesOrder:
    """Approve the next level (sales manager, then store manager). Never by the order's own
    consultant or creator, whatever their roles. Raises SalesError / InvalidTransition."""
    order = get_order(sales_order_id)
    level = _check_approver(order)
    order.approvals.append(
        OrderApproval(level=level, decision="approved", note=(note or "").strip()[:300], by_user_id=_ctx().user_id)
    )
    if level >= order.approval_levels_required:
        _transition(order, "approved", summary=f"approved level {level}", changes={"approval_levels_done": level})
    else:
        before = {"approval_levels_done": level - 1}
        order.approval_levels_done = level
        try:
            db.session.flush()
        except StaleDataError:
            raise StaleEdit() from None
        audit.record(
            "approve", order, before=before, after={"approval_levels_done": level}, summary=f"approved level {level}"
        )
    return order


def reject_order(sales_order_id: Any, note: str) -> SalesOrder:
    """Send a submitted order back to draft with the approver's note (required)."""
    order = get_order(sales_order_id)
    level = _check_approver(order)
    note = (note or "").strip()
    if not note:
        raise SalesError(_("驳回时请填写原因。"), "note")
    order.approvals.append(OrderApproval(level=level, decision="rejected", note=note[:300], by_user_id=_ctx().user_id))
    _transition(order, "draft", summary=f"rejected: {note}", changes={"approval_levels_done": 0})
    return order


def approval_queue(limit: int = 50) -> list[SalesOrder]:
    """Submitted orders waiting for a level the user may approve, minus their own orders."""
    ctx = _ctx()
    waiting_levels = [level for level, perm in APPROVAL_PERMISSIONS.items() if ctx.can(perm)]
    if not waiting_levels:
        return []
    stmt = (
        select(SalesOrder)
        .where(
            SalesOrder.status == "submitted",
            SalesOrder.approval_levels_done.in_([level - 1 for level in waiting_levels]),
            sa.or_(SalesOrder.consultant_id.is_(None), SalesOrder.consultant_id != ctx.user_id),
            sa.or_(SalesOrder.created_by_id.is_(None), SalesOrder.created_by_id != ctx.user_id),
            sa.or_(SalesOrder.priced_by_id.is_(None), SalesOrder.priced_by_id != ctx.user_id),
        )
        .options(
            joinedload(SalesOrder.customer), joinedload(SalesOrder.vehicle_model), joinedload(SalesOrder.consultant)
        )
        .order_by(SalesOrder.created_at, SalesOrder.id)
        .limit(limit)
    )
    return list(db.session.execute(stmt).scalars())


def record_payment(sales_order_id: Any, *, kind: str, method: str, amount: Any, reference: str = "") -> Payment:
    """Record money received (or refunded) on an approved order. paid_total never exceeds
    the total; enough deposit moves approved -> deposit_paid. Raises SalesError."""
    from .models import PAYMENT_KINDS, PAYMENT_METHODS

    order = get_order(sales_order_id)
    amount_v = money(amount)
    if kind not in PAYMENT_KINDS:
        raise SalesError(_("请选择款项类型。"), "kind")
    if method not in PAYMENT_METHODS:
        raise SalesError(_("请选择收款方式。"), "method")
    if amount_v <= 0:
        raise SalesError(_("金额应大于 0。"), "amount")
    if kind == "refund":
        if order.status not in ("cancelled",) and order.status not in LIVE_ORDER_STATES:
            raise SalesError(_("已交车的订单不能退款。"))
        if amount_v > order.paid_total:
            raise SalesError(_("退款不能超过已收金额 %(p)s。", p=order.paid_total), "amount")
        if order.status in DEPOSIT_HELD_STATES and order.paid_total - amount_v < order.deposit_required:
            # the deposit holds the car: giving it back is cancelling the order
            raise SalesError(
                _("退款后已收金额将低于定金 %(d)s；退还定金请先取消订单。", d=order.deposit_required), "amount"
            )
        signed = -amount_v
    else:
        if order.status in ("draft", "submitted"):
            raise SalesError(_("订单审批通过后才能收款。"))
        if order.status in ("delivered", "cancelled"):
            raise SalesError(_("已交车或已取消的订单不能再收款。"))
        if order.paid_total + amount_v > order.total:
            raise SalesError(_("收款将超过订单总额，最多还可收 %(r)s。", r=order.total - order.paid_total), "amount")
        signed = amount_v
    payment = Payment(
        kind=kind, method=method, amount=signed, reference=(reference or "").strip()[:60], by_user_id=_ctx().user_id
    )
    order.payments.append(payment)
    before = audit.snapshot(order, ["paid_total"])
    order.paid_total = order.paid_total + signed
    try:
        db.session.flush()
    except StaleDataError:
        raise StaleEdit() from None
    audit.record("create", payment, after=audit.snapshot(payment), summary=order.number)
    audit.record("update", order, before=before, after=audit.snapshot(order, ["paid_total"]), summary=order.number)
    if order.status == "approved" and kind != "refund" and order.paid_total >= order.deposit_required:
        _transition(order, "deposit_paid")
    return payment


def allocation_choices(order: SalesOrder) -> list[StockVehicle]:
    """In-stock cars of the order's model that may be allocated."""
    return inventory.available_for_model(order.model_id)


def allocate_vehicle(sales_order_id: Any, stock_vehicle_id: Any) -> SalesOrder:
    """Give a deposit-paid order its car (VIN). The car row is locked and the order's unique
    stock_vehicle_id backs it up: one live order per car. Raises SalesError."""
    order = get_order(sales_order_id)
    if order.status == "approved" or order.paid_total < order.deposit_required:
        raise InvalidTransition(_("付定金后才能配车。"))
    _transition(order, "allocated", check_only=True)
    try:
        vehicle_id = int(stock_vehicle_id)
    except (TypeError, ValueError):
        raise SalesError(_("请选择车辆。"), "stock_vehicle_id") from None
    try:
        vehicle = inventory.allocate_to_order(vehicle_id, order.model_id)
    except inventory.VehicleUnavailable as error:
        raise SalesError(str(error), "stock_vehicle_id") from None
    order.stock_vehicle = vehicle  # keeps the loaded relationship in step with the column
    _transition(
        order,
        "allocated",
        summary=f"{order.number} {vehicle.vin}",
        changes={"stock_vehicle_id": vehicle.id, "colour": order.colour or vehicle.colour},
    )
    return order


def _loan_total(order: SalesOrder, status_clause: sa.ColumnElement[bool]) -> Decimal:
    """The sum of the order's loans whose status matches ``status_clause``."""
    return money(
        db.session.execute(
            select(sa.func.coalesce(sa.func.sum(LoanApplication.amount), 0)).where(
                LoanApplication.order_id == order.id, status_clause
            )
        ).scalar_one()
    )


def loans_not_yet_received(order: SalesOrder) -> Decimal:
    """The approved or disbursed loan money the store has not yet recorded as a ``loan``
    payment (recorded money is already in paid_total: counting it twice would let an order
    be invoiced with money owed)."""
    promised = _loan_total(order, LoanApplication.status.in_(("approved", "disbursed")))
    received = db.session.execute(
        select(sa.func.coalesce(sa.func.sum(Payment.amount), 0)).where(
            Payment.order_id == order.id, Payment.kind == "loan"
        )
    ).scalar_one()
    return max(promised - money(received), ZERO)


def invoice_order(sales_order_id: Any, invoice_number: str) -> SalesOrder:
    """Record the invoice of an allocated order; the car must be paid in full (loans that are
    approved or disbursed count). Raises SalesError."""
    order = get_order(sales_order_id)
    invoice_number = (invoice_number or "").strip()
    if not invoice_number:
        raise SalesError(_("请填写发票号码。"), "invoice_number")
    _transition(order, "invoiced", check_only=True)
    loans = loans_not_yet_received(order)
    if order.paid_total + loans < order.total:
        raise SalesError(
            _(
                "尚未收齐车款（已收 %(p)s，贷款 %(l)s，应收 %(t)s），不能开票。",
                p=order.paid_total,
                l=loans,
                t=order.total,
            )
        )
    _transition(order, "invoiced", changes={"invoice_number": invoice_number[:40], "invoiced_at": utcnow()})
    return order


def deliver_order(
    sales_order_id: Any,
    *,
    checklist: dict[str, bool],
    received_by_name: str,
    mileage: int | None = None,
    notes: str = "",
) -> Delivery:
    """Hand the car over: every checklist item ticked; creates the customer's vehicle (and
    ownership), marks the car delivered, the customer an owner, the card won."""
    order = get_order(sales_order_id)
    _transition(order, "delivered", check_only=True)
    missing = [label for code, label in DELIVERY_CHECKLIST.items() if not checklist.get(code)]
    if missing:
        raise SalesError(_("交车检查未完成：%(items)s。", items="、".join(_(m) for m in missing)), "checklist")
    received_by_name = (received_by_name or "").strip()
    if not received_by_name:
        raise SalesError(_("请填写接车人姓名。"), "received_by_name")
    vehicle = order.stock_vehicle
    if vehicle is None:
        raise SalesError(_("订单尚未配车。"))
    exists = db.session.execute(select(CustomerVehicle.id).where(CustomerVehicle.vin == vehicle.vin)).scalar()
    if exists:
        raise SalesError(_("车架号 %(vin)s 已登记在客户车辆中。", vin=vehicle.vin))
    store = current_store()
    today = local_today(store.timezone)
    now = utcnow()
    delivery = Delivery(
        order_id=order.id,
        checklist={k: bool(checklist.get(k)) for k in DELIVERY_CHECKLIST},
        received_by_name=received_by_name[:80],
        mileage=mileage,
        notes=(notes or "").strip(),
        delivered_at=now,
        delivered_by_id=_ctx().user_id,
    )
    model = order.vehicle_model
    customer_vehicle = CustomerVehicle(
        vin=vehicle.vin,
        plate="",
        brand=model.brand,
        model=model.series,
        trim=model.trim,
        colour=order.colour or vehicle.colour,
        model_id=model.id,
        purchase_date=today,
        mileage=mileage,
        owner_id=order.customer_id,
        sales_order_id=order.id,
    )
    customer_vehicle.ownerships.append(VehicleOwnership(customer_id=order.customer_id, started_on=today))
    db.session.add_all([delivery, customer_vehicle])
    try:
        inventory.mark_delivered(vehicle)
    except inventory.InventoryError as error:
        raise SalesError(str(error)) from None
    _transition(order, "delivered", changes={"delivered_at": now})
    audit.record("create", delivery, after=audit.snapshot(delivery), summary=order.number)
    audit.record("create", customer_vehicle, after=audit.snapshot(customer_vehicle), summary=vehicle.vin)
    customer = order.customer
    if customer.level != "owner":
        before = audit.snapshot(customer, ["level"])
        customer.level = "owner"
        db.session.flush()
        audit.record(
            "update", customer, before=before, after=audit.snapshot(customer, ["level"]), summary="owner after delivery"
        )
    _mark_card_won(order)
    return delivery


def _mark_card_won(order: SalesOrder) -> None:
    """The deal is won when the car is handed over (leads.services owns the card rules)."""
    from ..leads import services as leads_services

    if order.card_id:
        leads_services.mark_card_won(order.card_id, order.id)


def cancel_order(sales_order_id: Any, reason: str) -> SalesOrder:
    """Cancel an order before delivery, with a reason; an allocated car goes back in stock."""
    order = get_order(sales_order_id)
    reason = (reason or "").strip()
    if not reason:
        raise SalesError(_("请填写取消原因。"), "reason")
    _transition(order, "cancelled", check_only=True)
    if order.stock_vehicle is not None:
        try:
            inventory.release_from_order(order.stock_vehicle)
        except inventory.InventoryError as error:
            raise SalesError(str(error)) from None
        order.stock_vehicle = None  # else the relationship would write the old id back on flush
    _transition(
        order,
        "cancelled",
        summary=f"{order.number} {reason}",
        changes={"stock_vehicle_id": None, "cancel_reason": reason[:200], "cancelled_at": utcnow()},
    )
    return order


def get_delivery(order: SalesOrder) -> Delivery | None:
    return db.session.execute(select(Delivery).where(Delivery.order_id == order.id)).scalar_one_or_none()


# --------------------------------------------------------------------------- loans, insurance


def order_finance(order: SalesOrder) -> tuple[list[LoanApplication], list[InsurancePolicy]]:
    loans = (
        db.session.execute(
            select(LoanApplication).where(LoanApplication.order_id == order.id).order_by(LoanApplication.id)
        )
        .scalars()
        .all()
    )
    policies = (
        db.session.execute(
            select(InsurancePolicy).where(InsurancePolicy.order_id == order.id).order_by(InsurancePolicy.id)
        )
        .scalars()
        .all()
    )
    return list(loans), list(policies)


def create_loan(sales_order_id: Any, data: dict[str, Any]) -> LoanApplication:
    """A loan application (按揭) for a live order; amount within the order total."""
    order = get_order(sales_order_id)
    if order.status not in LIVE_ORDER_STATES:
        raise SalesError(_("已交车或已取消的订单不能新增按揭。"))
    lender = (data.get("lender") or "").strip()
    if not lender:
        raise SalesError(_("请填写贷款机构。"), "lender")
    amount = money(data.get("amount"))
    if amount <= 0 or amount > order.total:
        raise SalesError(_("贷款金额应大于 0 且不超过订单总额。"), "amount")
    other_loans = _loan_total(order, LoanApplication.status.notin_(("rejected", "cancelled")))
    if other_loans + amount > order.total:
        raise SalesError(_("该订单的贷款合计将超过订单总额（已有贷款 %(l)s）。", l=other_loans), "amount")
    down_payment = money(data.get("down_payment"))
    commission = money(data.get("commission"))
    if down_payment < 0:
        raise SalesError(_("金额不能为负数。"), "down_payment")
    if commission < 0:
        raise SalesError(_("金额不能为负数。"), "commission")
    term = data.get("term_months") or 36
    if int(term) not in (12, 24, 36, 48, 60):
        raise SalesError(_("请选择贷款期限。"), "term_months")
    rate = data.get("annual_rate")
    if rate is not None and not (Decimal("0") <= Decimal(str(rate)) <= Decimal("30")):
        raise SalesError(_("年利率应在 0 到 30 之间。"), "annual_rate")
    loan = LoanApplication(
        order_id=order.id,
        lender=lender[:80],
        amount=amount,
        down_payment=down_payment,
        term_months=int(term),
        annual_rate=rate,
        commission=commission,
        status="draft",
    )
    db.session.add(loan)
    db.session.flush()
    audit.record("create", loan, after=audit.snapshot(loan), summary=order.number)
    return loan


def _finance_row(model: Any, ident: Any) -> Any:
    """A loan or policy whose order the user may see (404 otherwise)."""
    row = tenancy.get_or_404(model, ident)
    if row.order_id is not None:
        get_order(row.order_id)
    elif not sees_all():
        abort(404)
    return row


def _check_order_not_cancelled(row: Any, new_state: str) -> None:
    """On a cancelled order a loan or policy may only be cancelled (no approvals, pay-outs or
    new policies for a car that is not sold)."""
    if new_state != "cancelled" and row.order_id is not None and get_order(row.order_id).status == "cancelled":
        raise SalesError(_("订单已取消：贷款和保单只能取消。"))


def get_loan_application(loan_application_id: Any) -> LoanApplication:
    """A loan whose order the user may see (404 otherwise)."""
    return _finance_row(LoanApplication, loan_application_id)


def get_insurance_policy(insurance_policy_id: Any) -> InsurancePolicy:
    """A policy whose order the user may see (404 otherwise)."""
    return _finance_row(InsurancePolicy, insurance_policy_id)


def change_loan_state(loan_application_id: Any, new_state: str) -> LoanApplication:
    """Move a loan through draft -> submitted -> approved/rejected -> disbursed (or cancelled)."""
    from .models import LOAN_STATUSES

    loan = _finance_row(LoanApplication, loan_application_id)
    _check_order_not_cancelled(loan, new_state)
    now = utcnow()
    changes = (
        {"submitted_at": now}
        if new_state == "submitted"
        else {"decided_at": now}
        if new_state in ("approved", "rejected")
        else {}
    )
    _apply(loan, LOAN_TRANSITIONS, new_state, LOAN_STATUSES, changes=changes)
    return loan


def _one_year_on(day: dt.date) -> dt.date:
    """The same day next year; 29 February goes to 1 March (a policy of 29 Feb 2028 runs to
    28 Feb 2029 inclusive)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return dt.date(day.year + 1, 3, 1)


def create_policy(sales_order_id: Any, data: dict[str, Any]) -> InsurancePolicy:
    """An insurance policy for the order's customer and car; the expiry feeds renewals."""
    order = get_order(sales_order_id)
    if order.status == "cancelled":
        raise SalesError(_("已取消的订单不能新增保险。"))
    insurer = (data.get("insurer") or "").strip()
    if not insurer:
        raise SalesError(_("请填写保险公司。"), "insurer")
    premium = money(data.get("premium"))
    if premium <= 0:
        raise SalesError(_("保费应大于 0。"), "premium")
    commission = money(data.get("commission"))
    if commission < 0:
        raise SalesError(_("金额不能为负数。"), "commission")
    starts_on = data.get("starts_on") or local_today(current_store().timezone)
    expires_on = data.get("expires_on") or _one_year_on(starts_on) - dt.timedelta(days=1)
    if expires_on <= starts_on:
        raise SalesError(_("到期日应晚于起保日。"), "expires_on")
    policy = InsurancePolicy(
        order_id=order.id,
        customer_id=order.customer_id,
        vin=order.stock_vehicle.vin if order.stock_vehicle else "",
        insurer=insurer[:80],
        policy_number=(data.get("policy_number") or "").strip()[:60],
        premium=premium,
        commission=commission,
        starts_on=starts_on,
        expires_on=expires_on,
        status="quoted",
    )
    db.session.add(policy)
    db.session.flush()
    audit.record("create", policy, after=audit.snapshot(policy), summary=order.number)
    return policy


def change_policy_state(insurance_policy_id: Any, new_state: str, policy_number: str = "") -> InsurancePolicy:
    """quoted -> issued (needs the policy number) -> cancelled."""
    from .models import POLICY_STATUSES

    policy = _finance_row(InsurancePolicy, insurance_policy_id)
    _check_order_not_cancelled(policy, new_state)
    changes: dict[str, Any] = {}
    if new_state == "issued":
        check_transition(policy, POLICY_TRANSITIONS, new_state, POLICY_STATUSES)
        number = (policy_number or policy.policy_number or "").strip()
        if not number:
            raise SalesError(_("出单须填写保单号。"), "policy_number")
        changes["policy_number"] = number[:60]
        if not policy.vin and policy.order_id:
            order = get_order(policy.order_id)
            changes["vin"] = order.stock_vehicle.vin if order.stock_vehicle else ""
    _apply(policy, POLICY_TRANSITIONS, new_state, POLICY_STATUSES, changes=changes)
    return policy


# --------------------------------------------------------------------------- dashboard numbers


def orders_in_progress_count() -> tuple[int, bool]:
    stmt = select(SalesOrder.id).where(SalesOrder.status.in_(LIVE_ORDER_STATES))
    if not sees_all():
        stmt = stmt.where(_own_clause(SalesOrder))
    return pagination.count_upto(stmt, 999)


def deliveries_this_month_count() -> tuple[int, bool]:
    store = current_store()
    today = local_today(store.timezone)
    start, _end = local_day_bounds(today.replace(day=1), store.timezone)
    stmt = select(SalesOrder.id).where(SalesOrder.status == "delivered", SalesOrder.delivered_at >= start)
    if not sees_all():
        stmt = stmt.where(_own_clause(SalesOrder))
    return pagination.count_upto(stmt, 999)
