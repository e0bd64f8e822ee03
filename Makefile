# Grassroots: `make run` serves the demo, `make test` runs every check. Both build .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Re-install only when the lock file changes, so a second `make run` starts at once.
INSTALLED := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help run serve test lint fmt migrate demo lock browser balancer clean mutate bench bench-deps

help:
	@echo "make run    - install, migrate, load demo data, serve http://127.0.0.1:8000 with the worker"
	@echo "make serve  - the same, production's way: DEBUG off, gunicorn, whitenoise, the worker"
	@echo "make test   - ruff, mypy, makemigrations --check and the whole pytest suite"
	@echo "make fmt    - format and fix lint in place"
	@echo "make lock   - re-resolve requirements.lock from pyproject.toml"
	@echo "make browser - install Debian's Chromium for the browser tests (root, apt)"
	@echo "make balancer - install Debian's HAProxy for the scale-out test (root, apt)"
	@echo "make bench  - pages, replies, search on seeded PostgreSQL data, in process and over HTTP"
	@echo "              (var/bench/report.md; BENCH_ARGS=\"--small\" or \"--large\"; not in CI)"
	@echo "make mutate - mutation testing of the rule modules (cosmic-ray; slow, not in CI)"

$(INSTALLED): requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	@touch $@

# The embedded set-up: tasks in the database and `db_worker`, even with REDIS_URL set (which then
# only moves the cache to Redis), unless TASKS_BACKEND says otherwise.
run: export TASKS_BACKEND ?= database
run: $(INSTALLED)
	@mkdir -p var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py demo_data
	@# The web server and the task worker (email), started and stopped together (Ctrl-C).
	$(BIN)/python manage.py email_resume --stale-after 0
	$(BIN)/python tools/run.py 127.0.0.1:8000

# `make serve`: production's shape on this machine. DEBUG is off; gunicorn runs with
# gunicorn.conf.py; whitenoise serves the collected static files (hashed, compressed); the task
# worker runs beside it. What makes it work on plain http at 127.0.0.1 is set for this target only:
# the development secret from var/ (unless SECRET_KEY is set), no redirect to https, cookies
# without the Secure flag, and uploads served by Django. Production sets none of these.
SERVE_ADDRESS ?= 127.0.0.1:8000
VAR_DIR ?= var
SERVE_ENV = DEBUG=0 SECRET_KEY="$${SECRET_KEY:-$$(cat $(VAR_DIR)/secret_key)}" \
	SITE_URL=http://$(SERVE_ADDRESS) SECURE_SSL_REDIRECT=0 SECURE_COOKIES=0 SERVE_MEDIA=1

serve: $(INSTALLED)
	@mkdir -p $(VAR_DIR)
	@# Run with DEBUG on, as `make run` does: that makes var/secret_key the first time.
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py demo_data
	$(BIN)/python manage.py email_resume --stale-after 0
	$(SERVE_ENV) $(BIN)/python manage.py collectstatic --noinput -v0
	@# gunicorn and the task worker, started and stopped together (Ctrl-C).
	$(SERVE_ENV) $(BIN)/python tools/run.py --serve $(SERVE_ADDRESS)

test: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest $(PYTEST_ARGS)

fmt: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrate: $(INSTALLED)
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py demo_data

lock: $(INSTALLED)
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --generate-hashes --extra dev --strip-extras --allow-unsafe \
		--no-emit-index-url --no-emit-find-links -o requirements.lock pyproject.toml

# The browser tests drive Debian's Chromium; Playwright never downloads a browser of its own.
browser:
	@command -v chromium >/dev/null || (apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

# The scale-out test (tests/scaleout) puts Debian's HAProxy in front of two app servers; it runs
# its own haproxy process from deploy/haproxy.cfg, never the packaged service.
balancer:
	@command -v haproxy >/dev/null || (apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends haproxy)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache

# Mutation testing of the modules that hold the rules (docs/mutation.md); slow, so not in CI.
# cosmic-ray (pinned here) stays out of requirements.lock: it brings ~20 packages that `make run`
# and `make test` never need.
MUTATE_ARGS ?=
mutate: $(INSTALLED)
	@$(BIN)/python -c "import cosmic_ray" 2>/dev/null || \
		$(BIN)/python -m pip install --quiet --disable-pip-version-check cosmic-ray==8.7.0
	$(BIN)/python tools/mutate.py $(MUTATE_ARGS)

# The benchmark of issue 12 (tools/bench/): seeds a PostgreSQL database of its own per profile
# (grassroots_bench, grassroots_bench_small, grassroots_bench_large on 127.0.0.1, created if missing,
# reused while it holds the profile), measures every page in process and over HTTP (gunicorn and
# wrk) against this machine's ceiling, and writes var/bench/report.md and var/bench/pages.png.
# matplotlib (the chart) comes from tools/bench-requirements.txt, pinned with hashes, installed only
# when missing; wrk from Debian (bench-deps, root). Not in CI.
BENCH_ARGS ?=
bench: $(INSTALLED)
	@$(BIN)/python -c "import matplotlib" 2>/dev/null || \
		$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes \
			--only-binary=:all: -r tools/bench-requirements.txt
	@case " $(BENCH_ARGS) " in *" --skip-http "*) ;; *) command -v wrk >/dev/null || $(MAKE) bench-deps;; esac
	$(BIN)/python -m tools.bench $(BENCH_ARGS)

# wrk, the load generator `make bench` drives gunicorn with: Debian's package (root, apt).
bench-deps:
	@command -v wrk >/dev/null || (apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk)
