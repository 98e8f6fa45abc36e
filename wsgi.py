"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""

from dealer_saas import create_app

app = create_app()
