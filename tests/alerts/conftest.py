"""Alert jobs run in-process (see tests/jobs/conftest.py)."""

from ..jobs.conftest import declare  # noqa: F401
