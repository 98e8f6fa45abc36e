"""Pinyin forms of Chinese names, so "zs" or "zhangsan" finds 张三."""

from __future__ import annotations

from pypinyin import Style, lazy_pinyin


def full_pinyin(name: str) -> str:
    return "".join(lazy_pinyin(name or "", errors=lambda s: list(s))).lower().replace(" ", "")


def initials(name: str) -> str:
    letters = lazy_pinyin(name or "", style=Style.FIRST_LETTER, errors=lambda s: list(s))
    return "".join(letters).lower().replace(" ", "")
