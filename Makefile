# Two commands set everything up on a fresh machine with Python 3.11 and make:
#   make run    creates .venv, installs, migrates, loads the demo and serves on 127.0.0.1:$(PORT)
#               with a task worker beside it (Procfile); Ctrl-C stops both
#   make test   creates .venv if missing and runs the whole suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
ARGS ?=

# The suite runs with production settings (DEBUG off) and throwaway secrets; only the HTTPS
# redirect is off, because the test server speaks plain HTTP.
TEST_ENV := SECRET_KEY=test-suite-only-not-a-secret PORTAL_BASE_URL=http://testserver \
	ALLOWED_HOSTS=testserver,localhost,127.0.0.1 SECURE_SSL_REDIRECT=false

# Production-like settings for Django's deployment checklist.
DEPLOY_ENV := SECRET_KEY=deployment-check-only-5c0e9a27d1f84b6e93a2c7d08f1e4b5a6c9d2e7f3a1b8c4d \
	ALLOWED_HOSTS=portal.example.org PORTAL_BASE_URL=https://portal.example.org \
	REDIS_URL=redis://127.0.0.1:6379/0

# The lock files pin every package, dependencies included, with the hashes of its published
# files; they are written from requirements.txt and requirements-dev.txt by `make lock`.
UV_COMPILE := $(BIN)/uv pip compile --quiet --generate-hashes --universal --python-version 3.11 \
	--custom-compile-command "make lock"

.PHONY: run test check lint bench lock clean

# Installs exactly what the lock names: pip refuses any file whose hash is not in it.
$(VENV)/.installed: requirements.lock requirements-dev.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.lock
	touch $@

# After editing requirements.txt or requirements-dev.txt: refresh the lock files (needs PyPI).
# Versions already locked are kept; `make lock ARGS=--upgrade` moves everything to the newest
# release its range allows.
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	test -x $(BIN)/uv || $(BIN)/pip install --quiet --disable-pip-version-check "$$(grep '^uv' requirements-dev.txt)"
	$(UV_COMPILE) $(ARGS) requirements.txt -o requirements.lock
	$(UV_COMPILE) $(ARGS) requirements-dev.txt -c requirements.lock -o requirements-dev.lock

run: $(VENV)/.installed
	DEBUG=true $(BIN)/python manage.py migrate --noinput
	DEBUG=true PORT=$(PORT) $(BIN)/python manage.py load_demo
	DEBUG=true MFA_DEMO_OFF=true PORT=$(PORT) WEB_PORT=$(PORT) $(BIN)/honcho --no-colour start --port $(PORT)

test: $(VENV)/.installed
	$(TEST_ENV) $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(TEST_ENV) $(BIN)/python -m pytest $(ARGS)

check: $(VENV)/.installed
	$(BIN)/python .ci/check_dependencies.py
	$(TEST_ENV) $(BIN)/python manage.py check --fail-level WARNING
	$(TEST_ENV) $(BIN)/python manage.py makemigrations --check --dry-run
	$(DEPLOY_ENV) $(BIN)/python manage.py check --deploy --fail-level WARNING

# Speed and memory figures, printed (not pass/fail): make bench, or make bench ARGS=downloads
bench: $(VENV)/.installed
	$(BIN)/python -m bench $(ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
