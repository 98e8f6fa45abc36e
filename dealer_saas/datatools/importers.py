"""The entity importers: one registry, one small declaration per entity.

An :class:`Importer` names its columns (with the headers old systems use, Chinese and
English, to guess the mapping), how a row is normalised (text cells -> the owning module's
form values; :class:`RowRejected` with the reason), the duplicate key (normalised mobile,
VIN, part code: two rows of one file with the same key are refused as duplicates) and how a
chunk of rows is written, always through the owning module's services: customers through
``customers.services.importing`` (set-based), cars through ``customers.services``, visits
and follow-up cards through ``leads.services``, stock through ``inventory.services``, parts
(matched by part code, opening stock as an adjustment movement) and suppliers (matched by
name in the store) through ``parts.services.catalogue``.

Adding an entity is one more ``register(Importer(...))`` in this file or in the owning
module, next to its services: columns, ``normalise``, ``key`` and ``write`` calling that
module's create/update services.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..domain import DomainError
from ..extensions import db
from ..validation import InvalidValue, normalise_mobile, normalise_vin


class RowRejected(Exception):
    """A row that cannot be imported; ``str(error)`` says why (shown in the report)."""


@dataclass(frozen=True)
class Column:
    key: str
    label: Any
    #: headers this column goes by in other systems (matched after normalising)
    aliases: tuple[str, ...] = ()
    required: bool = False
    #: an example value for the template file
    example: str = ""


@dataclass(frozen=True)
class Importer:
    entity: str
    label: Any
    columns: tuple[Column, ...]
    #: row values (field key -> text) -> the values ``write`` takes; RowRejected
    normalise: Callable[[dict[str, str]], dict[str, Any]]
    #: write one chunk; one (outcome, reason) per row ("created", "updated", "rejected")
    write: Callable[[Sequence[dict[str, Any]]], list[tuple[str, str]]]
    #: the duplicate key of normalised values (None: rows are never duplicates)
    key: Callable[[dict[str, Any]], str | None] = lambda values: None
    #: what the key is, for the report ("手机号")
    key_label: Any = ""
    #: the field whose text the report shows for a row refused before it had a key
    key_field: str = ""
    #: the owning module's permission the import also needs
    permission: str = ""
    chunk: int = 500
    #: the dry run's stand-in for ``write`` where the outcome of a chunk is known without
    #: writing it (customers: created or updated by the one look-up of their mobiles); the
    #: same (outcome, reason) per row as ``write``. None: the dry run writes and rolls back
    check: Callable[[Sequence[dict[str, Any]]], list[tuple[str, str]]] | None = None
    fields: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "fields", {c.key: c for c in self.columns})


IMPORTERS: dict[str, Importer] = {}


def register(importer: Importer) -> Importer:
    IMPORTERS[importer.entity] = importer
    return importer


# --------------------------------------------------------------------------- mapping


def normalise_header(text: str) -> str:
    """A header as compared: lower case, without spaces, punctuation or marks like "*"."""
    return re.sub(r"[\s_\-·.:：()（）*＊/\\]+", "", (text or "").strip().lower())


def guess_mapping(importer: Importer, headers: Sequence[str], remembered: dict[str, str]) -> dict[str, str]:
    """Column position (as text) -> field key: first what the organisation chose before for
    that header, then the labels and aliases; each field once."""
    taken: set[str] = set()
    mapping: dict[str, str] = {}
    known: dict[str, str] = {}
    for column in importer.columns:
        for name in (column.key, str(column.label), *column.aliases):
            known.setdefault(normalise_header(name), column.key)
        with force_locale("en"):
            known.setdefault(normalise_header(str(column.label)), column.key)
        with force_locale("zh"):
            known.setdefault(normalise_header(str(column.label)), column.key)
    for position, header in enumerate(headers):
        name = normalise_header(header)
        if not name:
            continue
        key = remembered.get(name)
        if key not in importer.fields:
            key = known.get(name)
        if key and key not in taken:
            mapping[str(position)] = key
            taken.add(key)
    return mapping


# --------------------------------------------------------------------------- values


_REVERSE: dict[int, dict[str, str]] = {}


def _reverse(mapping: dict[str, Any]) -> dict[str, str]:
    """Label (Chinese and English, lower case) -> key, built once per choice table."""
    table = _REVERSE.get(id(mapping))
    if table is None:
        table = {}
        for locale in ("en", "zh"):
            with force_locale(locale):
                table.update({str(label).lower(): key for key, label in mapping.items()})
        _REVERSE[id(mapping)] = table
    return table


def choice(text: str, mapping: dict[str, Any], what: Any) -> str:
    """A choice given by its key or its label (Chinese or English)."""
    value = (text or "").strip()
    if not value:
        return ""
    if value in mapping:
        return value
    key = _reverse(mapping).get(value.lower())
    if key is None:
        raise RowRejected(_("%(what)s“%(value)s”不是可选的值。", what=what, value=value[:30]))
    return key


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")


def date_value(text: str, what: str) -> dt.date | None:
    value = (text or "").strip()
    if not value:
        return None
    for fmt in _DATE_FORMATS:
        try:
            day = dt.datetime.strptime(value[:10] if fmt != "%Y年%m月%d日" else value, fmt).date()
        except ValueError:
            continue
        if 1900 <= day.year <= 2100:
            return day
    raise RowRejected(_("%(what)s“%(value)s”不是有效日期（例如 2024-05-01）。", what=what, value=value[:30]))


def datetime_value(text: str, what: str) -> dt.datetime | None:
    """A local date and time ("2024-05-01 10:30"; a date alone is its midnight)."""
    value = (text or "").strip().replace("T", " ")
    if not value:
        return None
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M"):
        try:
            moment = dt.datetime.strptime(value, fmt)
        except ValueError:
            continue
        if 1900 <= moment.year <= 2100:
            return moment
    day = date_value(value, what)
    return dt.datetime.combine(day, dt.time()) if day else None


def int_value(text: str, what: str, *, low: int = 0, high: int = 9_999_999) -> int | None:
    value = (text or "").strip().replace(",", "")
    if not value:
        return None
    try:
        number = int(decimal.Decimal(value))
    except (decimal.InvalidOperation, ValueError):
        raise RowRejected(_("%(what)s“%(value)s”不是整数。", what=what, value=value[:30])) from None
    if not low <= number <= high:
        raise RowRejected(_("%(what)s需在 %(low)s 到 %(high)s 之间。", what=what, low=low, high=high))
    return number


def money_value(text: str, what: str) -> decimal.Decimal | None:
    value = (text or "").strip().replace(",", "").replace("¥", "").replace("￥", "")
    if not value:
        return None
    try:
        amount = decimal.Decimal(value).quantize(decimal.Decimal("0.01"))
    except (decimal.InvalidOperation, ValueError):
        raise RowRejected(_("%(what)s“%(value)s”不是金额。", what=what, value=value[:30])) from None
    if not amount.is_finite() or not 0 <= amount < 10**10:
        raise RowRejected(_("%(what)s需在 0 到 9999999999 之间。", what=what))
    return amount


def mobile_value(text: str, *, required: bool) -> str | None:
    value = (text or "").strip()
    if not value:
        if required:
            raise RowRejected(_("缺少手机号。"))
        return None
    try:
        return normalise_mobile(value)
    except InvalidValue as error:
        raise RowRejected(str(error)) from None


def vin_value(text: str) -> str:
    try:
        return normalise_vin(text or "")
    except InvalidValue as error:
        raise RowRejected(str(error)) from None


def bool_value(text: str) -> bool:
    return (text or "").strip().lower() in {"1", "y", "yes", "true", "是", "√", "✓"}


def _service_rows(rows: Sequence[dict[str, Any]], call: Callable[[dict[str, Any]], str]) -> list[tuple[str, str]]:
    """Write row by row, each in its own savepoint: a refused row (a DomainError of the
    owning module) is reported and the others go on."""
    outcomes = []
    for values in rows:
        try:
            with db.session.begin_nested():
                outcomes.append((call(values), ""))
        except RowRejected as error:
            outcomes.append(("rejected", str(error)))
        except DomainError as error:
            outcomes.append(("rejected", str(error)))
    return outcomes


# --------------------------------------------------------------------------- customers


def _customer_row(row: dict[str, str]) -> dict[str, Any]:
    from ..customers.models import GENDERS, KINDS, LEVELS, SOURCES

    if not (row.get("name") or "").strip():
        raise RowRejected(_("缺少姓名。"))
    values: dict[str, Any] = {k: (row.get(k) or "").strip() for k in ("name", "email", "wechat", "address", "tags")}
    values["notes"] = (row.get("notes") or "").strip()
    values["other_phones"] = (row.get("other_phones") or "").strip()
    gender = (row.get("gender") or "").strip()
    values["gender"] = {"男": "M", "女": "F", "m": "M", "f": "F"}.get(gender.lower(), gender)
    values["gender"] = choice(values["gender"], GENDERS, _l("性别"))
    values["kind"] = choice(row.get("kind", ""), KINDS, _l("类型"))
    values["source"] = choice(row.get("source", ""), SOURCES, _l("来源"))
    values["level"] = choice(row.get("level", ""), LEVELS, _l("级别"))
    values["birthday"] = date_value(row.get("birthday", ""), _l("生日"))
    values["id_number"] = (row.get("id_number") or "").strip()
    if len(values["name"]) > 80:
        raise RowRejected(_("姓名过长（最多 80 个字）。"))
    for key, limit in (("email", 120), ("wechat", 60), ("address", 200)):
        values[key] = values[key][:limit]
    values["mobile"] = (row.get("mobile") or "").strip()
    values = {k: v for k, v in values.items() if v not in ("", None)} | {"name": values["name"]}
    from ..customers.services.importing import clean_import_row

    try:
        return clean_import_row(values)  # the customers module's rules (one mobile parse)
    except DomainError as error:
        raise RowRejected(str(error)) from None


def _write_customers(rows: Sequence[dict[str, Any]]) -> list[tuple[str, str]]:
    from ..customers.services.importing import import_customers

    return import_customers(rows)


def _check_customers(rows: Sequence[dict[str, Any]]) -> list[tuple[str, str]]:
    from ..customers.services.importing import check_customers

    return check_customers(rows)


register(
    Importer(
        "customers",
        _l("客户"),
        (
            Column(
                "name", _l("姓名"), ("客户姓名", "客户名称", "name", "customer", "customername", "联系人"), True, "张三"
            ),
            Column(
                "mobile",
                _l("手机号"),
                ("手机", "手机号码", "移动电话", "联系电话", "电话", "mobile", "phone", "cell"),
                False,
                "13800138000",
            ),
            Column("gender", _l("性别"), ("sex", "gender"), False, "男"),
            Column("birthday", _l("生日"), ("出生日期", "birthday", "dateofbirth", "dob"), False, "1990-05-01"),
            Column("id_number", _l("身份证号"), ("身份证", "证件号码", "证件号", "idnumber", "idcard"), False, ""),
            Column("kind", _l("类型"), ("客户类型", "type", "customertype"), False, "个人"),
            Column("source", _l("来源"), ("客户来源", "来源渠道", "source", "channel"), False, "到店"),
            Column("level", _l("级别"), ("客户级别", "level", "segment"), False, "潜在客户"),
            Column("email", _l("邮箱"), ("电子邮箱", "email", "mail"), False, ""),
            Column("wechat", _l("微信"), ("微信号", "wechat", "weixin"), False, ""),
            Column("address", _l("地址"), ("联系地址", "住址", "address"), False, "广州市天河区"),
            Column("other_phones", _l("其他电话"), ("备用电话", "座机", "otherphones", "landline"), False, ""),
            Column("tags", _l("标签"), ("tags", "tag"), False, ""),
            Column("notes", _l("备注"), ("说明", "notes", "remark", "remarks", "comment"), False, ""),
        ),
        normalise=_customer_row,
        write=_write_customers,
        check=_check_customers,
        key=lambda values: values.get("mobile"),
        key_label=_l("手机号"),
        key_field="mobile",
        permission="customers.edit",
        chunk=1000,
    )
)


# --------------------------------------------------------------------------- customers' cars


def _vehicle_row(row: dict[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {
        "owner_mobile": mobile_value(row.get("owner_mobile", ""), required=True),
        "vin": vin_value(row.get("vin", "")),
        "plate": (row.get("plate") or "").strip(),
    }
    for key in ("brand", "model", "trim", "colour"):
        values[key] = (row.get(key) or "").strip()[: 30 if key == "colour" else 40 if key == "brand" else 60]
    values["purchase_date"] = date_value(row.get("purchase_date", ""), _("购车日期"))
    values["insurance_expiry"] = date_value(row.get("insurance_expiry", ""), _("保险到期"))
    values["next_service_date"] = date_value(row.get("next_service_date", ""), _("下次保养日期"))
    values["mileage"] = int_value(row.get("mileage", ""), _("里程"))
    values["next_service_mileage"] = None
    return values


def _write_vehicle(values: dict[str, Any]) -> str:
    from ..customers import services
    from ..customers.models import CustomerVehicle

    data = {k: v for k, v in values.items() if k != "owner_mobile"}
    owner = services.find_by_mobile(values["owner_mobile"])
    existing = db.session.execute(select(CustomerVehicle.id).where(CustomerVehicle.vin == values["vin"])).scalar()
    if existing is not None:
        services.update_vehicle(existing, data, None)
        return "updated"
    if owner is None:
        raise RowRejected(_("没有手机号为 %(mobile)s 的客户，请先导入客户。", mobile=values["owner_mobile"]))
    services.add_vehicle(owner.id, data)
    return "created"


register(
    Importer(
        "vehicles",
        _l("客户车辆"),
        (
            Column(
                "owner_mobile",
                _l("车主手机号"),
                ("手机号", "手机", "车主电话", "联系电话", "mobile", "ownermobile", "phone"),
                True,
                "13800138000",
            ),
            Column(
                "vin",
                _l("车架号"),
                ("vin", "vin码", "车辆识别代号", "底盘号", "chassisnumber"),
                True,
                "LSVAU2180N2183294",
            ),
            Column("plate", _l("车牌号"), ("车牌", "plate", "platenumber", "licenseplate"), False, "粤A12345"),
            Column("brand", _l("品牌"), ("brand", "make"), False, "大众"),
            Column("model", _l("车型"), ("model", "车系"), False, "帕萨特"),
            Column("trim", _l("配置"), ("trim", "版本"), False, ""),
            Column("colour", _l("颜色"), ("车身颜色", "colour", "color"), False, "白色"),
            Column("purchase_date", _l("购车日期"), ("购买日期", "开票日期", "purchasedate"), False, "2023-03-15"),
            Column("mileage", _l("里程"), ("行驶里程", "公里数", "mileage", "odometer"), False, "12000"),
            Column("insurance_expiry", _l("保险到期"), ("保险到期日", "insuranceexpiry"), False, "2025-03-14"),
            Column("next_service_date", _l("下次保养日期"), ("下次保养", "nextservicedate", "nextservice"), False, ""),
        ),
        normalise=_vehicle_row,
        write=lambda rows: _service_rows(rows, _write_vehicle),
        key=lambda values: values["vin"],
        key_label=_l("车架号"),
        key_field="vin",
        permission="customers.edit",
    )
)


# --------------------------------------------------------------------------- visits


def _visit_row(row: dict[str, str]) -> dict[str, Any]:
    from ..customers.models import SOURCES
    from ..leads.models import VISIT_KINDS

    time_in = datetime_value(row.get("time_in", ""), _("到店时间"))
    if time_in is None:
        raise RowRejected(_("缺少到店时间。"))
    time_out = datetime_value(row.get("time_out", ""), _("离店时间"))
    return {
        "mobile": mobile_value(row.get("mobile", ""), required=False) or "",
        "name": (row.get("name") or "").strip()[:80],
        "kind": choice(row.get("kind", ""), VISIT_KINDS, _("类型")) or "walk_in",
        "source": choice(row.get("source", ""), SOURCES, _("来源")),
        "time_in": time_in,
        "time_out": time_out,
        "party_size": int_value(row.get("party_size", ""), _("人数"), low=1, high=99) or 1,
        "intended_model": (row.get("intended_model") or "").strip()[:80],
        "summary": (row.get("summary") or "").strip()[:2000],
    }


def _write_visit(values: dict[str, Any]) -> str:
    from .. import tenancy
    from ..leads.services.visits import VisitInput, log_visit
    from ..timeutil import from_local

    tz = tenancy.store_timezone()
    data = dict(values)
    data["time_in"] = from_local(values["time_in"], tz)
    data["time_out"] = from_local(values["time_out"], tz) if values["time_out"] else None
    log_visit(VisitInput(**data))
    return "created"


register(
    Importer(
        "visits",
        _l("来店/来电登记"),
        (
            Column(
                "time_in",
                _l("到店时间"),
                ("来店时间", "来电时间", "登记时间", "时间", "timein", "visittime", "date"),
                True,
                "2024-05-01 10:30",
            ),
            Column("mobile", _l("手机号"), ("手机", "电话", "mobile", "phone"), False, "13800138000"),
            Column("name", _l("姓名"), ("客户姓名", "name", "customer"), False, "张三"),
            Column("kind", _l("类型"), ("到店/来电", "kind", "type"), False, "到店"),
            Column("source", _l("来源"), ("source", "channel"), False, "到店"),
            Column("party_size", _l("人数"), ("来店人数", "partysize", "people"), False, "2"),
            Column("intended_model", _l("意向车型"), ("车型", "intendedmodel", "model"), False, "帕萨特"),
            Column("time_out", _l("离店时间"), ("timeout",), False, ""),
            Column("summary", _l("接待摘要"), ("备注", "摘要", "summary", "notes"), False, ""),
        ),
        normalise=_visit_row,
        write=lambda rows: _service_rows(rows, _write_visit),
        permission="visits.edit",
    )
)


# --------------------------------------------------------------------------- follow-up cards


def _card_row(row: dict[str, str]) -> dict[str, Any]:
    from ..leads.models import INTENT_LEVELS, PAYMENT_METHODS

    level = (row.get("level") or "").strip().upper()
    if level not in INTENT_LEVELS:
        raise RowRejected(_("意向级别需为 H、A、B 或 C。"))
    return {
        "mobile": mobile_value(row.get("mobile", ""), required=True),
        "level": level,
        "intended_model": (row.get("intended_model") or "").strip()[:80],
        "intended_colour": (row.get("intended_colour") or "").strip()[:30],
        "budget": money_value(row.get("budget", ""), _("预算")),
        "payment_method": choice(row.get("payment_method", ""), PAYMENT_METHODS, _("付款方式")) or "cash",
        "competitor_models": (row.get("competitor_models") or "").strip()[:200],
        "next_contact_on": date_value(row.get("next_contact_on", ""), _("下次跟进")),
    }


def _write_card(values: dict[str, Any]) -> str:
    from ..customers import services as customers
    from ..leads.services.cards import create_card

    customer = customers.find_by_mobile(values["mobile"])
    if customer is None:
        raise RowRejected(_("没有手机号为 %(mobile)s 的客户，请先导入客户。", mobile=values["mobile"]))
    data = {k: v for k, v in values.items() if k != "mobile" and v is not None}
    create_card(customer.id, data)
    return "created"


register(
    Importer(
        "cards",
        _l("意向跟进卡"),
        (
            Column("mobile", _l("手机号"), ("客户手机", "手机", "电话", "mobile", "phone"), True, "13800138000"),
            Column("level", _l("意向级别"), ("级别", "level", "intent"), True, "A"),
            Column("intended_model", _l("意向车型"), ("车型", "intendedmodel", "model"), False, "帕萨特"),
            Column("intended_colour", _l("意向颜色"), ("颜色", "colour", "color"), False, ""),
            Column("budget", _l("预算"), ("budget",), False, "200000"),
            Column("payment_method", _l("付款方式"), ("payment", "paymentmethod"), False, "全款"),
            Column("competitor_models", _l("竞品车型"), ("竞品", "competitors"), False, ""),
            Column("next_contact_on", _l("下次跟进"), ("下次跟进日期", "回访日期", "nextcontact"), False, ""),
        ),
        normalise=_card_row,
        write=lambda rows: _service_rows(rows, _write_card),
        permission="cards.edit",
    )
)


# --------------------------------------------------------------------------- stock vehicles


def _stock_row(row: dict[str, str]) -> dict[str, Any]:
    from ..inventory.models import VehicleModel

    vin = vin_value(row.get("vin", ""))
    model_text = (row.get("model") or "").strip()
    if not model_text:
        raise RowRejected(_("缺少车型。"))
    model_id = db.session.execute(select(VehicleModel.id).where(VehicleModel.code == model_text).limit(1)).scalar()
    if model_id is None:
        raise RowRejected(_("车型目录中没有代码为“%(code)s”的车型。", code=model_text[:40]))
    state = (row.get("state") or "").strip()
    arrived = state in {"in_stock", "在库", "已到店", "到店", "instock"} or (
        not state and bool(row.get("arrival_date"))
    )
    return {
        "vin": vin,
        "model_id": model_id,
        "colour": (row.get("colour") or "").strip()[:30],
        "interior_colour": (row.get("interior_colour") or "").strip()[:30],
        "production_date": date_value(row.get("production_date", ""), _("生产日期")),
        "arrival_date": date_value(row.get("arrival_date", ""), _("到店日期")),
        "cost": money_value(row.get("cost", ""), _("成本")),
        "location": (row.get("location") or "").strip()[:60],
        "plate": (row.get("plate") or "").strip(),
        "is_demo": bool_value(row.get("is_demo", "")),
        "state": "in_stock" if arrived else "in_transit",
    }


def _write_stock(values: dict[str, Any]) -> str:
    from ..inventory.models import StockVehicle
    from ..inventory.services import stock

    existing = db.session.execute(select(StockVehicle.id).where(StockVehicle.vin == values["vin"])).scalar()
    if existing is not None:
        stock.update_stock_vehicle(existing, values, None)
        return "updated"
    stock.create_stock_vehicle(values)
    return "created"


register(
    Importer(
        "stock",
        _l("整车库存"),
        (
            Column("vin", _l("车架号"), ("vin", "vin码", "车辆识别代号", "底盘号"), True, "LSVAU2180N2183294"),
            Column("model", _l("车型代码"), ("车型编码", "车型", "modelcode", "model"), True, "PASSAT-330"),
            Column("colour", _l("外观颜色"), ("颜色", "车身颜色", "colour", "color"), False, "白色"),
            Column("interior_colour", _l("内饰颜色"), ("内饰", "interior"), False, "黑色"),
            Column("production_date", _l("生产日期"), ("productiondate",), False, "2024-03-01"),
            Column("arrival_date", _l("到店日期"), ("入库日期", "arrivaldate"), False, "2024-04-01"),
            Column("state", _l("状态"), ("库存状态", "state", "status"), False, "在库"),
            Column("cost", _l("成本"), ("采购价", "进价", "cost"), False, "180000"),
            Column("location", _l("库位"), ("位置", "location"), False, "A区"),
            Column("plate", _l("车牌号"), ("车牌", "plate"), False, ""),
            Column("is_demo", _l("试驾车"), ("是否试驾车", "demo", "isdemo"), False, "否"),
        ),
        normalise=_stock_row,
        write=lambda rows: _service_rows(rows, _write_stock),
        key=lambda values: values["vin"],
        key_label=_l("车架号"),
        key_field="vin",
        permission="inventory.edit",
    )
)


# --------------------------------------------------------------------------- parts and suppliers


def quantity_value(text: str, what: Any) -> decimal.Decimal | None:
    """A quantity of parts (up to three decimals, not negative)."""
    value = (text or "").strip().replace(",", "")
    if not value:
        return None
    try:
        number = decimal.Decimal(value).quantize(decimal.Decimal("0.001"))
    except (decimal.InvalidOperation, ValueError):
        raise RowRejected(_("%(what)s“%(value)s”不是数量。", what=what, value=value[:30])) from None
    if not number.is_finite() or not 0 <= number <= 999_999_999:
        raise RowRejected(_("%(what)s需在 0 到 999999999 之间。", what=what))
    return number


def flag_value(text: str, what: Any) -> bool | None:
    """Yes or no ("是"/"否", "1"/"0", "y"/"n"); empty is None (keep or default)."""
    value = (text or "").strip().lower()
    if not value:
        return None
    if value in {"1", "y", "yes", "true", "是", "√", "✓", "启用"}:
        return True
    if value in {"0", "n", "no", "false", "否", "×", "停用"}:
        return False
    raise RowRejected(_("%(what)s“%(value)s”应为“是”或“否”。", what=what, value=value[:30]))


def _part_row(row: dict[str, str]) -> dict[str, Any]:
    from ..parts.models import CATEGORIES, UNITS

    code = "".join((row.get("code") or "").split()).upper()
    if not code:
        raise RowRejected(_("缺少配件编码。"))
    if len(code) > 40:
        raise RowRejected(_("配件编码过长（最多 40 个字符）。"))
    name = (row.get("name") or "").strip()
    if len(name) > 120:
        raise RowRejected(_("配件名称过长（最多 120 个字）。"))
    values: dict[str, Any] = {
        "code": code,
        "name": name,
        "category": choice(row.get("category", ""), CATEGORIES, _l("类别")),
        "unit": choice(row.get("unit", ""), UNITS, _l("单位")),
        "compatible_models": (row.get("compatible_models") or "").strip()[:200],
        "barcode": "".join((row.get("barcode") or "").split()).upper()[:40],
        "bin": (row.get("bin") or "").strip()[:20],
        "supplier": (row.get("supplier") or "").strip()[:120],
        "on_hand": quantity_value(row.get("on_hand", ""), _l("库存数量")),
        "reorder_point": quantity_value(row.get("reorder_point", ""), _l("补货点")),
        "maximum": quantity_value(row.get("maximum", ""), _l("最高库存")),
        "average_cost": money_value(row.get("average_cost", ""), _l("平均成本")),
        "sale_price": money_value(row.get("sale_price", ""), _l("销售价")),
    }
    return {k: v for k, v in values.items() if v not in ("", None)}


def _write_part(values: dict[str, Any]) -> str:
    from ..parts.services.catalogue import import_part

    return import_part(values)


register(
    Importer(
        "parts",
        _l("配件"),
        (
            Column(
                "code", _l("配件编码"), ("配件号", "零件号", "编码", "partcode", "partno", "code"), True, "06L115562B"
            ),
            Column("name", _l("配件名称"), ("名称", "零件名称", "partname", "name"), False, "机油滤清器"),
            Column("category", _l("类别"), ("配件类别", "分类", "category"), False, "滤清器"),
            Column("unit", _l("单位"), ("计量单位", "unit"), False, "个"),
            Column("compatible_models", _l("适用车型"), ("车型", "compatiblemodels", "models"), False, "帕萨特,迈腾"),
            Column("barcode", _l("条码"), ("条形码", "barcode", "ean"), False, ""),
            Column("on_hand", _l("库存数量"), ("库存", "在库数量", "数量", "onhand", "stock", "qty"), False, "12"),
            Column("reorder_point", _l("补货点"), ("安全库存", "最低库存", "reorderpoint", "min"), False, "5"),
            Column("maximum", _l("最高库存"), ("最大库存", "maximum", "max"), False, "30"),
            Column("bin", _l("库位"), ("货位", "bin", "location"), False, "A-01-02"),
            Column("average_cost", _l("平均成本"), ("成本价", "进价", "averagecost", "cost"), False, "35.50"),
            Column("sale_price", _l("销售价"), ("零售价", "售价", "saleprice", "price"), False, "68"),
            Column("supplier", _l("供应商"), ("首选供应商", "supplier", "vendor"), False, ""),
        ),
        normalise=_part_row,
        write=lambda rows: _service_rows(rows, _write_part),
        key=lambda values: values["code"],
        key_label=_l("配件编码"),
        key_field="code",
        permission="parts.manage",
    )
)


def _supplier_row(row: dict[str, str]) -> dict[str, Any]:
    name = (row.get("name") or "").strip()
    if not name:
        raise RowRejected(_("缺少供应商名称。"))
    if len(name) > 120:
        raise RowRejected(_("供应商名称过长（最多 120 个字）。"))
    values: dict[str, Any] = {
        "name": name,
        "contact": (row.get("contact") or "").strip()[:60],
        "phone": (row.get("phone") or "").strip()[:30],
        "lead_days": int_value(row.get("lead_days", ""), _l("到货天数"), low=0, high=365),
        "is_active": flag_value(row.get("is_active", ""), _l("启用")),
    }
    return {k: v for k, v in values.items() if v not in ("", None)}


def _write_supplier(values: dict[str, Any]) -> str:
    from ..parts.services.catalogue import import_supplier

    return import_supplier(values)


register(
    Importer(
        "suppliers",
        _l("配件供应商"),
        (
            Column(
                "name", _l("供应商名称"), ("供应商", "名称", "单位名称", "supplier", "name", "vendor"), True, "广州汽配"
            ),
            Column("contact", _l("联系人"), ("contact", "联系人姓名"), False, "陈经理"),
            Column("phone", _l("电话"), ("联系电话", "手机", "phone", "tel"), False, "020-88886666"),
            Column("lead_days", _l("到货天数"), ("交货期", "到货周期", "leaddays", "leadtime"), False, "3"),
            Column("is_active", _l("启用"), ("状态", "是否启用", "active", "isactive"), False, "是"),
        ),
        normalise=_supplier_row,
        write=lambda rows: _service_rows(rows, _write_supplier),
        key=lambda values: values["name"],
        key_label=_l("供应商名称"),
        key_field="name",
        permission="parts.purchase",
    )
)
