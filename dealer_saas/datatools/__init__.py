"""Data tools (数据工具, under 管理): import from the old system (upload, column mapping,
dry run with a row-by-row report, commit in one transaction), exports of customers' cars,
visits, follow-up cards and stock with the lists' filters, ``flask backup`` /
``flask restore`` with a nightly backup job, and the organisation archive
(``flask export-org`` / ``flask import-org``)."""

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

from .. import registry
from ..registry import MenuEntry

bp = Blueprint("datatools", __name__, url_prefix="/admin/data")

MODULE = registry.declare(
    registry.ModuleSpec(
        "datatools",
        permissions={
            "admin.import": _l("导入数据（旧系统迁移）"),
            "admin.export": _l("导出数据"),
        },
        grants={
            "store_manager": ("admin.import", "admin.export"),
            # parts and suppliers only: each kind also needs its module's permission
            "parts_clerk": ("admin.import",),
            "group_manager": ("admin.export",),
        },
        reads=("admin.export",),
        records={
            "import_batches": _l("数据导入"),
            "import_mappings": _l("导入列映射"),
        },
        audit_actions={"upload": _l("上传"), "import": _l("导入")},
        job_labels={"datatools.import": _l("数据导入"), "datatools.backup": _l("夜间备份")},
        menu=(
            MenuEntry("datatools.import_start", _l("数据导入"), "admin.import", "📥", _l("管理"), order=270),
            MenuEntry("datatools.export_page", _l("数据导出"), "admin.export", "📤", _l("管理"), order=271),
        ),
    )
)

from . import jobs, models, views  # noqa: E402,F401


def init_app(app: Flask) -> None:
    from . import cli

    cli.init_app(app)
