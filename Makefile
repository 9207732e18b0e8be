# Parallax — the two commands a new user needs are `make demo` and `make test`.
SWIFT      ?= swift
CONFIG     ?= debug
BIN         = .build/$(CONFIG)/parallax
DEMO_OUT   ?= parallax-demo-out

.PHONY: format format-check all deps build release demo test e2e proto proto-check assets assets-check bench bench-fleet eval heldout locality fuzz clean help

all: build

help:
	@echo "make demo        install what is missing, build, replay samples/ through the pipeline"
	@echo "make test        proto and asset checks + all Swift tests + end-to-end runs (OTel Python SDK, fleet via Prometheus, swift-otel, browser)"
	@echo "make e2e         only the end-to-end run (OTel Python SDK -> parallax serve)"
	@echo "make proto       regenerate Sources/COTLP from proto/ with protoc-c"
	@echo "make assets      re-embed the web view's app.css, app.js, favicon.svg (Sources/Server/Web/Assets)"
	@echo "make bench       decode/pairing/ingest benchmarks (release build), see docs/PERFORMANCE.md"
	@echo "make bench-fleet graph latency of a query instance over a 500-service, 5,000-edge fleet in Prometheus"
	@echo "make eval        inference quality on simulated incidents (development set), see docs/INFERENCE.md"
	@echo "make heldout     inference quality on the held-out generator (Benchmarks/heldout), see docs/INFERENCE.md"
	@echo "make locality    inference in a busy estate: alert types x resources + topology (Benchmarks/locality)"
	@echo "make fuzz        libFuzzer, 60 s per target: OTLP protobuf, OTLP/JSON, each alert adapter (make test: 10 s)"

deps:
	@scripts/ensure-deps.sh

build: deps
	$(SWIFT) build -c $(CONFIG) --product parallax

release:
	$(MAKE) build CONFIG=release

demo: build
	$(BIN) demo --samples samples --output $(DEMO_OUT)

test: deps proto-check assets-check
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	scripts/e2e.sh
	scripts/fleet-test.sh
	scripts/swift-otel-e2e.sh
	scripts/browser-test.sh
	scripts/lifecycle-test.sh
	scripts/hostile-test.sh
	scripts/fuzz.sh 10

e2e:
	$(SWIFT) build --product parallax
	scripts/e2e.sh

proto: deps
	Sources/COTLP/regenerate.sh

proto-check: deps
	Sources/COTLP/regenerate.sh --check

assets:
	Sources/Server/Web/Assets/embed.py

assets-check:
	Sources/Server/Web/Assets/embed.py --check

# swift-format with .swift-format (4 spaces, lines up to 150); generated files opt out with
# `// swift-format-ignore-file`. format-check fails on unformatted code.
format:
	swift-format format --in-place --recursive --parallel Package.swift Sources Tests Benchmarks

format-check:
	swift-format lint --strict --recursive --parallel Package.swift Sources Tests Benchmarks

# The benchmark executables are opt-in targets of Package.swift (not in `swift build` / `make test`).
bench eval: export PARALLAX_BENCHMARKS = 1

bench: deps
	@scripts/ensure-deps.sh --bench
	$(SWIFT) build -c release --product parallax-bench
	$(SWIFT) build -c release --product parallax
	.build/release/parallax-bench

bench-fleet: deps
	@scripts/ensure-deps.sh --prometheus
	$(SWIFT) build -c release --product parallax
	scripts/fleet_bench.py --bin .build/release/parallax --prometheus "$$(command -v prometheus)"

eval: deps
	$(SWIFT) run -c release InferenceEval

heldout: deps
	$(SWIFT) build -c release --product parallax
	python3 Benchmarks/heldout/eval_heldout.py

locality: deps
	$(SWIFT) build -c release --product parallax
	python3 Benchmarks/locality/eval_locality.py

fuzz: deps
	scripts/fuzz.sh 60

clean:
	rm -rf .build $(DEMO_OUT)
