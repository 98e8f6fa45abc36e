"""Queueing jobs (placeholder: runs in-process after commit until the RQ backend lands)."""
from __future__ import annotations

from typing import Any

from flask import Flask

from .. import tenancy
from ..web import after_commit
from .registry import JOB_KINDS


def run_job_now(name: str, store_id: int | None, **kwargs: Any) -> Any:
    kind = JOB_KINDS[name]
    if store_id is None:
        return kind.func(**kwargs)
    with tenancy.enter(store_id):
        return kind.func(store_id=store_id, **kwargs)


def enqueue_after_commit(name: str, store_id: int | None, **kwargs: Any) -> None:
    """Queue job ``name`` once the current transaction has committed."""
    if name not in JOB_KINDS:
        raise KeyError(f"unknown job kind {name}")
    after_commit(lambda: run_job_now(name, store_id, **kwargs))


def init_app(app: Flask) -> None:
    return None
