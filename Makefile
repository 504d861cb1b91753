# The project's one vocabulary of commands: used by the README, .ci/run and developers.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
READY := $(VENV)/.installed

# Rasa phones home and TensorFlow is chatty; neither helps here.
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help venv model run chat tickets schedule test validate nlu-eval bench bench-wechat bench-swap bench-gate lock clean

help:  ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

$(READY): requirements.lock scripts/bootstrap.sh scripts/find-python.sh
	@scripts/bootstrap.sh

venv: $(READY)  ## Build .venv (finds Python 3.10, installs requirements.lock)

model: $(READY)  ## Train the model if it is missing or its inputs changed
	@$(PY) -m bot.cli model

run: $(READY)  ## Start the assistant: Rasa (REST, HTTP API, WeChat), actions, notifier, scheduler; dev mode: fake WeChat + simulator
	@$(PY) -m bot.cli run

chat: $(READY)  ## Talk to a running assistant (make run) in the terminal; AS=<id> to be a given resident
	@$(PY) -m bot.cli chat $(if $(AS),--sender $(AS))

tickets: $(READY)  ## Open tickets, most urgent first (staff steps: python -m bot.cli ticket --help)
	@$(PY) -m bot.cli ticket list --open

schedule: $(READY)  ## Upcoming reception days and reminders (more: python -m bot.cli schedule --help)
	@$(PY) -m bot.cli schedule list

test: $(READY)  ## Run the whole test suite (trains the model once if needed)
	@echo "==> Running the tests (the first run trains the model: about 2 minutes)"
	@$(PY) -m pytest

validate: $(READY)  ## rasa data validate
	@$(VENV)/bin/rasa data validate --data nlu_data --domain domain.yml --config config.yml

nlu-eval: $(READY)  ## 5-fold cross-validation: ours, Rasa's stock pipeline, the linear alternative → reports/
	@$(PY) -m bench.nlu_eval

bench: $(READY)  ## Held-out and blind accuracy, parse latency, training time: ours vs stock vs linear, ours over 3 seeds
	@$(PY) -m bench.nlu_bench

bench-wechat: $(READY)  ## WeChat channel under load vs bare REST → reports/wechat_load.md
	@$(PY) -m bench.wechat_load

bench-swap: $(READY)  ## Switching the model under load: ours vs Rasa's PUT /model → reports/model_swap.md
	@$(PY) -m bench.model_swap

bench-gate: $(READY)  ## How often the retraining gate refuses one harmless example (8 trainings) → reports/gate_noise.md
	@$(PY) -m bench.gate_noise

lock:  ## Re-resolve requirements.in into requirements.lock
	@scripts/lock.sh

clean:  ## Remove .venv, models and reports
	rm -rf $(VENV) models reports .pytest_cache
