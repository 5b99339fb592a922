# The two commands of the README: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PY := .venv/bin/python
RASA := $(PY) -m rasa
# No usage data leaves the machine (and this network reaches nothing but package registries).
export RASA_TELEMETRY_ENABLED := false

.PHONY: help run test bootstrap train validate pytest stories services chromium widget lock bench clean

help:
	@echo "make run    set up if needed, train if inputs changed, start the whole stack"
	@echo "make test   set up if needed, then the whole test suite"

# --- set-up -------------------------------------------------------------------------------
.venv/.installed: requirements.txt scripts/bootstrap.sh
	@scripts/bootstrap.sh

bootstrap: .venv/.installed

train: bootstrap
	@$(PY) scripts/train.py

services:
	@scripts/ensure-services.sh

chromium:
	@scripts/ensure-chromium.sh

# The chat widget (widget/ -> bot/web/static/widget/): npm ci and esbuild, only when changed.
widget:
	@scripts/build-widget.sh

# --- the two commands -----------------------------------------------------------------------
run: train widget
	@$(PY) -m bot.stack

test: bootstrap services chromium widget validate train pytest stories
	@echo "All checks passed."

# --- the suite, step by step ----------------------------------------------------------------
validate: bootstrap
	$(RASA) data validate --fail-on-warnings --domain domain.yml --data data --config config.yml

# Unit tests, and integration tests against the real stack (the trained model, the widget).
pytest: train widget
	$(PY) -m pytest

# The test stories' dates and entity values are written for this day (the one clock).
STORIES_TODAY := 2026-11-27
stories: train
	INTAKE_TODAY=$(STORIES_TODAY) $(RASA) test core --stories tests/stories --model models/intake.tar.gz \
		--fail-on-prediction-errors --out test-output/stories

# --- maintenance ----------------------------------------------------------------------------
lock: bootstrap
	$(PY) -m pip install -r requirements.in
	$(PY) -m pip freeze --exclude-editable > requirements.txt

# Figures, not tests (docs/performance.md): latency and throughput against Rasa's own
# `rasa init` assistant, NLU cross-validation, entity extraction, the queue, SMS.
bench: train widget
	$(PY) bench/production.py
	$(PY) bench/nlu_crossval.py
	$(PY) bench/nlu_entities.py
	$(PY) bench/nlu_latency.py
	$(PY) bench/queue_bench.py
	$(PY) bench/sms_webhook.py
	$(PY) bench/door_bench.py

clean:
	rm -rf models test-output .pytest_cache
