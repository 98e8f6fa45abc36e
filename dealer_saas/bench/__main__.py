"""``python -m dealer_saas.bench search|load|run ...`` (the same as ``flask bench ...``)."""

import sys

from dealer_saas import create_app
from dealer_saas.bench import bench

app = create_app()
with app.app_context():
    sys.exit(bench.main(prog_name="python -m dealer_saas.bench"))
