"""complaints module (投诉 / 客户服务): complaints, enquiries and feedback from intake to
filing, the SLA per grade with escalation to the store manager, the customer's follow-up
page and public web form (signed links), and the report by category and problem type."""

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

from .. import registry
from ..registry import MenuEntry
from . import settings

bp = Blueprint("complaints", __name__, url_prefix="/complaints")

MODULE = registry.declare(
    registry.ModuleSpec(
        "complaints",
        permissions={
            "complaints.view": _l("查看投诉与客户服务"),
            "complaints.all": _l("查看本店全部投诉（否则仅本人经手）"),
            "complaints.handle": _l("受理与处理投诉"),
            "complaints.manage": _l("分派、判定不成立、时限设置与投诉报表"),
        },
        grants=registry.grants(
            (
                ("group_manager", "store_manager"),
                ("complaints.view", "complaints.all", "complaints.handle", "complaints.manage"),
            ),
            (("care_agent",), ("complaints.view", "complaints.all", "complaints.handle")),
            (("service_advisor", "sales_manager"), ("complaints.view", "complaints.handle")),
        ),
        reads=("complaints.view", "complaints.all"),
        records={
            "complaints": _l("投诉/客户服务"),
            "complaint_notes": _l("投诉处理记录"),
            "complaint_escalations": _l("投诉超时升级"),
        },
        job_labels={"complaints.escalate": _l("投诉超时升级")},
        menu=(
            MenuEntry(
                "complaints.complaint_list", _l("投诉与客户服务"), "complaints.view", "📣", _l("客户关怀"), order=124
            ),
            MenuEntry("complaints.report_page", _l("投诉报表"), "complaints.manage", "📊", _l("客户关怀"), order=126),
        ),
        settings=(settings.SLA_SECTION,),
    )
)

from . import care_links, demo, jobs, models, tiles, timeline, views  # noqa: E402,F401


def init_app(app: Flask) -> None:
    from .models import ATTITUDES, BREACHES, CATEGORIES, CHANNELS, GRADES, KINDS, PROBLEM_TYPES, STATUSES

    app.jinja_env.globals.update(
        complaint_kinds=KINDS,
        complaint_channels=CHANNELS,
        complaint_categories=CATEGORIES,
        complaint_problem_types=PROBLEM_TYPES,
        complaint_grades=GRADES,
        complaint_attitudes=ATTITUDES,
        complaint_statuses=STATUSES,
        complaint_breaches=BREACHES,
    )
