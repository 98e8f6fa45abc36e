"""Internationalisation: the English catalogue covers every message of the code, keeps their
placeholders, and is what an English-speaking user sees (chosen with the language switch or
by the browser's Accept-Language); Chinese stays the default.

The extraction is the very ``pybabel extract`` command written at the top of messages.po,
run in-process, so the documented command and this test cannot drift apart.
"""

from __future__ import annotations

import re
import shlex
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from dealer_saas.extensions import db

ROOT = Path(__file__).resolve().parents[2]
PO_PATH = ROOT / "dealer_saas" / "translations" / "en" / "LC_MESSAGES" / "messages.po"

#: Han characters and full-width punctuation: what must not be left on an English page
CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff01-\uff5e]")
#: printf-style placeholders (%(name)s, %d, %%) and str.format ones ({name}, {0}, {})
PERCENT = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(?:\d+|\*)?(?:\.\d+)?[diouxXeEfFgGcrsa%]")
BRACES = re.compile(r"\{[^{}]*\}")


def _catalogue():
    with PO_PATH.open("rb") as po_file:
        return read_po(po_file, locale="en")


def _documented_extract_command() -> list[str]:
    lines = [
        line[1:].strip()
        for line in PO_PATH.read_text(encoding="utf-8").splitlines()
        if line.startswith("#") and "pybabel extract" in line
    ]
    assert len(lines) == 1, "messages.po must document one `pybabel extract` command in its header"
    return shlex.split(lines[0])


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The template catalogue the documented command produces from the current code."""
    argv = _documented_extract_command()
    argv[0] = "pybabel"
    output = tmp_path_factory.mktemp("i18n") / "messages.pot"
    argv[argv.index("-o") + 1] = str(output)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        CommandLineInterface().run(argv)
    with output.open("rb") as pot_file:
        return read_po(pot_file)


def _locations(message) -> str:
    return ", ".join(sorted({path for path, _line in message.locations}))


def _placeholders(text: str) -> tuple[Counter, list[str]]:
    percent = PERCENT.findall(text)
    named = Counter(p for p in percent if p.startswith("%("))
    named.update(BRACES.findall(text))
    positional = [p for p in percent if not p.startswith("%(")]  # their order matters
    return named, positional


def test_the_extraction_picks_up_python_and_templates(extracted):
    """Guards the command itself: lazy and plain gettext in Python, _() in templates, the
    _macros folder (which pybabel skips unless told), and N_() for role names."""
    paths = {path for message in extracted for path, _line in message.locations}
    assert {
        "dealer_saas/shell.py",
        "dealer_saas/auth/views.py",
        "templates/base.html",
        "templates/_macros/ui.html",
    } <= paths
    for msgid in ("工作台", "请先设置新密码。", "退出登录", "加载更多", "销售顾问"):
        assert msgid in extracted, msgid
    assert len(extracted) > 900


def test_the_english_catalogue_is_complete(extracted):
    catalogue = _catalogue()
    missing = [f"{m.id!r} ({_locations(m)})" for m in extracted if m.id and m.id not in catalogue]
    assert not missing, "not in messages.po; run the commands at its top:\n" + "\n".join(missing)
    untranslated = [
        repr(m.id) for m in catalogue if m.id and not all(m.string if isinstance(m.string, tuple) else (m.string,))
    ]
    assert not untranslated, "empty msgstr in messages.po:\n" + "\n".join(untranslated)
    assert not [m.id for m in catalogue if m.fuzzy], "fuzzy entries (header included) are not compiled"
    unused = [repr(m.id) for m in catalogue if m.id and m.id not in extracted]
    assert not unused, "no longer in the code; update with --ignore-obsolete:\n" + "\n".join(unused)
    assert not catalogue.obsolete, "obsolete (#~) entries left in messages.po"


def test_translations_keep_the_placeholders():
    wrong = []
    for message in _catalogue():
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = _placeholders(ids[0])
        for text in strings:
            if _placeholders(text) != expected:
                wrong.append(f"{message.id!r} -> {text!r}")
    assert not wrong, "placeholders differ between msgid and msgstr:\n" + "\n".join(wrong)
    problems = [f"{m.id!r}: {errors}" for m, errors in _catalogue().check()]
    assert not problems, "\n".join(problems)


def _without(page: str, *data: str) -> str:
    """The page minus the data shown in it (store and user names) and the "中文" button."""
    for text in data + (">中文<",):
        page = page.replace(text, "")
    return page


def test_signed_in_user_switches_the_interface_to_english(app, client_as, store):
    client, user = client_as("sales_consultant")
    other, other_user = client_as("sales_consultant")
    db.session.commit()
    chinese = client.get("/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in chinese
    assert all(text in chinese for text in ("工作台", "我的今天", "意向跟进", "退出登录"))
    assert "Dashboard" not in chinese and "Sign out" not in chinese

    assert client.post("/language", data={"language": "en", "next": "/"}).status_code == 303
    english = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in english
    for text in (
        "Dashboard",
        "My day",
        "Walk-ins",
        "Customers",
        "Follow-ups",
        "Test drive",
        "Quote",
        "Orders",
        "Vehicle stock",
        "Change password",
        "Sign out",
        "My follow-ups due",
    ):
        assert text in english, text
    leftover = CJK.findall(_without(english, store.name, user.name, other_user.name))
    assert not leftover, f"untranslated text on the English dashboard: {''.join(leftover)}"
    for name in re.findall(r'hx-get="/tiles/([^"]+)"', english):
        tile = client.get(f"/tiles/{name}").get_data(as_text=True)
        assert not CJK.findall(_without(tile, store.name, user.name)), name

    # the choice is the user's (remembered on the account), not everyone's
    still_chinese = other.get("/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in still_chinese and "工作台" in still_chinese and "Dashboard" not in still_chinese
    from ..conftest import login

    again = login(app.test_client(), user, store).get("/").get_data(as_text=True)
    assert '<html lang="en">' in again and "Dashboard" in again

    assert client.post("/language", data={"language": "zh", "next": "/"}).status_code == 303
    back = client.get("/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in back and "工作台" in back and "Dashboard" not in back


def test_accept_language_alone_gives_english_on_the_login_page(client):
    english = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en">' in english
    for text in ("Sign in", "Username", "Password", "Car dealership CRM"):
        assert text in english, text
    assert not CJK.findall(_without(english)), "untranslated text on the English login page"
    failed = client.post(
        "/login", data={"username": "nobody", "password": "wrong-password1"}, headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    assert "Incorrect username or password." in failed

    for headers in ({"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}, {}):
        chinese = client.get("/login", headers=headers).get_data(as_text=True)
        assert '<html lang="zh-CN">' in chinese and "汽车经销商客户管理系统" in chinese and "Sign in" not in chinese


@pytest.mark.parametrize(
    "language, label, bracketed", [("zh-CN", "颜色：<b>", "张三（zs）"), ("en", "Colour: <b>", "张三 (zs)")]
)
def test_punctuation_follows_the_language(app, language, label, bracketed):
    """Labels and brackets around data use the language's punctuation, and data stays escaped."""
    with app.test_request_context(headers={"Accept-Language": language}):
        render = app.jinja_env.from_string(
            "{{ _('颜色') }}{{ colon() }}{{ '<b>'|safe }}|{{ name }}{{ paren(username) }}|{{ paren('<i>') }}"
        )
        label_out, bracket_out, escaped = render.render(name="张三", username="zs").split("|")
    assert (label_out, bracket_out) == (label, bracketed)
    assert "&lt;i&gt;" in escaped


def test_a_forced_language_inside_a_request_gets_its_own_catalogue_and_comes_back(app):
    """The request keeps its catalogue with the locale it was found for: ``force_locale``
    (an import answers in its file's language) switches it and restores it after."""
    from flask_babel import force_locale, gettext, lazy_gettext

    label = lazy_gettext("保存")
    with app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        assert gettext("保存") == str(label) == "保存"
        with force_locale("en"):
            assert gettext("保存") == str(label) == "Save"
        assert gettext("保存") == str(label) == "保存"
    with app.app_context():  # no request: Chinese, the message ids
        assert gettext("保存") == "保存"


def test_a_mapping_of_labels_is_translated_once_into_the_requests_language(app):
    """``translated`` (also the templates' filter) gives plain strings of the request's
    language, for a template that shows one label per row."""
    from flask import render_template_string
    from flask_babel import force_locale, lazy_gettext

    from dealer_saas.i18n import translated

    labels = {"save": lazy_gettext("保存"), "plain": "A"}
    with app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        words = translated(labels)
        assert words == {"save": "保存", "plain": "A"} and all(type(w) is str for w in words.values())
        with force_locale("en"):
            assert translated(labels)["save"] == "Save"
            assert render_template_string("{{ (labels|translated)['save'] }}", labels=labels) == "Save"
