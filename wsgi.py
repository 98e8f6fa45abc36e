"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""

import gc

from dealer_saas import create_app

app = create_app()

# What the app built at start-up (modules, models, compiled templates and statements: some
# 450 000 objects) lives as long as the process: moved out of the collector's sight, so a
# full collection walks only what requests create (one took tens of milliseconds).
gc.collect()
gc.freeze()
