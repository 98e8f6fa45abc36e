"""Message templates per store: a fixed, documented set of placeholders (``{客户姓名}``),
anything else in braces refused with a clear error, and a preview with a real customer."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ... import audit, tenancy
from ...customers.models import Customer, CustomerVehicle
from ...customers.services import get_customer
from ...domain import flush_or_stale
from ...extensions import db
from ..models import OCCASIONS, MessageTemplate
from . import MarketingError

#: every placeholder a template may use, and what fills it
PLACEHOLDERS: dict[str, Any] = {
    "客户姓名": _l("客户姓名"),
    "车牌": _l("车牌号（提醒所关于的车辆，或客户的第一辆车）"),
    "车型": _l("车型"),
    "门店": _l("门店名称"),
    "门店电话": _l("门店电话"),
    "门店地址": _l("门店地址"),
    "预约链接": _l("在线预约链接（保养提醒）"),
    "到期日": _l("到期日（保养或保险）"),
    "预约时间": _l("预约时间"),
    "活动主题": _l("活动主题"),
    "活动地点": _l("活动地点"),
    "活动时间": _l("活动开始时间"),
    "报名链接": _l("活动报名链接"),
}
MAX_BODY = 500
_BRACED = re.compile(r"\{([^{}]*)\}")
_CODE = re.compile(r"^[a-z0-9_\-]{2,40}$")

#: the built-in text of each occasion, used while the store has no active template of its own
DEFAULT_BODIES: dict[str, str] = {
    "maintenance": "【{门店}】{客户姓名}您好，您的爱车{车牌}将于{到期日}到保养时间，点击在线预约：{预约链接}",
    "insurance": "【{门店}】{客户姓名}您好，您的爱车{车牌}的车险将于{到期日}到期，续保请致电{门店电话}。",
    "birthday": "【{门店}】{客户姓名}，祝您生日快乐！感谢您一直以来的支持。",
    "appointment_confirm": "【{门店}】{客户姓名}您好，您已预约{预约时间}到店保养/维修（{车牌}），地址：{门店地址}。",
    "appointment_reminder": "【{门店}】{客户姓名}您好，提醒您明天{预约时间}的售后预约（{车牌}），期待您的光临。",
    "campaign": "【{门店}】{客户姓名}您好，诚邀您参加“{活动主题}”，时间{活动时间}，地点{活动地点}，报名：{报名链接}",
    "marketing": "【{门店}】{客户姓名}您好，本月到店有惊喜，详询{门店电话}。",
}


def check_body(body: str) -> str:
    """The body, stripped; refuses an empty or too long one, an unknown placeholder and a
    lone brace (MarketingError on ``body``)."""
    body = (body or "").strip()
    if not body:
        raise MarketingError(_("请填写模板内容。"), "body")
    if len(body) > MAX_BODY:
        raise MarketingError(_("模板内容不能超过 %(n)s 个字。", n=MAX_BODY), "body")
    unknown = [name for name in _BRACED.findall(body) if name not in PLACEHOLDERS]
    if unknown:
        raise MarketingError(
            _(
                "未知的占位符：%(names)s。可用：%(known)s",
                names="、".join("{" + n + "}" for n in dict.fromkeys(unknown)),
                known="、".join("{" + n + "}" for n in PLACEHOLDERS),
            ),
            "body",
        )
    if "{" in _BRACED.sub("", body) or "}" in _BRACED.sub("", body):
        raise MarketingError(_("花括号不成对：占位符写作 {客户姓名} 这样。"), "body")
    return body


def render(body: str, values: Mapping[str, Any]) -> str:
    """Fill each known placeholder (a missing value becomes empty text)."""
    return _BRACED.sub(lambda m: str(values.get(m.group(1), "")) if m.group(1) in PLACEHOLDERS else m.group(0), body)


def store_values(store: Any) -> dict[str, str]:
    return {"门店": store.name, "门店电话": store.phone or "", "门店地址": store.address or ""}


def customer_values(customer: Customer, vehicle: CustomerVehicle | None = None) -> dict[str, str]:
    values = {"客户姓名": customer.name}
    if vehicle is not None:
        values |= {
            "车牌": vehicle.plate or vehicle.vin,
            "车型": " ".join(p for p in (vehicle.brand, vehicle.model) if p),
        }
    return values


# --------------------------------------------------------------------------- rows


def list_templates(limit: int = 200) -> list[MessageTemplate]:
    stmt = select(MessageTemplate).order_by(MessageTemplate.occasion, MessageTemplate.code).limit(limit)
    return list(db.session.execute(stmt).scalars())


def get_template(message_template_id: Any) -> MessageTemplate:
    return tenancy.get_or_404(MessageTemplate, message_template_id)


def active_template(occasion: str) -> MessageTemplate | None:
    """The store's active template of an occasion (the lowest code when several are)."""
    stmt = (
        select(MessageTemplate)
        .where(MessageTemplate.occasion == occasion, MessageTemplate.is_active.is_(True))
        .order_by(MessageTemplate.code)
        .limit(1)
    )
    return db.session.execute(stmt).scalars().first()


def body_for(occasion: str) -> tuple[str, str]:
    """(template code, body) the store sends for an occasion: its own or the built-in."""
    template = active_template(occasion)
    if template is not None:
        return template.code, template.body
    return f"default_{occasion}", DEFAULT_BODIES[occasion]


def _clean(data: Mapping[str, Any]) -> dict[str, Any]:
    code = (data.get("code") or "").strip().lower()
    if not _CODE.match(code):
        raise MarketingError(_("编码为 2-40 位小写字母、数字、下划线或短横线。"), "code")
    name = (data.get("name") or "").strip()
    if not name:
        raise MarketingError(_("请填写模板名称。"), "name")
    if data.get("occasion") not in OCCASIONS:
        raise MarketingError(_("请选择用途。"), "occasion")
    return {
        "code": code,
        "name": name[:80],
        "occasion": data["occasion"],
        "body": check_body(data.get("body") or ""),
        "is_active": bool(data.get("is_active")),
    }


def _code_taken(code: str, template_id: int | None) -> None:
    stmt = select(MessageTemplate.id).where(MessageTemplate.code == code)
    if template_id is not None:
        stmt = stmt.where(MessageTemplate.id != template_id)
    if db.session.execute(stmt.limit(1)).first() is not None:
        raise MarketingError(_("本店已有这个编码的模板。"), "code")


def create_template(data: Mapping[str, Any]) -> MessageTemplate:
    """A new template of the store; refuses a used code or a bad body (MarketingError)."""
    tenancy.writable_store()
    values = _clean(data)
    _code_taken(values["code"], None)
    template = MessageTemplate(**values)
    db.session.add(template)
    db.session.flush()
    audit.record("create", template, after=audit.snapshot(template), summary=template.code)
    return template


def update_template(message_template_id: Any, data: Mapping[str, Any], version: Any) -> MessageTemplate:
    """Edit a template (optimistic lock on ``version``); refuses as :func:`create_template`."""
    template = get_template(message_template_id)
    if version is not None and int(version) != template.version:
        from ...domain import StaleEdit

        raise StaleEdit()
    values = _clean(data)
    _code_taken(values["code"], template.id)
    before = audit.snapshot(template)
    for key, value in values.items():
        setattr(template, key, value)
    flush_or_stale()
    audit.record("update", template, before=before, after=audit.snapshot(template), summary=template.code)
    return template


@dataclass
class Preview:
    customer: Customer | None
    text: str


def preview(body: str, customer_id: Any = None) -> Preview:
    """The body filled with a real customer's data (the given one, else the store's newest
    customer with a car); links show as sample addresses. Refuses a bad body."""
    body = check_body(body)
    store = tenancy.current_store()
    customer = get_customer(customer_id) if customer_id else None
    if customer is None:
        customer = db.session.execute(
            select(Customer)
            .join(CustomerVehicle, CustomerVehicle.owner_id == Customer.id)
            .where(Customer.deleted_at.is_(None))
            .order_by(Customer.id.desc())
            .limit(1)
        ).scalar_one_or_none()
    vehicle = None
    if customer is not None:
        vehicle = db.session.execute(
            select(CustomerVehicle).where(CustomerVehicle.owner_id == customer.id).order_by(CustomerVehicle.id).limit(1)
        ).scalar_one_or_none()
    values: dict[str, Any] = {
        "预约链接": "https://…/service/book/…",
        "报名链接": "https://…/marketing/join/…",
        "到期日": tenancy.store_today().isoformat(),
        "预约时间": "09:00",
        "活动主题": _("（活动主题）"),
        "活动地点": _("（活动地点）"),
        "活动时间": _("（活动时间）"),
    }
    if store is not None:
        values |= store_values(store)
    if customer is not None:
        values |= customer_values(customer, vehicle)
    return Preview(customer, render(body, values))
