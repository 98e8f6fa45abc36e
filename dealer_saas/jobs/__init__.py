"""Background work (placeholder until the jobs infrastructure lands)."""
from flask import Flask


def init_app(app: Flask) -> None:
    return None
