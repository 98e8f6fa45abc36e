"""The data tools' forms (on the one form base): upload, column mapping, export."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, FieldList, SelectField, StringField
from wtforms.validators import Length, Optional

from ..forms_base import Form


class UploadForm(Form):
    entity = SelectField(_l("数据类型"), choices=[])
    file = FileField(_l("文件（.xlsx 或 .csv）"), validators=[FileRequired(_l("请选择要上传的文件。"))])


class MappingForm(Form):
    """One select per column of the file (its position), choices: the importer's fields."""

    columns = FieldList(SelectField(choices=[], validate_choice=True), min_entries=0, max_entries=60)
    skip_rejected = BooleanField(_l("提交时跳过被拒绝的行（其余行照常导入）"))


class ConfirmForm(Form):
    """A button's POST (the CSRF token only)."""


class ExportForm(Form):
    entity = SelectField(_l("数据类型"), choices=[])
    date_from = DateField(_l("开始日期"), validators=[Optional()])
    date_to = DateField(_l("结束日期"), validators=[Optional()])
    status = SelectField(_l("状态"), choices=[], validators=[Optional()], validate_choice=False)
    #: the parts list's search (a code, name or barcode prefix)
    q = StringField(_l("关键词"), validators=[Optional(), Length(max=40)])
