"""Flask-Babel set-up: Simplified Chinese by default, English where translated.

Message ids are the Chinese text, so the interface is complete in Chinese even where an
English translation is missing. The English catalogue lives in
``dealer_saas/translations/en/LC_MESSAGES/messages.po`` and is compiled on start when the
``.mo`` is missing or older, so a fresh clone needs no extra step.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, g, has_app_context, has_request_context, request, session
from flask_babel import Domain, get_locale
from flask_login import current_user

from .extensions import babel

TRANSLATIONS = Path(__file__).resolve().parent / "translations"


def N_(message: str) -> str:
    """Mark ``message`` for extraction only and return it unchanged: for text stored or kept
    as a plain string (built-in role names, ...) and translated where shown with ``gettext``."""
    return message


def _chinese() -> bool:
    locale = get_locale()
    return locale is None or locale.language == "zh"


def colon() -> str:
    """The label separator of the language: full-width "：" in Chinese, ": " in English."""
    return "：" if _chinese() else ": "


def paren(text: object) -> str:
    """``text`` in brackets the way the language writes them: "（…）" or " (…)"."""
    return f"（{text}）" if _chinese() else f" ({text})"


def translated(labels: Mapping[Any, object]) -> dict[Any, str]:
    """A mapping of (lazy) labels as the request's language reads them, each translated
    once: a template that shows one of them per row (30 work lines, 160 cards) looks each
    up in this dict, not through a lazy string's translation on every row."""
    return {key: str(label) for key, label in labels.items()}


def select_locale() -> str:
    languages = ("zh", "en")
    if not has_request_context():  # jobs, CLI commands, service tests: the default language
        return "zh"
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    return request.accept_languages.best_match(languages) or "zh"


def select_timezone() -> str:
    from . import shell

    if not has_request_context():
        return "Asia/Shanghai"
    store = shell.active_store()
    return store.timezone if store is not None else "Asia/Shanghai"


def compile_catalogues() -> None:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po_path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        try:
            with mo_path.open("wb") as mo_file:
                write_mo(mo_file, catalog)
        except OSError:  # read-only install: serve Chinese only
            pass


class RequestDomain(Domain):
    """Flask-Babel's message domain, with the request's catalogue found once per request
    and locale: Flask-Babel finds it for every message (the locale looked up and named, the
    cache keyed by that name: ~20 µs a message, and a page translates tens to hundreds).
    Kept with the locale it was found for, so ``force_locale`` (imports answer in the file's
    language) and a language switch still get their own."""

    def get_translations(self):
        # the app context's ``g`` itself, not through its proxy (a message took seven proxy
        # look-ups), and the locale Flask-Babel keeps on it once selected
        if not has_app_context():
            return super().get_translations()
        kept_on = g._get_current_object()
        babel_state = getattr(kept_on, "_flask_babel", None)
        locale = getattr(babel_state, "babel_locale", None) or get_locale()
        kept = getattr(kept_on, "_translations", None)
        if kept is not None and kept[0] is locale:
            return kept[1]
        translations = super().get_translations()
        kept_on._translations = (locale, translations)
        return translations


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    compile_catalogues()
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    # the domain Flask-Babel's gettext, lazy strings and templates use (a cached property)
    babel.domain_instance = RequestDomain(domain=app.extensions["babel"].default_domain)
    app.jinja_env.globals.update(get_locale=get_locale, colon=colon, paren=paren)
    app.jinja_env.filters["translated"] = translated
