from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from ..forms_base import Form
from .services import MAX_PASSWORD_LENGTH

_TOO_LONG = _l("密码不能超过 %(max)d 位。")


class LoginForm(Form):
    username = StringField(_l("用户名"), validators=[DataRequired(_l("请输入用户名")), Length(max=80)])
    password = PasswordField(
        _l("密码"), validators=[DataRequired(_l("请输入密码")), Length(max=MAX_PASSWORD_LENGTH, message=_TOO_LONG)]
    )
    #: shown after repeated failures (auth/captcha.py)
    captcha = StringField(_l("验证码"), validators=[Optional(), Length(max=8)])
    next = HiddenField()


class ChangePasswordForm(Form):
    current_password = PasswordField(_l("当前密码"), validators=[DataRequired(_l("请输入当前密码"))])
    new_password = PasswordField(
        _l("新密码"), validators=[DataRequired(_l("请输入新密码")), Length(max=MAX_PASSWORD_LENGTH, message=_TOO_LONG)]
    )
    confirm = PasswordField(
        _l("确认新密码"),
        validators=[DataRequired(_l("请再次输入新密码")), EqualTo("new_password", _l("两次输入的密码不一致"))],
    )
