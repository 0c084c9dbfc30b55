# Two commands set everything up: `make run` and `make test`. See the README.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
DEV_INSTALLED := $(VENV)/.installed-dev

# The browser tests (e2e/) drive Debian's chromium, never a browser Playwright downloads.
CHROMIUM_PATH ?= /usr/bin/chromium

.PHONY: install install-dev browser clamav dovecot run test lint format check clean bench bench-compare bench-load fuzz fault

# Reinstall only when the requirements change, so a second `make run` starts in seconds.
# `make run` needs only the product (requirements.txt); tests and tools add requirements-dev.txt.
$(INSTALLED): requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $(INSTALLED)

$(DEV_INSTALLED): $(INSTALLED) requirements-dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(DEV_INSTALLED)

install: $(INSTALLED)

install-dev: $(DEV_INSTALLED)

# Only `make test` needs it: `make run` never waits for a browser install.
browser:
	@if [ -x "$(CHROMIUM_PATH)" ]; then exit 0; fi; \
	if [ "$(CHROMIUM_PATH)" = /usr/bin/chromium ] && [ "$$(id -u)" = 0 ]; then \
		echo "== installing Debian's chromium for the browser tests"; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver; \
		test -x /usr/bin/chromium || { echo "apt-get did not install /usr/bin/chromium" >&2; exit 1; }; \
	else \
		echo "The browser tests need Chromium at $(CHROMIUM_PATH), which is missing. Install it with" >&2; \
		echo "  sudo apt-get update && sudo apt-get install -y chromium chromium-driver" >&2; \
		echo "(or set CHROMIUM_PATH to a Chromium binary)." >&2; \
		exit 1; \
	fi

# The virus-scanning tests start their own clamd (Debian's clamav-daemon) on a signature file they write.
# policy-rc.d keeps apt from starting the packaged daemons (freshclam would try to download databases).
CLAMD_PATH ?= /usr/sbin/clamd
clamav:
	@if [ -x "$(CLAMD_PATH)" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
		echo "== installing Debian's clamav-daemon for the virus-scanning tests"; \
		made_policy=; if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; \
			chmod +x /usr/sbin/policy-rc.d; made_policy=1; fi; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends clamav-daemon; \
		status=$$?; [ -z "$$made_policy" ] || rm -f /usr/sbin/policy-rc.d; \
		test $$status = 0 && test -x "$(CLAMD_PATH)" || { echo "apt-get did not install $(CLAMD_PATH)" >&2; exit 1; }; \
	else \
		echo "The virus-scanning tests need clamd at $(CLAMD_PATH), which is missing. Install it with" >&2; \
		echo "  sudo apt-get update && sudo apt-get install -y clamav-daemon" >&2; \
		echo "(or set CLAMD_PATH to a clamd binary)." >&2; \
		exit 1; \
	fi

# The email channel's tests (mailboxes/tests) start a real Dovecot IMAP server on 127.0.0.1.
dovecot:
	@if [ -x /usr/sbin/dovecot ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
		echo "== installing Debian's dovecot-imapd for the email tests"; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y dovecot-imapd; \
		test -x /usr/sbin/dovecot || { echo "apt-get did not install /usr/sbin/dovecot" >&2; exit 1; }; \
	else \
		echo "The email tests need Dovecot, which is missing. Install it with" >&2; \
		echo "  sudo apt-get update && sudo apt-get install -y dovecot-imapd" >&2; \
		exit 1; \
	fi

# Written once, never over an existing one: every command typed in another terminal (manage.py, celery)
# reads it through the settings, with the same development secret. Production sets real variables instead.
.env:
	@printf '# Written once by `make run` for local development. Never use it in production.\nDEBUG=true\nSECRET_KEY=%s\n' \
		"$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')" > .env
	@echo "== wrote .env (DEBUG=true and a generated SECRET_KEY) for local commands"

# exec: make then waits on bin/run itself, which stops its children when make dies (make forwards no signal).
run: install .env
	VENV=$(VENV) exec ./bin/run

test: install-dev browser clamav dovecot
	CLAMD_PATH=$(CLAMD_PATH) $(BIN)/pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check: install-dev
	DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run
	DEBUG=true $(BIN)/python manage.py check

# Reports on a million generated tickets; PostgreSQL only (DATABASE_URL), not part of `make test`.
bench: install-dev
	$(BIN)/python -m bench $(BENCH_ARGS)

# django-helpdesk (pinned, in a virtualenv of its own) beside our ticket API on the same 10k tickets
# (bench/compare); writes BENCHMARKS-compare.md. Needs the 10k desk of `make bench`.
COMPARE_VENV ?= .venv-compare
$(COMPARE_VENV)/.installed: bench/compare/requirements.txt
	@test -x $(COMPARE_VENV)/bin/python || $(PYTHON) -m venv $(COMPARE_VENV)
	$(COMPARE_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r bench/compare/requirements.txt
	@touch $@
bench-compare: install-dev $(COMPARE_VENV)/.installed
	$(BIN)/python -m bench.compare --venv $(COMPARE_VENV) $(COMPARE_ARGS)

# A bounded load run (bench/load): our gunicorn (bin/serve web) and locust headless (in a virtualenv of
# its own, so gevent never enters ours) on 127.0.0.1. LOAD_DESK=1m runs on the million-ticket desk.
LOAD_VENV ?= .venv-load
LOAD_DESK ?= 10k
$(LOAD_VENV)/.installed: bench/load/requirements.txt
	@test -x $(LOAD_VENV)/bin/python || $(PYTHON) -m venv $(LOAD_VENV)
	$(LOAD_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r bench/load/requirements.txt
	@touch $@
bench-load: install-dev $(LOAD_VENV)/.installed
	$(BIN)/python -m bench.load --venv $(LOAD_VENV) --desk $(LOAD_DESK) $(LOAD_ARGS)

# Schemathesis against a live server as a customer and as an admin (fuzz/run.py); exits 1 on any
# server error or schema violation. FUZZ_EXAMPLES: cases per operation and phase (10: ~7,000 per role).
FUZZ_EXAMPLES ?= 10
fuzz: install-dev
	$(BIN)/python -m fuzz.run --examples $(FUZZ_EXAMPLES) $(FUZZ_ARGS)

# Fault runs on 127.0.0.1 (own PostgreSQL, Redis, SMTP sink; see RELIABILITY.md). FAULT_ARGS picks scenarios and sizes.
fault: install-dev
	$(BIN)/python -m faults $(FAULT_ARGS)

clean:
	rm -rf var/test var/screenshots .pytest_cache .ruff_cache
