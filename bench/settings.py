"""Settings of the benchmark server: the production settings, plus a trivial view to compare with.

Only for ``bench/pages.py``: HTTPS redirection is off because the benchmark speaks plain HTTP
on 127.0.0.1; everything else (DEBUG off, WhiteNoise, Argon2, django-axes, sessions in the
database, connection pool) is production's.
"""

import os

os.environ.setdefault("SECURE_SSL_REDIRECT", "false")

from config.settings.production import *  # noqa: E402, F403

ROOT_URLCONF = "bench.urls"
