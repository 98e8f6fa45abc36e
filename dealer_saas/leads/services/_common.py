"""What every part of the leads services shares: the module's errors (DomainErrors; the
transition and stale ones also the kernel's), the call-back rule (the store's days per
intent level), the store's sales consultants and the organisation's models."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import select

from ... import domain, tenancy
from ...extensions import db
from ...inventory.models import VehicleModel
from ...tenancy import Membership, Role, User
from .. import settings
from ..models import INTENT_LEVELS


class LeadsError(domain.DomainError):
    """A domain rule refused the change; the message is safe to show. ``field`` names the
    form field it belongs to, when there is one."""


class InvalidTransition(LeadsError, domain.InvalidTransition):
    """The card's status does not allow this action."""


class StaleCard(LeadsError, domain.StaleEdit):
    """Someone else saved the card first."""


def callback_days() -> dict[str, int]:
    """Days to the next call-back per level, from the store's settings (H1 A3 B7 C15); in
    the read-only roll-up, where no store is active, the defaults."""
    return settings.callback_days(tenancy.current_store())


def next_contact_for(level: str, from_day: dt.date) -> dt.date:
    """Rule: the next call-back is ``from_day`` plus the store's days for ``level``."""
    if level not in INTENT_LEVELS:
        raise LeadsError(_("意向级别不正确。"), "level")
    return from_day + dt.timedelta(days=callback_days()[level])


def _consultants_statement(*columns) -> sa.Select | None:
    ctx = tenancy.current()
    if ctx.store_id is None:
        return None
    # memberships are not tenant-owned rows: the store is named explicitly here
    return (
        select(*columns)
        .join(Membership, Membership.user_id == User.id)
        .join(Role, Role.id == Membership.role_id)
        .where(Membership.store_id == ctx.store_id, Role.code == "sales_consultant", User.is_active.is_(True))
        .distinct()
        .order_by(User.name, User.id)
    )


def consultants() -> list[User]:
    """Active users holding the sales consultant role in the active store (none in the
    roll-up, which has no active store: no statement)."""
    stmt = _consultants_statement(User)
    return [] if stmt is None else list(db.session.execute(stmt).scalars())


def consultant_names() -> list[sa.Row]:
    """The same users as (``id``, ``name``) rows, for a list's filter: no User rows (issue 15)."""
    stmt = _consultants_statement(User.id, User.name)
    return [] if stmt is None else list(db.session.execute(stmt).all())


def _check_consultant(consultant_id: int | None, allowed_extra: int | None = None) -> int | None:
    if not consultant_id:
        return None
    if consultant_id == allowed_extra:
        return consultant_id
    if consultant_id not in {u.id for u in consultants()}:
        raise LeadsError(_("请选择本店的销售顾问。"), "consultant_id")
    return consultant_id


def vehicle_models(own_brands_only: bool = False) -> list[VehicleModel]:
    """The organisation's active models for the "intended model" chips, the active store's
    own brands first (a group sells several brands; a VW store's visitors want VWs); in the
    roll-up, with no store, no brand comes first. With ``own_brands_only`` (the visit form's
    chips) only the store's brands (``Store.brand_list``), unless the store names none."""
    store = tenancy.current_store()
    brands = store.brand_list if store else []
    own_first = sa.case((VehicleModel.brand.in_(brands), 0), else_=1) if brands else sa.literal(0)
    stmt = select(VehicleModel).where(VehicleModel.is_active.is_(True))
    if own_brands_only and brands:
        stmt = stmt.where(VehicleModel.brand.in_(brands))
    stmt = stmt.order_by(own_first, VehicleModel.brand, VehicleModel.series, VehicleModel.id).limit(60)
    return list(db.session.execute(stmt).scalars())


def _model_label(model_id: int | None, free_text: str) -> tuple[int | None, str]:
    """The model id (checked against the org's models) and the text to store."""
    text = (free_text or "").strip()
    if not model_id:
        return None, text
    model = tenancy.get_or_none(VehicleModel, model_id)
    if model is None:
        raise LeadsError(_("车型不存在。"), "model_id")
    return model.id, text or model.series
