# The two commands of the README: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PY := .venv/bin/python
RASA := $(PY) -m rasa
# No usage data leaves the machine (and this network reaches nothing but package registries).
export RASA_TELEMETRY_ENABLED := false

.PHONY: help run test bootstrap train validate dialogue pytest services chromium widget lock bench clean

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

test: bootstrap services chromium widget validate train pytest
	@echo "All checks passed."

# --- the suite, step by step ----------------------------------------------------------------
# The digression list (bot/data/digressions.yml) is written into domain.yml and the rules by
# `make dialogue`; validate fails when they disagree.
validate: bootstrap
	$(PY) -m bot.dialogue.sync --check
	$(RASA) data validate --fail-on-warnings --domain domain.yml --data data --config config.yml

dialogue: bootstrap
	$(PY) -m bot.dialogue.sync

# Unit tests, and integration tests against the real stack (the trained model, the widget):
# the conversation scripts (tests/conversations/) over REST, socket.io and SMS, and the
# digression matrix, instead of `rasa test core` stories (docs/conversation.md says why).
pytest: train widget
	$(PY) -m pytest

# --- maintenance ----------------------------------------------------------------------------
lock: bootstrap
	$(PY) -m pip install -r requirements.in
	$(PY) -m pip freeze --exclude-editable > requirements.txt

# Figures, not tests (docs/performance.md): latency and throughput against Rasa's own
# `rasa init` assistant, NLU cross-validation, entity extraction, the queue, SMS.
bench: train widget
	$(PY) bench/production.py
	$(PY) bench/offscript.py
	$(PY) bench/nlu_crossval.py
	$(PY) bench/nlu_entities.py
	$(PY) bench/nlu_latency.py
	$(PY) bench/queue_bench.py
	$(PY) bench/sms_webhook.py
	$(PY) bench/door_bench.py

clean:
	rm -rf models test-output .pytest_cache
