"""Named permissions and the built-in roles of DESIGN section 3.

A permission is ``<module>.<action>``. Each module declares its own permissions and which
built-in roles get them (its ``ModuleSpec`` in ``registry``); this file defines the roles
themselves (DESIGN section 1) and the core's own permissions, and collects the rest. Built-in
roles take their permissions from code on every request, so granting a permission to a role
is a code change, not a migration. An organisation admin can define further roles from
these names.

``ALL_PERMISSIONS``, ``PERMISSION_LABELS`` and ``BUILTIN_ROLES`` are computed once every
module has declared itself (module attributes resolved on first use).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from . import registry
from .i18n import N_


@dataclass(frozen=True)
class BuiltinRole:
    code: str
    name: str
    permissions: frozenset[str]
    is_group_role: bool = False


#: the built-in roles (code, name, group-level?), in display order; modules grant them powers
ROLES: tuple[tuple[str, str, bool], ...] = (
    ("group_admin", N_("集团管理员"), True),
    ("group_manager", N_("集团经理"), True),
    ("store_manager", N_("店总"), False),
    ("sales_manager", N_("销售经理"), False),
    ("receptionist", N_("前台/信息员"), False),
    ("sales_consultant", N_("销售顾问"), False),
    ("finance_clerk", N_("财务/金融专员"), False),
    ("service_advisor", N_("服务顾问"), False),
    ("technician", N_("技师"), False),
    ("parts_clerk", N_("配件专员"), False),
    ("care_agent", N_("客服/回访专员"), False),
    ("marketing", N_("市场专员"), False),
)
ROLE_CODES = tuple(code for code, _name, _group in ROLES)
#: the group admin holds every permission of every module except the platform's
GROUP_ADMIN = "group_admin"
PLATFORM = "platform.orgs"
#: roles that run a store or the group: they read the audit log and see every module's screens
MANAGERS = ("group_manager", "store_manager")

registry.declare(
    registry.ModuleSpec(
        "core",
        permissions={
            "dashboard.view": _l("查看工作台"),
            "reports.group": _l("集团汇总视图"),
            "admin.users": _l("用户与权限管理"),
            "admin.stores": _l("门店管理"),
            "admin.roles": _l("角色管理"),
            "admin.settings": _l("门店设置"),
            "admin.audit": _l("查看审计日志"),
            "admin.jobs": _l("查看后台任务"),
            PLATFORM: _l("管理经销商集团（平台）"),
        },
        grants={
            **{code: ("dashboard.view",) for code in ROLE_CODES if code != GROUP_ADMIN},
            "group_manager": ("dashboard.view", "reports.group", "admin.settings", "admin.audit", "admin.jobs"),
            "store_manager": ("dashboard.view", "admin.users", "admin.settings", "admin.audit", "admin.jobs"),
            "sales_manager": ("dashboard.view", "admin.audit"),
        },
        reads=("dashboard.view", "reports.group", "admin.audit", "admin.jobs"),
        records={
            "users": _l("用户"),
            "stores": _l("门店"),
            "roles": _l("角色"),
            "memberships": _l("门店角色"),
            "organisations": _l("经销商集团"),
            "job_runs": _l("后台任务"),
        },
    )
)


def _build() -> tuple[dict[str, Any], dict[str, BuiltinRole]]:
    labels: dict[str, Any] = {}
    granted: dict[str, set[str]] = {code: set() for code in ROLE_CODES}
    for spec in registry.specs():
        labels.update(spec.permissions)
    for spec in registry.specs():
        for code, names in spec.grants.items():
            if code not in granted:
                raise ValueError(f"module {spec.name} grants to unknown role {code!r}")
            unknown = set(names) - set(labels)
            if unknown:
                raise ValueError(f"module {spec.name} grants unknown permissions {sorted(unknown)}")
            granted[code].update(names)
    everything = frozenset(labels)
    granted[GROUP_ADMIN] = set(everything - {PLATFORM})
    roles = {
        code: BuiltinRole(code, name, frozenset(granted[code]), is_group_role=group) for code, name, group in ROLES
    }
    return labels, roles


_cache: tuple[dict[str, Any], dict[str, BuiltinRole]] | None = None


def _tables() -> tuple[dict[str, Any], dict[str, BuiltinRole]]:
    global _cache
    if _cache is not None:
        return _cache
    complete = registry.collect()
    tables = _build()
    if complete:
        _cache = tables
    return tables


def permission_labels() -> dict[str, Any]:
    """Every permission with its label, grouped by module for the role editor."""
    return _tables()[0]


def all_permissions() -> frozenset[str]:
    return frozenset(_tables()[0])


def builtin_roles() -> dict[str, BuiltinRole]:
    return _tables()[1]


def __getattr__(name: str) -> Any:
    # The tables exist only once every module has declared itself.
    if name == "PERMISSION_LABELS":
        return permission_labels()
    if name == "ALL_PERMISSIONS":
        return all_permissions()
    if name == "BUILTIN_ROLES":
        return builtin_roles()
    raise AttributeError(name)


def ensure_builtin_roles() -> dict[str, object]:
    """Create the rows for built-in roles that are missing; idempotent."""
    from sqlalchemy import select

    from .extensions import db
    from .tenancy import Role

    existing = {r.code: r for r in db.session.execute(select(Role).where(Role.org_id.is_(None))).scalars()}
    for code, spec in builtin_roles().items():
        role = existing.get(code)
        if role is None:
            role = Role(
                org_id=None,
                code=code,
                name=spec.name,
                is_builtin=True,
                is_group_role=spec.is_group_role,
                permissions=[],
            )
            db.session.add(role)
            existing[code] = role
        else:
            role.name, role.is_group_role = spec.name, spec.is_group_role
    db.session.flush()
    return existing
