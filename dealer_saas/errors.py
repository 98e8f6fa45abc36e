"""Error pages: full pages for navigation, small fragments for htmx swaps."""

from __future__ import annotations

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .extensions import db
from .tenancy import ReadOnlyContext
from .web import htmx_response, wants_fragment


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("请求有误"), _("请求无法处理，请检查后重试。")),
        403: (_("没有权限"), _("您当前的角色无权执行此操作。如需权限，请联系门店管理员。")),
        404: (_("找不到页面"), _("您要找的内容不存在，或不属于当前门店。")),
        405: (_("不支持的操作"), _("此地址不支持该操作。")),
        429: (_("操作过于频繁"), _("请稍后再试。")),
        500: (_("系统出错了"), _("服务器处理请求时出错，已记录。请稍后重试。")),
    }


def render_error(code: int, detail: str | None = None):
    title, message = _messages().get(code, (str(code), ""))
    if detail == "rollup_read_only":
        message = _("“全部门店”汇总视图只读。请先在页头切换到具体门店再操作。")
    context = {"code": code, "title": title, "message": message}
    if wants_fragment():
        response = htmx_response(render_template("errors/_error.html", **context), code)
    else:
        response = htmx_response(render_template("errors/error.html", **context), code)
    response.vary.add("HX-Request")
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        if isinstance(error, CSRFError):
            return render_error(400, None)
        description = error.description if isinstance(error.description, str) else None
        return render_error(error.code, description if description == "rollup_read_only" else None)

    @app.errorhandler(ReadOnlyContext)
    def read_only(error: ReadOnlyContext):
        db.session.rollback()
        return render_error(403, "rollup_read_only")

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        return render_error(500)
