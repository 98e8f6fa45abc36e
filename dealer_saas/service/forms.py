"""One form per service action. Choices are filled by the views from the catalogue and the
store's staff; the rules live in the services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..forms_base import Form, NumericField, bounded_int, coerce_id, money_field
from .models import BODY_AREAS, CATEGORIES, FUEL_LEVELS, PAYERS, PAYMENT_METHODS


class ServiceForm(Form):
    """The module's forms: the one form base (text without control characters, a list for
    errors that belong to the whole form)."""


def _choices(mapping) -> list[tuple[str, object]]:
    return list(mapping.items())


def _hours(label, required=True):
    return NumericField(
        label,
        validators=([InputRequired(_l("请填写工时。"))] if required else [Optional()])
        + [NumberRange(min=0.01, max=999.99, message=_l("工时需在 0.01 到 999.99 之间。"))],
        digits=5,
        places=2,
    )


def _money(label, required=False):
    return money_field(
        label,
        required=_l("请填写金额。") if required else None,
        max=9999999999,
        message=_l("金额需在 0 到 9999999999 之间。"),
    )


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class OperationForm(ServiceForm):
    code = StringField(_l("工时代码"), validators=[DataRequired(_l("请填写工时代码。")), Length(max=30)])
    name = StringField(_l("项目名称"), validators=[DataRequired(_l("请填写项目名称。")), Length(max=120)])
    category = SelectField(_l("类别"), choices=_choices(CATEGORIES), default="maintenance")
    body_area = SelectField(_l("部位"), choices=_choices(BODY_AREAS), default="engine")
    applicable_models = StringField(
        _l("适用车型"), validators=[Optional(), Length(max=200)], description=_l("逗号分隔，留空表示全部车型")
    )
    standard_hours = _hours(_l("标准工时（小时）"))
    is_active = BooleanField(_l("启用"), default=True)


class PackageForm(ServiceForm):
    code = StringField(_l("套餐代码"), validators=[DataRequired(_l("请填写套餐代码。")), Length(max=30)])
    name = StringField(_l("套餐名称"), validators=[DataRequired(_l("请填写套餐名称。")), Length(max=120)])
    category = SelectField(_l("类别"), choices=_choices(CATEGORIES), default="maintenance")
    price = _money(_l("套餐价格（元）"), required=True)
    operation_ids = MultiCheckboxField(_l("包含的工时项目"), coerce=coerce_id, validate_choice=False)
    is_active = BooleanField(_l("启用"), default=True)


class ReceptionForm(ServiceForm):
    """Receiving a car (接车)."""

    plate_or_vin = StringField(
        _l("车牌号或车架号"), validators=[DataRequired(_l("请输入车牌号或车架号。")), Length(max=30)]
    )
    mileage_in = bounded_int(
        _l("进厂里程（公里）"),
        0,
        2000000,
        required=_l("请输入里程（公里）。"),
        message=_l("里程需在 0 到 2000000 公里之间。"),
        render_kw={"inputmode": "numeric"},
    )
    fuel_level = SelectField(_l("油量"), choices=_choices(FUEL_LEVELS), default="half")
    complaints = TextAreaField(
        _l("客户描述（故障/需求）"), validators=[DataRequired(_l("请填写客户描述的故障或需求。")), Length(max=2000)]
    )
    walkaround_notes = TextAreaField(_l("环车检查"), validators=[Optional(), Length(max=2000)])
    promised_at = DateTimeLocalField(_l("预计交车时间"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    advisor_id = SelectField(_l("服务顾问"), coerce=str, validate_choice=False)


class ReceptionEditForm(ReceptionForm):
    plate_or_vin = None
    version = HiddenField()


class LabourLineForm(ServiceForm):
    operation_id = SelectField(_l("工时项目"), coerce=str, validate_choice=False)
    hours = _hours(_l("工时（小时）"), required=False)
    discount = _money(_l("优惠（元）"))
    payer = SelectField(_l("结算方"), choices=_choices(PAYERS), default="customer")
    technician_id = SelectField(_l("技师"), coerce=str, validate_choice=False)


class PackageLineForm(ServiceForm):
    package_id = SelectField(_l("套餐"), coerce=str, validate_choice=False)
    discount = _money(_l("优惠（元）"))
    payer = SelectField(_l("结算方"), choices=_choices(PAYERS), default="customer")
    technician_id = SelectField(_l("技师"), coerce=str, validate_choice=False)


class ActionForm(ServiceForm):
    """A bare action button; the action comes in ``action``."""

    action = HiddenField()
    reason = StringField(_l("原因"), validators=[Optional(), Length(max=200)])


class AssignForm(ActionForm):
    """An action form (its errors show where the page's action form's do) with the technician."""

    technician_id = SelectField(_l("技师"), coerce=str, validate_choice=False)


class QcForm(ServiceForm):
    action = HiddenField()
    note = StringField(_l("质检意见"), validators=[Optional(), Length(max=300)])


class PaymentForm(ServiceForm):
    payer = SelectField(_l("结算方"), choices=_choices(PAYERS), default="customer")
    method = SelectField(_l("付款方式"), choices=_choices(PAYMENT_METHODS), default="wechat")
    amount = _money(_l("金额（元）"), required=True)
    reference = StringField(_l("凭证号"), validators=[Optional(), Length(max=60)])


class AppointmentForm(ServiceForm):
    plate_or_vin = StringField(
        _l("车牌号或车架号"), validators=[DataRequired(_l("请输入车牌号或车架号。")), Length(max=30)]
    )
    slot = SelectField(
        _l("预约时段"), coerce=str, validate_choice=False, validators=[DataRequired(_l("请选择预约时段。"))]
    )
    service_type = SelectField(_l("服务类型"), choices=_choices(CATEGORIES), default="maintenance")
    advisor_id = SelectField(_l("服务顾问"), coerce=str, validate_choice=False)
    technician_id = SelectField(_l("技师"), coerce=str, validate_choice=False)
    notes = TextAreaField(_l("备注"), validators=[Optional(), Length(max=500)])


class RescheduleForm(ServiceForm):
    slot = SelectField(
        _l("新的时段"), coerce=str, validate_choice=False, validators=[DataRequired(_l("请选择预约时段。"))]
    )
    advisor_id = SelectField(_l("服务顾问"), coerce=str, validate_choice=False)
    technician_id = SelectField(_l("技师"), coerce=str, validate_choice=False)
    version = HiddenField()


class PublicBookingForm(ServiceForm):
    """The customer's own booking through a signed link."""

    slot = SelectField(
        _l("预约时段"), coerce=str, validate_choice=False, validators=[DataRequired(_l("请选择预约时段。"))]
    )
    service_type = SelectField(_l("服务类型"), choices=_choices(CATEGORIES), default="maintenance")
    notes = TextAreaField(_l("需求说明"), validators=[Optional(), Length(max=500)])


class PhotoForm(ServiceForm):
    """Walk-around photos from the phone camera (the file types are checked by their bytes
    in ``services.photos``)."""

    photos = MultipleFileField(
        _l("环车照片"),
        render_kw={"accept": "image/*", "capture": "environment", "multiple": True},
        description=_l("可一次拍摄或选择多张，JPEG / PNG / WebP / HEIC"),
    )


class ProposalForm(ServiceForm):
    """Extra work proposed to the customer (追加项目), priced like a labour line."""

    operation_id = SelectField(_l("追加的工时项目"), coerce=str, validate_choice=False)
    hours = _hours(_l("工时（小时）"), required=False)
    note = StringField(_l("说明（客户可见）"), validators=[Optional(), Length(max=300)])


class ProposalAnswerForm(ServiceForm):
    """The customer's answer to one proposed job, on the public progress page."""

    proposal_id = HiddenField()
    action = HiddenField()
