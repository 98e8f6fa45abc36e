"""The complaints module's store settings: the SLA per grade (hours to accept, hours to
resolve). Defaults: A 2 h / 24 h, B 8 h / 72 h, C 24 h / 7 days."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField

from .. import settings
from ..domain import DomainError
from ..forms_base import setting_int
from ..registry import SettingsSection

#: grade -> (hours to accept, hours to resolve)
DEFAULT_SLA: dict[str, tuple[int, int]] = {"A": (2, 24), "B": (8, 72), "C": (24, 168)}
MAX_HOURS = 24 * 90


def sla(store: Any) -> dict[str, tuple[int, int]]:
    """Grade -> (accept hours, resolve hours) of the store; junk falls back to the default."""
    stored = settings.section(store, "complaint_sla")
    result: dict[str, tuple[int, int]] = {}
    for grade, (accept, resolve) in DEFAULT_SLA.items():
        a = settings.int_or(stored.get(f"{grade}_accept"), accept, minimum=1)
        r = settings.int_or(stored.get(f"{grade}_resolve"), resolve, minimum=1)
        if a > MAX_HOURS or r > MAX_HOURS or r < a:
            a, r = accept, resolve
        result[grade] = (a, r)
    return result


def _save(new: dict[str, Any], data: Mapping[str, Any]) -> None:
    values: dict[str, int] = {}
    for grade in DEFAULT_SLA:
        for part in ("accept", "resolve"):
            key = f"sla_{grade}_{part}"
            values[f"{grade}_{part}"] = settings.submitted_int(data.get(key), key, 1, MAX_HOURS)
        if values[f"{grade}_resolve"] < values[f"{grade}_accept"]:
            raise DomainError(_("解决时限不能短于受理时限。"), f"sla_{grade}_resolve")
    new["complaint_sla"] = values


def _load(store: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for grade, (accept, resolve) in sla(store).items():
        out[f"sla_{grade}_accept"], out[f"sla_{grade}_resolve"] = accept, resolve
    return out


def _field(label: Any) -> IntegerField:
    return setting_int(label, 1, MAX_HOURS)


SLA_SECTION = SettingsSection(
    "complaint_sla",
    _l("投诉处理时限（小时）"),
    fields={
        "sla_A_accept": _field(_l("A 级受理")),
        "sla_A_resolve": _field(_l("A 级解决")),
        "sla_B_accept": _field(_l("B 级受理")),
        "sla_B_resolve": _field(_l("B 级解决")),
        "sla_C_accept": _field(_l("C 级受理")),
        "sla_C_resolve": _field(_l("C 级解决")),
    },
    load=_load,
    save=_save,
    permission="complaints.manage",
    column="col-6 col-md-4",
    order=71,
)
