# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_ENV := DJANGO_DEBUG=1
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/kepu

.PHONY: install run test lint bench fuzz browser wrk messages clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(DEV_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEV_ENV) $(BIN)/python manage.py load_regions
	$(DEV_ENV) $(BIN)/python manage.py load_demo
	$(DEV_ENV) $(BIN)/python manage.py create_demo_admin
	$(DEV_ENV) $(BIN)/python manage.py demo_accounts
	$(DEV_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

# Debian's chromium drives the browser tests; Playwright cannot download its own here.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# wrk loads the download benchmark (and its one-second smoke run in the tests) over loopback.
wrk:
	@command -v wrk >/dev/null 2>&1 || { \
	  echo "installing wrk for the benchmarks"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

test: install browser wrk
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} $(BIN)/python -m pytest $(PYTEST_ARGS)

# The API fuzzing of `make test`, with many more generated examples per operation.
fuzz: install
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-200} DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} \
	  $(BIN)/python -m pytest tests/test_api_fuzz.py $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: install wrk
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} $(BIN)/python -m bench

messages: install
	$(DEV_ENV) $(BIN)/python manage.py makemessages -l zh_Hans -l en --ignore=.venv --ignore=tests
	$(DEV_ENV) $(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles .pytest_cache
