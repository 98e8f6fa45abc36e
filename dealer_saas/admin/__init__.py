"""admin module."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from .. import registry
from ..registry import MenuEntry

bp = Blueprint("admin", __name__, url_prefix="/admin")

MODULE = registry.declare(
    registry.ModuleSpec(
        "admin",
        menu=(
            MenuEntry("admin.user_list", _l("用户"), "admin.users", "👥", _l("管理"), order=210),
            MenuEntry("admin.store_list", _l("门店"), "admin.stores", "🏬", _l("管理"), order=220),
            MenuEntry("admin.role_list", _l("角色"), "admin.roles", "🔑", _l("管理"), order=230),
            MenuEntry("admin.settings_current", _l("门店设置"), "admin.settings", "🛠️", _l("管理"), order=240),
            MenuEntry("admin.audit_list", _l("审计日志"), "admin.audit", "📜", _l("管理"), order=250),
            MenuEntry("admin.org_list", _l("经销商集团"), "platform.orgs", "🏢", _l("平台"), order=300),
        ),
    )
)

from . import models, views  # noqa: E402,F401
