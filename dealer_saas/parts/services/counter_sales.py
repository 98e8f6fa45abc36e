"""Counter sales (柜台销售): parts sold over the counter to a customer of the store (found by
mobile) or a walk-in, paid in full at once; each line is a ``sale`` movement, which never
takes stock reserved for repair orders."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ... import audit, pagination, tenancy
from ...customers.models import Customer
from ...extensions import db
from ...validation import InvalidValue, normalise_mobile
from ..models import PAYMENT_METHODS, CounterSale, CounterSaleLine, PartStock
from . import stock as stock_service
from .rules import CENT, PartsError, next_number, quantity, user_id

SALE_SORT = pagination.Sort("new", (CounterSale.sold_at, CounterSale.id), desc=True)
MAX_LINES = 10


def get_sale(counter_sale_id: Any) -> CounterSale:
    return tenancy.get_or_404(
        CounterSale,
        counter_sale_id,
        joinedload(CounterSale.customer),
        joinedload(CounterSale.by_user),
        joinedload(CounterSale.lines).joinedload(CounterSaleLine.stock).joinedload(PartStock.part),
    )


def sale_page(*, after: str | None = None, size: int = 20) -> pagination.Page:
    stmt = select(CounterSale).options(joinedload(CounterSale.customer))
    return pagination.keyset_page(stmt, SALE_SORT, after, size)


def _customer(mobile: str) -> Customer | None:
    mobile = (mobile or "").strip()
    if not mobile:
        return None
    try:
        number = normalise_mobile(mobile)
    except InvalidValue:
        raise PartsError(_("手机号格式不正确。"), "customer_mobile") from None
    customer = db.session.execute(
        select(Customer).where(Customer.mobile == number, Customer.deleted_at.is_(None)).limit(1)
    ).scalar_one_or_none()
    if customer is None:
        raise PartsError(_("本店没有手机号为 %(m)s 的客户；散客请只填姓名。", m=number), "customer_mobile")
    return customer


def sell(
    *, lines: list[tuple[str, Any]], method: str, customer_mobile: str = "", walk_in_name: str = ""
) -> CounterSale:
    """Sell ``[(code or barcode, quantity), ...]`` at the store's sale prices, paid in full
    by ``method``. Raises PartsError, NotEnoughStock (nothing is sold then)."""
    tenancy.writable_store()
    if method not in PAYMENT_METHODS:
        raise PartsError(_("请选择付款方式。"), "method")
    customer = _customer(customer_mobile)
    name = (walk_in_name or "").strip()[:60]
    wanted = [(code, qty) for code, qty in lines if (code or "").strip()][:MAX_LINES]
    if not wanted:
        raise PartsError(_("请至少填写一个配件。"), "code_0")
    sale = CounterSale(
        number=next_number(CounterSale, "CS"),
        customer_id=customer.id if customer else None,
        walk_in_name="" if customer else name,
        method=method,
        by_user_id=user_id(),
    )
    db.session.add(sale)
    db.session.flush()
    total = Decimal("0.00")
    for index, (code, raw) in enumerate(wanted):
        stock = stock_service.find_by_code(code, f"code_{index}")
        qty = quantity(raw, f"qty_{index}")
        if stock.sale_price <= 0:
            raise PartsError(_("%(c)s 没有设置售价。", c=stock.part.code), f"code_{index}")
        amount = (qty * stock.sale_price).quantize(CENT)
        try:
            stock_service.apply_movement(stock.id, "sale", -qty, reference=sale.number)
        except PartsError as error:
            error.field = f"qty_{index}"  # beside the line's quantity
            raise
        sale.lines.append(
            CounterSaleLine(part_stock_id=stock.id, quantity=qty, unit_price=stock.sale_price, amount=amount)
        )
        total += amount
    sale.total = total
    sale.paid = total
    db.session.flush()
    audit.record("create", sale, after=audit.snapshot(sale), summary=sale.number)
    return sale
