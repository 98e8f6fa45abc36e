"""Export of the customer list to Excel: the list's own search and filters, in its order,
with what the user may see (phones masked without ``customers.pii``, ID numbers never).

Exports are their own permission (``customers.export``) and every one is audit-logged with
the filters and the number of rows, because a spreadsheet of customers is what leaves a
store when a consultant does. The sheet is written by the shared safe writer
(``dealer_saas.xlsx``): names are text, never formulas.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from .. import audit, tenancy, xlsx
from ..extensions import db
from ..formatting import mask_phone
from ..pagination import count_upto
from ..tenancy import Store
from ..timeutil import local
from .models import GENDERS, KINDS, LEVELS, SOURCES, Customer
from .services import SORTS, CustomerError, CustomerQuery, can_see_full_mobile, matching_customers

#: an export bigger than this is refused: narrow the filters (a store has tens of thousands)
EXPORT_LIMIT = 50_000
#: rows fetched per round trip while writing the sheet
BATCH = 1000


def _phone(customer: Customer, number: str | None) -> str:
    if not number:
        return ""
    return number if can_see_full_mobile(customer) else mask_phone(number)


#: (header, value of a customer); ``stores`` maps store ids to names, ``tz`` is the store's zone
COLUMNS: tuple[tuple[Any, Callable[..., Any]], ...] = (
    (_l("门店"), lambda c, stores, tz: stores.get(c.store_id, "")),
    (_l("姓名"), lambda c, stores, tz: c.name),
    (_l("类型"), lambda c, stores, tz: str(KINDS.get(c.kind, c.kind))),
    (_l("手机号"), lambda c, stores, tz: _phone(c, c.mobile)),
    (_l("其他电话"), lambda c, stores, tz: ", ".join(_phone(c, p) for p in c.other_phones.split(",") if p)),
    (_l("性别"), lambda c, stores, tz: str(GENDERS.get(c.gender, "")) if c.gender else ""),
    (_l("生日"), lambda c, stores, tz: c.birthday),
    (_l("来源"), lambda c, stores, tz: str(SOURCES.get(c.source, c.source))),
    (_l("级别"), lambda c, stores, tz: str(LEVELS.get(c.level, c.level))),
    (_l("归属顾问"), lambda c, stores, tz: c.owner.name if c.owner else ""),
    (_l("标签"), lambda c, stores, tz: ", ".join(c.tag_names)),
    (_l("邮箱"), lambda c, stores, tz: c.email),
    (_l("微信"), lambda c, stores, tz: c.wechat),
    (_l("地址"), lambda c, stores, tz: c.address),
    (_l("创建时间"), lambda c, stores, tz: local(c.created_at, tz).replace(tzinfo=None)),
)


def export_customers(query: CustomerQuery, *, tz: str | None) -> tuple[bytes, int]:
    """The customers the user may see that match ``query`` as an .xlsx workbook, and how many.
    Audit-logged. Raises CustomerError when more than EXPORT_LIMIT match."""
    stmt, _kind = matching_customers(query, tz)
    count, more = count_upto(stmt, EXPORT_LIMIT)
    if more:
        raise CustomerError(_("符合条件的客户超过 %(n)s 个，请缩小筛选范围后再导出。", n=f"{EXPORT_LIMIT:,}"))
    sort = SORTS[query.sort]
    ordered = (
        stmt.order_by(*(c.desc() if sort.desc else c.asc() for c in sort.columns))
        .options(joinedload(Customer.owner), selectinload(Customer.tags))
        .execution_options(yield_per=BATCH)
    )
    ctx = tenancy.current()
    stores = dict(db.session.execute(select(Store.id, Store.name).where(Store.org_id == ctx.org_id)).all())

    def rows() -> Iterator[list[Any]]:
        yield [str(header) for header, _value in COLUMNS]
        for customer in db.session.execute(ordered).scalars():
            yield [value(customer, stores, tz) for _header, value in COLUMNS]

    content = xlsx.xlsx_bytes(rows(), title=_("客户"))

    audit.record(
        "export", "customers", summary=_("导出客户 %(n)s 个", n=count), after={"filters": query.args(), "rows": count}
    )
    return content, count


def file_name(today: dt.date) -> str:
    return f"customers-{today:%Y%m%d}.xlsx"
