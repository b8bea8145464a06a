# The two entry points a new user needs; each sets itself up first (scripts/install.sh).
VENV ?= .venv
STAMP := $(VENV)/.installed

.PHONY: demo test install

install: $(STAMP)

$(STAMP): pyproject.toml scripts/install.sh
	VENV=$(VENV) bash scripts/install.sh
	touch $@

test: $(STAMP)
	$(VENV)/bin/ruff check --no-cache .
	$(VENV)/bin/ruff format --check --no-cache .
	$(VENV)/bin/python -m mypy
	$(VENV)/bin/python -m pytest -q -p no:cacheprovider

demo: $(STAMP)
	bash scripts/demo.sh
