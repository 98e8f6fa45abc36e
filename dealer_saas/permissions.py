"""Named permissions and the built-in roles of DESIGN section 3.

A permission is ``<module>.<action>``. Built-in roles take their permissions from here on
every request, so adding a permission to a role is a code change, not a migration. An
organisation admin can define further roles from these names.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from .i18n import N_

#: every permission with its label, grouped by module for the role editor
PERMISSION_LABELS: dict[str, object] = {
    "dashboard.view": _l("查看工作台"),
    "customers.view": _l("查看客户"),
    "customers.view_all": _l("查看全店客户（不限本人）"),
    "customers.edit": _l("新增/编辑客户"),
    "customers.pii": _l("查看敏感信息（身份证、完整电话）"),
    "customers.assign": _l("分配客户归属"),
    "customers.merge": _l("合并重复客户"),
    "customers.export": _l("导出客户"),
    "visits.view": _l("查看来店/来电登记"),
    "visits.edit": _l("登记来店/来电"),
    "cards.view": _l("查看意向跟进卡"),
    "cards.edit": _l("跟进意向客户"),
    "cards.approve_lost": _l("审批战败申请"),
    "sales.view": _l("查看销售业务"),
    "sales.test_drive": _l("试乘试驾"),
    "sales.quote": _l("报价"),
    "sales.order": _l("销售订单"),
    "sales.order.approve": _l("审批订单（销售经理级）"),
    "sales.order.approve_high": _l("审批订单（总经理级）"),
    "sales.payment": _l("登记收款"),
    "sales.delivery": _l("交车"),
    "sales.finance": _l("按揭与保险"),
    "sales.settings": _l("销售设置"),
    "inventory.view": _l("查看整车库存"),
    "inventory.edit": _l("管理整车库存"),
    "inventory.transfer": _l("门店间调车"),
    "messages.view": _l("查看消息发件箱"),
    "reports.group": _l("集团汇总视图"),
    "admin.users": _l("用户与权限管理"),
    "admin.stores": _l("门店管理"),
    "admin.roles": _l("角色管理"),
    "admin.audit": _l("查看审计日志"),
    "admin.jobs": _l("查看后台任务"),
    "platform.orgs": _l("管理经销商集团（平台）"),
}

ALL_PERMISSIONS: frozenset[str] = frozenset(PERMISSION_LABELS)


@dataclass(frozen=True)
class BuiltinRole:
    code: str
    name: str
    permissions: frozenset[str]
    is_group_role: bool = False


def _perms(*names: str) -> frozenset[str]:
    unknown = set(names) - ALL_PERMISSIONS
    assert not unknown, f"unknown permissions {unknown}"
    return frozenset(names)


_SALES_FLOOR = (
    "dashboard.view",
    "customers.view",
    "customers.edit",
    "visits.view",
    "visits.edit",
    "cards.view",
    "cards.edit",
    "sales.view",
    "sales.test_drive",
    "sales.quote",
    "sales.order",
    "sales.delivery",  # the consultant hands the car over to their customer (交车)
    "inventory.view",
)
_STORE_MANAGEMENT = _SALES_FLOOR + (
    "customers.view_all",
    "customers.pii",
    "customers.assign",
    "customers.merge",
    "customers.export",
    "cards.approve_lost",
    "sales.order.approve",
    "sales.payment",
    "sales.finance",
    "inventory.edit",
    "inventory.transfer",
    "messages.view",
    "admin.audit",
)

BUILTIN_ROLES: dict[str, BuiltinRole] = {
    r.code: r
    for r in (
        BuiltinRole("group_admin", N_("集团管理员"), ALL_PERMISSIONS - {"platform.orgs"}, is_group_role=True),
        BuiltinRole(
            "group_manager",
            N_("集团经理"),
            _perms(*_STORE_MANAGEMENT, "sales.order.approve_high", "sales.settings", "reports.group", "admin.jobs"),
            is_group_role=True,
        ),
        BuiltinRole(
            "store_manager",
            N_("店总"),
            _perms(*_STORE_MANAGEMENT, "sales.order.approve_high", "sales.settings", "admin.users", "admin.jobs"),
        ),
        BuiltinRole("sales_manager", N_("销售经理"), _perms(*_STORE_MANAGEMENT)),
        BuiltinRole(
            "receptionist",
            N_("前台/信息员"),
            _perms(
                "dashboard.view",
                "customers.view",
                "customers.view_all",
                "customers.edit",
                "customers.assign",
                "visits.view",
                "visits.edit",
                "cards.view",
                "sales.view",
            ),
        ),
        BuiltinRole("sales_consultant", N_("销售顾问"), _perms(*_SALES_FLOOR)),
        BuiltinRole(
            "finance_clerk",
            N_("财务/金融专员"),
            _perms(
                "dashboard.view",
                "customers.view",
                "customers.view_all",
                "customers.pii",
                "sales.view",
                "sales.payment",
                "sales.finance",
                "inventory.view",
            ),
        ),
        BuiltinRole(
            "service_advisor",
            N_("服务顾问"),
            _perms("dashboard.view", "customers.view", "customers.view_all", "customers.edit"),
        ),
        BuiltinRole("technician", N_("技师"), _perms("dashboard.view")),
        BuiltinRole("parts_clerk", N_("配件专员"), _perms("dashboard.view", "inventory.view")),
        BuiltinRole(
            "care_agent",
            N_("客服/回访专员"),
            _perms("dashboard.view", "customers.view", "customers.view_all", "messages.view"),
        ),
        BuiltinRole(
            "marketing",
            N_("市场专员"),
            _perms("dashboard.view", "customers.view", "customers.view_all", "customers.export", "messages.view"),
        ),
    )
}


def ensure_builtin_roles() -> dict[str, object]:
    """Create the rows for built-in roles that are missing; idempotent."""
    from sqlalchemy import select

    from .extensions import db
    from .tenancy import Role

    existing = {r.code: r for r in db.session.execute(select(Role).where(Role.org_id.is_(None))).scalars()}
    for code, spec in BUILTIN_ROLES.items():
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
