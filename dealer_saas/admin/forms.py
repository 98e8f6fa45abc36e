"""Forms of the admin screens (one class per action)."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, Length, Optional

from ..forms_base import Form, coerce_id
from ..registry import SettingsSection

#: common time zones of stores (any IANA name is accepted by the service)
TIMEZONES = ("Asia/Shanghai", "Asia/Urumqi", "Asia/Hong_Kong", "Asia/Macau", "Asia/Taipei")


def _store_or_org_wide(value):
    """'' means "every store of the group" (a group role); anything but a store id is no
    choice (the select refuses it)."""
    if value in (None, "", "None"):
        return None
    return coerce_id(value)


class StoreForm(Form):
    name = StringField(_l("门店名称"), validators=[DataRequired(_l("请输入门店名称")), Length(max=120)])
    code = StringField(_l("门店编码"), validators=[DataRequired(_l("请输入门店编码")), Length(max=32)])
    city = StringField(_l("城市"), validators=[Optional(), Length(max=60)])
    timezone = SelectField(_l("时区"), choices=[(tz, tz) for tz in TIMEZONES], default="Asia/Shanghai")
    brands = StringField(
        _l("经营品牌"), validators=[Optional(), Length(max=200)], description=_l("多个品牌用逗号分隔，例如：大众,奥迪")
    )
    phone = StringField(_l("电话"), validators=[Optional(), Length(max=30)])
    address = StringField(_l("地址"), validators=[Optional(), Length(max=200)])
    is_active = BooleanField(_l("营业中"), default=True)


def store_settings_form(sections: Sequence[SettingsSection]) -> type[Form]:
    """The settings form: one field per setting each module declared (``registry``)."""
    fields = {name: unbound for section in sections for name, unbound in section.fields.items()}
    return type("StoreSettingsForm", (Form,), fields)


class UserCreateForm(Form):
    username = StringField(_l("用户名"), validators=[DataRequired(_l("请输入用户名")), Length(max=80)])
    name = StringField(_l("姓名"), validators=[DataRequired(_l("请输入姓名")), Length(max=80)])
    phone = StringField(_l("手机号"), validators=[Optional(), Length(max=30)])
    email = StringField(_l("邮箱"), validators=[Optional(), Length(max=120)])
    password = PasswordField(
        _l("初始密码"), validators=[Optional()], description=_l("留空则自动生成；用户首次登录须修改密码。")
    )
    store_id = SelectField(_l("门店"), coerce=_store_or_org_wide, validate_choice=True)
    role_id = SelectField(_l("角色"), coerce=coerce_id, validators=[DataRequired(_l("请选择角色"))])


class UserEditForm(Form):
    name = StringField(_l("姓名"), validators=[DataRequired(_l("请输入姓名")), Length(max=80)])
    phone = StringField(_l("手机号"), validators=[Optional(), Length(max=30)])
    email = StringField(_l("邮箱"), validators=[Optional(), Length(max=120)])


class MembershipForm(Form):
    store_id = SelectField(_l("门店"), coerce=_store_or_org_wide, validate_choice=True)
    role_id = SelectField(_l("角色"), coerce=coerce_id, validators=[DataRequired(_l("请选择角色"))])


class RoleForm(Form):
    code = StringField(
        _l("编码"),
        validators=[DataRequired(_l("请输入编码")), Length(max=40)],
        description=_l("小写字母、数字或下划线，创建后不可修改"),
    )
    name = StringField(_l("角色名称"), validators=[DataRequired(_l("请输入角色名称")), Length(max=80)])
    is_group_role = BooleanField(_l("集团级角色（适用于全部门店）"))
    permissions = SelectMultipleField(_l("权限"), choices=[], validate_choice=True)


class OrganisationForm(Form):
    name = StringField(_l("集团名称"), validators=[DataRequired(_l("请输入集团名称")), Length(max=120)])
    code = StringField(_l("集团编码"), validators=[DataRequired(_l("请输入集团编码")), Length(max=32)])
    store_name = StringField(_l("首家门店名称"), validators=[DataRequired(_l("请输入门店名称")), Length(max=120)])
    store_code = StringField(_l("首家门店编码"), validators=[DataRequired(_l("请输入门店编码")), Length(max=32)])
    store_city = StringField(_l("城市"), validators=[Optional(), Length(max=60)])
    store_brands = StringField(_l("经营品牌"), validators=[Optional(), Length(max=200)])
    admin_username = StringField(_l("集团管理员用户名"), validators=[DataRequired(_l("请输入用户名")), Length(max=80)])
    admin_name = StringField(_l("集团管理员姓名"), validators=[DataRequired(_l("请输入姓名")), Length(max=80)])
