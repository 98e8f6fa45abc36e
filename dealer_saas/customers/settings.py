"""The customers module's store settings: how many customer records one account may open in
a rolling hour before it is frozen (``services.pii.record_open``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange

from .. import settings
from ..domain import DomainError
from ..registry import SettingsSection

#: customer 360 opens per user per rolling hour before the account is frozen
DEFAULT_OPENS_PER_HOUR = 200
MIN_OPENS_PER_HOUR = 10
MAX_OPENS_PER_HOUR = 10_000


def opens_per_hour(store: Any) -> int:
    """The store's threshold (default 200); junk or a value out of range is the default."""
    value = settings.int_or(
        settings.section(store, "customer_records").get("opens_per_hour"),
        DEFAULT_OPENS_PER_HOUR,
        minimum=MIN_OPENS_PER_HOUR,
    )
    return value if value <= MAX_OPENS_PER_HOUR else DEFAULT_OPENS_PER_HOUR


def _load(store: Any) -> dict[str, Any]:
    return {"opens_per_hour": opens_per_hour(store)}


def _save(new: dict[str, Any], data: Mapping[str, Any]) -> None:
    try:
        value = int(data.get("opens_per_hour"))
    except (TypeError, ValueError):
        raise DomainError(_("请输入次数。"), "opens_per_hour") from None
    if not MIN_OPENS_PER_HOUR <= value <= MAX_OPENS_PER_HOUR:
        raise DomainError(_("次数需在 10 到 10000 之间。"), "opens_per_hour")
    new["customer_records"] = {"opens_per_hour": value}


CUSTOMER_RECORDS_SECTION = SettingsSection(
    "customer_records",
    _l("客户信息保护"),
    fields={
        "opens_per_hour": IntegerField(
            _l("每个账号每小时最多打开客户档案（次，超过即冻结账号）"),
            validators=[
                InputRequired(_l("请输入次数")),
                NumberRange(MIN_OPENS_PER_HOUR, MAX_OPENS_PER_HOUR, _l("次数需在 10 到 10000 之间")),
            ],
            render_kw={"type": "number", "inputmode": "numeric", "min": MIN_OPENS_PER_HOUR, "max": MAX_OPENS_PER_HOUR},
        )
    },
    load=_load,
    save=_save,
    permission="admin.settings",
    column="col-12 col-md-6",
    order=40,
)
