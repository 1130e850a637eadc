# aidc: the commands the README names. Each target does its own set-up.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PULUMI_VERSION := $(shell sed -n 's/^ *"pulumi==\([0-9.]*\)",/\1/p' pyproject.toml)
AIDC_CACHE ?= $(HOME)/.cache/aidc
PULUMI_BIN := $(AIDC_CACHE)/pulumi-$(PULUMI_VERSION)/bin
# The workflow linter for the CI templates, built from its Go module into the cache.
ACTIONLINT_VERSION := 1.7.7
export AIDC_ACTIONLINT ?= $(AIDC_CACHE)/actionlint-$(ACTIONLINT_VERSION)/actionlint
STACK ?= lab

# Engine settings: local state, no plugin downloads (only package registries are reachable).
export PATH := $(CURDIR)/$(VENV)/bin:$(PULUMI_BIN):$(PATH)
export VIRTUAL_ENV := $(CURDIR)/$(VENV)
export PULUMI_BACKEND_URL ?= file://$(CURDIR)/.aidc/state
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION := true
export PULUMI_SKIP_UPDATE_CHECK := true
# The lab stack's secrets passphrase. Lab only: real stacks use a KMS or service backend.
export PULUMI_CONFIG_PASSPHRASE ?= aidc-lab-only
export AIDC_CACHE
# promtool for the alert-rule tests, unpacked from Debian's package by `make setup`.
export AIDC_PROMTOOL ?= $(AIDC_CACHE)/promtool/usr/bin/promtool

# The aidc.cluster Ansible collection (galaxy.yml) built from this checkout and installed
# where ansible.cfg's collections_path points. Rebuilt when any of its sources changes:
# folders are listed too, so an added or removed file counts.
COLLECTIONS_DIR := .aidc/collections
COLLECTION_INSTALLED := $(COLLECTIONS_DIR)/ansible_collections/aidc/cluster/MANIFEST.json
COLLECTION_SOURCES := galaxy.yml README.md scripts/setup-collection.sh \
	src/aidc/gpu/nvidia_smi.py src/aidc/gpu/microbench.py \
	$(shell find meta roles plugins playbooks -name __pycache__ -prune -o -print 2>/dev/null)

.PHONY: help setup host-deps venv pulumi promtool actionlint hadoop hadoop-lock collection lint typecheck test test-unit \
        test-integration lab lab-down lab-clean-cache bench bench-lab bench-lynis bench-policies bench-slurm bench-spec bench-storage bench-hdfs gpu-check clean

help:
	@echo "make lab       provision and configure the lab cluster, then print a report"
	@echo "make lab-down  destroy the lab cluster"
	@echo "make test      lint, type-check and run every test (integration needs root)"
	@echo "make bench     print benchmark figures"
	@echo "make gpu-check judge this machine's NVIDIA GPUs (needs a GPU, nvidia-smi, PyTorch)"

setup: host-deps venv pulumi promtool actionlint hadoop collection

host-deps:
	@scripts/setup-host.sh

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	@$(VENV)/bin/python -m pip install -q --upgrade pip
	@$(VENV)/bin/python -m pip install -q -e '.[dev]'
	@touch $@

promtool:
	@scripts/setup-promtool.sh >/dev/null

actionlint: $(AIDC_ACTIONLINT)

$(AIDC_ACTIONLINT):
	@GOBIN=$(dir $@) go install github.com/rhysd/actionlint/cmd/actionlint@v$(ACTIONLINT_VERSION)

# HDFS's jars from Maven Central, checked against the lockfile, packed once into the cache
# (the hdfs role copies the tarball to the nodes).
hadoop: venv
	@scripts/setup-hadoop.sh >/dev/null

# Write the lockfile's jar digests anew from what its release resolves to (after a bump).
hadoop-lock: venv
	@scripts/setup-hadoop.sh --lock >/dev/null

pulumi:
	@PULUMI_VERSION=$(PULUMI_VERSION) scripts/setup-pulumi.sh >/dev/null
	@mkdir -p .aidc/state

collection: $(COLLECTION_INSTALLED)

$(COLLECTION_INSTALLED): $(COLLECTION_SOURCES) | $(VENV)/.installed
	@scripts/setup-collection.sh .aidc/build $(COLLECTIONS_DIR) >/dev/null
	@touch $@

lint: venv actionlint
	ruff check src tests stacks scripts plugins roles policies
	mypy
	mypy policies/__main__.py
	python -m aidc.policy.docs --check
	python -m aidc.spec.reference --check
	$(AIDC_ACTIONLINT) src/aidc/scaffold/files/ci/github-actions.yml

typecheck: lint

test: setup lint
	pytest -p no:cacheprovider tests

test-unit: venv
	pytest tests/unit

lab: setup
	aidc lab up --stack $(STACK)

lab-down: setup
	aidc lab down --stack $(STACK)

lab-clean-cache:
	rm -rf "$${AIDC_LAB_ROOT:-/var/lib/aidc/lab}/images"

bench: venv
	python -m tests.bench.aws

bench-lab: setup
	python -m tests.bench.lab

bench-slurm: setup
	python -m tests.bench.slurm $(STACK)

bench-storage: setup
	python -m tests.bench.storage $(STACK)
	python -m tests.bench.hdfs $(STACK)

bench-hdfs: setup
	python -m tests.bench.hdfs $(STACK)

bench-spec: venv
	python -m tests.bench.spec

bench-policies: venv
	python -m tests.bench.policies

bench-lynis: setup
	python -m tests.bench.lynis --stack $(STACK)

# No set-up on purpose: a GPU machine needs only Python 3.10+, PyTorch and nvidia-smi.
gpu-check:
	@scripts/gpu-check.sh $(GPU_CHECK_ARGS)

clean:
	rm -rf $(VENV) .aidc .pytest_cache .mypy_cache .ruff_cache
