"""surveys module (满意度调查): the group's survey templates (CSI, SSI, NPS, custom), the
dispatch of invitations after an RO closed or a car delivered (due rows picked up by a job
every minute), the public one-time survey page, scores and the CSI/NPS report. A low score
opens a complaint (or a call-back: ``services.low_score_action``)."""

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

from .. import registry
from ..registry import MenuEntry
from . import settings

bp = Blueprint("surveys", __name__, url_prefix="/surveys")

MODULE = registry.declare(
    registry.ModuleSpec(
        "surveys",
        permissions={
            "surveys.view": _l("查看满意度调查结果"),
            "surveys.manage": _l("维护调查模板与设置"),
        },
        grants=registry.grants(
            (("group_manager", "store_manager"), ("surveys.view", "surveys.manage")),
            (("care_agent", "service_advisor", "sales_manager"), ("surveys.view",)),
        ),
        reads=("surveys.view",),
        records={
            "survey_templates": _l("调查模板"),
            "survey_questions": _l("调查问题"),
            "survey_invitations": _l("满意度调查"),
        },
        job_labels={"surveys.dispatch": _l("满意度调查发送")},
        menu=(
            MenuEntry("surveys.results", _l("满意度调查"), "surveys.view", "⭐", _l("客户关怀"), order=120),
            MenuEntry("surveys.template_list", _l("调查模板"), "surveys.manage", "📝", _l("客户关怀"), order=122),
        ),
        settings=(settings.SURVEY_SECTION,),
    )
)

from . import demo, jobs, models, tiles, timeline, views  # noqa: E402,F401


def init_app(app: Flask) -> None:
    from .models import INVITATION_STATUSES, KINDS, QUESTION_KINDS, TRIGGERS

    app.jinja_env.globals.update(
        survey_kinds=KINDS,
        survey_triggers=TRIGGERS,
        survey_question_kinds=QUESTION_KINDS,
        survey_statuses=INVITATION_STATUSES,
    )
