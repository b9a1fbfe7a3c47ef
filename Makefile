# The two commands of the README: `make run` and `make test`. Only Python >= 3.11 is needed.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test install lint check clean browser-deps

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11 ou plus récent est nécessaire." if sys.version_info < (3, 11) else 0)'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

.env:
	@printf 'DEBUG=true\nSECRET_KEY=dev-%s\n' "$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(40))')" > .env
	@echo "Fichier .env créé (DEBUG activé, clé secrète aléatoire) pour le développement local."

run: install .env
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@# One background worker beside the server (jobs/: batch PDFs…), stopped with it.
	$(PY) manage.py db_worker --worker-id make-run & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:8000

test: install
	$(PY) -m pytest -q -n auto --dist worksteal

# Browser tests (tests/browser/): axe-core from npm, installed once into tests/browser/node_modules
# from the committed package-lock.json. Chromium comes from Debian (see .ci/run), never from npm.
BROWSER_DIR := tests/browser
browser-deps: $(BROWSER_DIR)/node_modules/axe-core/axe.min.js

$(BROWSER_DIR)/node_modules/axe-core/axe.min.js: $(BROWSER_DIR)/package-lock.json
	npm ci --prefix $(BROWSER_DIR) --no-audit --no-fund --loglevel=error
	@touch $@

lint: install
	$(VENV)/bin/ruff check .

check: install
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py check

clean:
	rm -rf $(VENV) db.sqlite3 .test-media $(BROWSER_DIR)/node_modules
