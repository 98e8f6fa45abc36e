"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""

from dealer_saas import create_app, memory

app = create_app()

# What the app built at start-up lives as long as the process: out of the collector's
# sight, and again once the first requests have built the rest (see dealer_saas.memory).
memory.freeze()
memory.freeze_when_warm(app)
