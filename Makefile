# Hublot's commands. `make help` lists them.
#   make run    prepare the host and bring the whole stack up (see README)
#   make test   every test of the project: Swift, Python, shell
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

ROOT      := $(CURDIR)
VENV      := $(ROOT)/.venv
PY        := $(VENV)/bin/python
INIT      := $(VENV)/bin/hublot-init
MODELS    := $(ROOT)/.cache/models
REFERENCE := $(ROOT)/.cache/reference
PHOTOS    ?= $(ROOT)/samples
SWIFT     ?= swift

# Local build inputs for the images, when this machine has them (offline sites).
export HUBLOT_SWIFT_TOOLCHAIN ?= $(if $(wildcard /opt/swift/usr/bin/swift),/opt/swift)
export HUBLOT_SWIFT_PACKAGES  ?= $(if $(wildcard /opt/swift-packages/*),/opt/swift-packages)

# Fixtures the Swift and Python tests read (docs/architecture.md).
export HUBLOT_TEST_MODELS    := $(MODELS)
export HUBLOT_TEST_REFERENCE := $(REFERENCE)
export HUBLOT_TEST_PHOTOS    := $(PHOTOS)
export HUBLOT_BIN_DIR        := $(ROOT)/.build/debug

.PHONY: help run setup host venv models reference build build-release test test-swift test-python test-shell test-containers test-student course-check lint clean bench bench-explain bench-cache soak

help: ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

run: setup ## prepare this host and bring the whole stack up on http://localhost:8080
	docker compose up -d --wait
	@echo "==> Hublot is up: open http://localhost:$${HUBLOT_FRONT_PORT:-8080}"

setup: ## prepare this host: a Docker engine with buildx and Compose v2, ./preload -d --yes (the course's packages, Swift, ONNX Runtime, .venv, base and project images), then the test tools
	$(ROOT)/scripts/docker-engine
	$(ROOT)/preload -d --yes
	$(ROOT)/scripts/setup-host --tests

host: ## host packages, ONNX Runtime and the test tools (scripts/setup-host --tests)
	$(ROOT)/scripts/setup-host --tests

venv: ## the Python environment .venv (hublot-init + test tools)
	$(ROOT)/scripts/setup-venv

models: venv ## prepare the embedded default model into .cache/models
	$(INIT) prepare efficientnet_lite0 --repo $(MODELS) --parity-images $(PHOTOS)/cat.jpg $(PHOTOS)/banana.jpg

reference: models ## reference tensors for the Swift parity tests (.cache/reference)
	@if [ $(REFERENCE)/reference.json -nt $(MODELS)/efficientnet_lite0/model.json ]; then \
	  echo "==> reference tensors up to date ($(REFERENCE))"; \
	else \
	  $(INIT) reference --model efficientnet_lite0 --repo $(MODELS) --out $(REFERENCE) $(PHOTOS)/*.jpg; \
	fi

build: ## debug build of every target and test, failing on any warning in our code
	$(SWIFT) build --build-tests 2>&1 | tee $(ROOT)/.cache/swift-build.log
	@if grep -E '^$(ROOT)/(Sources|Tests)/.*warning:' $(ROOT)/.cache/swift-build.log; then \
	  echo "error: the build has warnings (above)"; exit 1; fi

build-release: ## release build of the executables (Swift stdlib linked in: the images of cp3-cp6 copy them)
	$(SWIFT) build -c release --static-swift-stdlib --product hublot
	$(SWIFT) build -c release --static-swift-stdlib --product hublot-classifier
	$(SWIFT) build -c release --static-swift-stdlib --product hublot-front

# The student machine's smoke (preload -d on a fresh Debian 12) mostly downloads and
# unpacks: make test runs it beside the CPU-bound fixtures, build and tests, and
# waits for it at the end (its log: STUDENT_LOG).
STUDENT_LOG := $(ROOT)/.cache/student-machine.log

test: export HUBLOT_ENGINE_MARKER := $(ROOT)/.cache/docker-engine-started-by-make-test
test: ## run every test (Swift, Python, shell, containers, the student machine's smoke) after `make setup`; stops the Docker engine after if it started it, even when the setup fails
	@mkdir -p $(ROOT)/.cache; \
	  if ! $(MAKE) --no-print-directory setup; then \
	    echo "error: make setup failed (above)"; $(ROOT)/scripts/docker-engine --stop-if-started; exit 1; fi; \
	  status=0; \
	  echo "==> beside the build: the student machine's smoke (tests/course/student-machine --steps \"\", log $(STUDENT_LOG))"; \
	  $(ROOT)/tests/course/student-machine --steps "" >$(STUDENT_LOG) 2>&1 & smoke=$$!; \
	  $(MAKE) --no-print-directory models reference build test-shell test-swift test-python fuzz-smoke-images test-containers || status=$$?; \
	  if wait $$smoke; then tail -n 6 $(STUDENT_LOG); \
	  else echo "error: the student machine's smoke failed ($(STUDENT_LOG), end below)"; tail -n 80 $(STUDENT_LOG); status=1; fi; \
	  $(ROOT)/scripts/docker-engine --stop-if-started; exit $$status

test-student: ## ./preload -d --yes on a fresh Debian 12 in a privileged container (tests/course/student-machine; make test runs it beside the build)
	$(ROOT)/scripts/docker-engine --start
	$(ROOT)/tests/course/student-machine --steps ""

test-swift: ## Swift tests (needs `make build models reference`)
	$(SWIFT) test --skip-build

test-python: ## hublot-init and end-to-end tests (pytest)
	$(PY) -m pytest -q --durations=15 init/tests tests bench/tests --ignore=tests/checkpoints --ignore=tests/compose --ignore=tests/swarm

test-containers: ## checkpoints cp1-cp8 (their go scripts, cp1/cp2 also from their exports), the Compose stack and the Swarm stack on a single-node swarm (Docker; images built once)
	$(ROOT)/scripts/docker-engine --start
	$(ROOT)/scripts/base-images
	$(PY) -m pytest -q -rA --durations=20 tests/checkpoints tests/compose $(wildcard tests/swarm)

course-check: venv ## the whole course: every step from its own export (scripts/course-check), then cp1-cp6 on a fresh Debian 12 (tests/course/student-machine); about 50 min, not part of make test
	$(ROOT)/scripts/docker-engine --start
	$(ROOT)/scripts/base-images
	$(ROOT)/scripts/course-check
	$(ROOT)/tests/course/student-machine


test-shell: lint-shell ## shell script tests (bats)
	@if compgen -G "tests/shell/*.bats" >/dev/null; then bats tests/shell; else echo "no bats tests"; fi

lint: lint-shell build ## shellcheck + a warning-free Swift build

lint-shell:
	@files=$$(git ls-files -z | xargs -0 grep -lE '^#!/usr/bin/env bash|^#!/bin/bash' --); \
	for f in $$files; do bash -n "$$f"; done; shellcheck $$files; echo "==> shell scripts: bash -n and shellcheck clean ($$(echo $$files | wc -w) files)"

soak: setup ## soak the Compose stack: 100,000 mixed good and hostile requests, RSS and fds sampled (tests/soak/run; not part of make test)
	$(ROOT)/tests/soak/run

# efficientnet_lite0's int8 top-1 agreement with fp32 is below hublot-init's default threshold (98 %): init/README.md.
BENCH_INT8_MIN_TOP1 ?= 85
bench: models build-release ## benchmarks: Hublot vs the seed's design and FastAPI+ORT, fp32 and int8 (bench/run; ~35 min; not part of make test)
	flock $(VENV).lock $(VENV)/bin/pip install -q -r $(ROOT)/bench/requirements.txt
	$(SWIFT) build -c release --static-swift-stdlib --product hublot-bench-pipeline
	$(VENV)/bin/hublot-init prepare efficientnet_lite0_int8 --repo $(ROOT)/.cache/models --min-top1-agreement $(BENCH_INT8_MIN_TOP1)
	$(ROOT)/scripts/docker-engine --start
	$(ROOT)/bench/run --readme

bench-explain: models ## occlusion maps: ms per map at grid 7 and 14, classifications' latency with and without maps (bench/explain; ~5 min; not part of make test)
	$(SWIFT) build -c release --static-swift-stdlib --product hublot-classifier
	$(ROOT)/bench/explain

bench-cache: models ## response cache: img/s and latency with and without it, on 20 photos sent again and on all-new images (bench/cache; ~3 min; not part of make test)
	$(SWIFT) build -c release --static-swift-stdlib --product hublot-classifier
	$(ROOT)/bench/cache

bench-transport: models reference ## HTTP JSON, HTTP binary tensors and gRPC on cat.jpg and a preprocessed tensor, c = 1, 8, 32 (bench/transport with h2load; ~5 min; not part of make test)
	$(SWIFT) build -c release --static-swift-stdlib --product hublot-classifier
	$(VENV)/bin/python $(ROOT)/bench/transport

clean: ## remove build products and fixtures (keeps .venv)
	rm -rf $(ROOT)/.build $(ROOT)/.cache

# Fuzzing and sanitizers (docs/fuzzing.md).
.PHONY: fuzz fuzz-smoke fuzz-smoke-images test-asan test-tsan
FUZZ_SECONDS ?= 600
FUZZ_JOBS    ?= 1

fuzz: ## libFuzzer harnesses of the parsers, FUZZ_SECONDS each (default 600; FUZZ_JOBS); corpora and crashes in .cache/fuzz
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_JOBS=$(FUZZ_JOBS) $(ROOT)/scripts/fuzz run

fuzz-smoke: ## every fuzzing harness for 30 s; fails on any crash
	$(ROOT)/scripts/fuzz smoke

fuzz-smoke-images: ## the image harnesses (JPEG, PNG) for 30 s each: the fuzzing smoke of make test
	$(ROOT)/scripts/fuzz smoke FuzzJPEG FuzzPNG

test-asan: ## the Swift tests under AddressSanitizer (scratch path .build-asan; needs `make models reference`)
	$(ROOT)/scripts/sanitizers address

test-tsan: ## the Swift tests under ThreadSanitizer (scratch path .build-tsan; needs `make models reference`)
	$(ROOT)/scripts/sanitizers thread
