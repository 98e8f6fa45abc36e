"""A self-hosted sign-in captcha: a small sum drawn as a PNG by our own code (no
third-party service, no internet, no imaging library).

The challenge row (``LoginCaptcha``) keeps only a keyed hash of the answer; the session
keeps the challenge id. Checking deletes the row, so a challenge answers once: replaying an
old cookie with a solved answer finds nothing (the session cookie is signed, not secret,
so the answer itself never goes into it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import struct
import zlib

from flask import current_app, session
from sqlalchemy import delete

from ..extensions import db
from ..timeutil import utcnow
from .models import LoginCaptcha

SESSION_KEY = "login_captcha"
#: a challenge older than this is refused (and swept)
LIFETIME = dt.timedelta(minutes=10)

# 5x7 bitmap glyphs, one string of five columns' bits per row
_GLYPHS = {
    "0": ("01110", "10001", "10011", "10101", "11001", "10001", "01110"),
    "1": ("00100", "01100", "00100", "00100", "00100", "00100", "01110"),
    "2": ("01110", "10001", "00001", "00010", "00100", "01000", "11111"),
    "3": ("11111", "00010", "00100", "00010", "00001", "10001", "01110"),
    "4": ("00010", "00110", "01010", "10010", "11111", "00010", "00010"),
    "5": ("11111", "10000", "11110", "00001", "00001", "10001", "01110"),
    "6": ("00110", "01000", "10000", "11110", "10001", "10001", "01110"),
    "7": ("11111", "00001", "00010", "00100", "01000", "01000", "01000"),
    "8": ("01110", "10001", "10001", "01110", "10001", "10001", "01110"),
    "9": ("01110", "10001", "10001", "01111", "00001", "00010", "01100"),
    "+": ("00000", "00100", "00100", "11111", "00100", "00100", "00000"),
    "=": ("00000", "00000", "11111", "00000", "11111", "00000", "00000"),
    "?": ("01110", "10001", "00001", "00010", "00100", "00000", "00100"),
}
_SCALE = 4
_WIDTH, _HEIGHT = 200, 56


def _random_challenge() -> tuple[str, str]:
    """The question drawn ("47+38=?") and its answer ("85")."""
    a, b = secrets.randbelow(80) + 10, secrets.randbelow(80) + 10
    return f"{a}+{b}=?", str(a + b)


def _answer_hash(challenge_id: str, answer: str) -> str:
    key = current_app.config["SECRET_KEY"]
    key = key.encode() if isinstance(key, str) else key
    return hmac.new(key, f"login-captcha:{challenge_id}:{answer}".encode(), hashlib.sha256).hexdigest()


def _png(width: int, height: int, pixels: list[bytearray]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + bytes(row) for row in pixels)  # filter type 0 per row
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def render(text: str) -> bytes:
    """``text`` as a noisy PNG: each glyph shifted and coloured at random, dots and lines."""
    rand = secrets.SystemRandom()
    pixels = [bytearray(b"\xf4\xf6\xf8" * _WIDTH) for _ in range(_HEIGHT)]

    def put(x: int, y: int, colour: tuple[int, int, int]) -> None:
        if 0 <= x < _WIDTH and 0 <= y < _HEIGHT:
            pixels[y][3 * x : 3 * x + 3] = bytes(colour)

    def line(x0: int, y0: int, x1: int, y1: int, colour: tuple[int, int, int]) -> None:
        steps = max(abs(x1 - x0), abs(y1 - y0), 1)
        for i in range(steps + 1):
            put(round(x0 + (x1 - x0) * i / steps), round(y0 + (y1 - y0) * i / steps), colour)

    for _ in range(4):
        grey = rand.randint(150, 200)
        line(0, rand.randrange(_HEIGHT), _WIDTH - 1, rand.randrange(_HEIGHT), (grey, grey, grey + 20))
    x = 10
    for char in text:
        glyph = _GLYPHS[char]
        colour = (rand.randint(10, 90), rand.randint(10, 90), rand.randint(40, 140))
        top = rand.randint(4, _HEIGHT - 7 * _SCALE - 4)
        slant = rand.choice((-1, 0, 1))
        for row, bits in enumerate(glyph):
            for col, bit in enumerate(bits):
                if bit == "1":
                    for dy in range(_SCALE):
                        for dx in range(_SCALE):
                            put(x + col * _SCALE + dx + slant * (3 - row), top + row * _SCALE + dy, colour)
        x += 5 * _SCALE + rand.randint(3, 7)
    for _ in range(_WIDTH * _HEIGHT // 25):
        grey = rand.randint(60, 200)
        put(rand.randrange(_WIDTH), rand.randrange(_HEIGHT), (grey, grey, grey))
    for _ in range(2):
        colour = (rand.randint(40, 120), rand.randint(40, 120), rand.randint(40, 120))
        line(rand.randrange(20), rand.randrange(_HEIGHT), _WIDTH - rand.randrange(20), rand.randrange(_HEIGHT), colour)
    return _png(_WIDTH, _HEIGHT, pixels)


def new_challenge() -> bytes:
    """Start a challenge for this session (replacing any earlier one): the PNG to show."""
    now = utcnow()
    db.session.execute(delete(LoginCaptcha).where(LoginCaptcha.created_at < now - LIFETIME))
    old = session.pop(SESSION_KEY, None)
    if old:
        db.session.execute(delete(LoginCaptcha).where(LoginCaptcha.id == old))
    question, answer = _random_challenge()
    challenge_id = secrets.token_urlsafe(24)
    db.session.add(LoginCaptcha(id=challenge_id, answer_hash=_answer_hash(challenge_id, answer), created_at=now))
    db.session.flush()
    session[SESSION_KEY] = challenge_id
    return render(question)


def check(answer: str | None) -> bool:
    """True when ``answer`` solves this session's challenge. The challenge is used up
    whatever the answer: one try per image."""
    challenge_id = session.pop(SESSION_KEY, None)
    if not challenge_id:
        return False
    row = db.session.get(LoginCaptcha, challenge_id)
    if row is None:
        return False
    db.session.delete(row)
    db.session.flush()
    created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=dt.UTC)
    if created < utcnow() - LIFETIME:
        return False
    given = "".join((answer or "").split())
    return hmac.compare_digest(row.answer_hash, _answer_hash(challenge_id, given))
