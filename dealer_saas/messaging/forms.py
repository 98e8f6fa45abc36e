"""The consent form (staff record a customer's answer) and the unsubscribe confirmation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional

from ..forms_base import Form
from .models import CONSENT_PURPOSES, CONSENT_SOURCES

#: sources staff choose from (the others are recorded by the system)
STAFF_SOURCES = ("staff", "paper_form", "phone")


class ConsentForm(Form):
    purpose = SelectField(_l("消息类型"), choices=list(CONSENT_PURPOSES.items()))
    granted = RadioField(
        _l("客户意愿"),
        choices=[("yes", _l("同意接收")), ("no", _l("拒绝接收"))],
        validators=[InputRequired(_l("请选择客户意愿。"))],
    )
    source = SelectField(_l("来源"), choices=[(code, CONSENT_SOURCES[code]) for code in STAFF_SOURCES], default="staff")
    note = StringField(_l("备注"), validators=[Optional(), Length(max=200)])


class UnsubscribeForm(Form):
    """The customer confirms (one button): a link opened by a mail scanner changes nothing."""
