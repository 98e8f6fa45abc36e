"""Pinyin forms of Chinese names, so "zs" or "zhangsan" finds 张三.

Both are cut to their columns (``customers.name_pinyin`` String(240), ``name_initials``
String(40)): an 80-character name spelt out can be longer, and PostgreSQL refuses an
overlong value where SQLite would store it. Searches match prefixes, so the cut end is
never what anyone types.
"""

from __future__ import annotations

from pypinyin import Style, lazy_pinyin

PINYIN_MAX, INITIALS_MAX = 240, 40


def full_pinyin(name: str) -> str:
    return "".join(lazy_pinyin(name or "", errors=lambda s: list(s))).lower().replace(" ", "")[:PINYIN_MAX]


def initials(name: str) -> str:
    letters = lazy_pinyin(name or "", style=Style.FIRST_LETTER, errors=lambda s: list(s))
    return "".join(letters).lower().replace(" ", "")[:INITIALS_MAX]
