# tracehound: the two commands a new machine needs are `make run` and `make test` (README.md).
# Every target that builds first runs scripts/bootstrap, which installs only the Debian packages still missing.

SWIFT      ?= swift
PREFIX     ?= /usr/local
DESTDIR    ?=
CONFIG     ?= etc/tracehound/tracehound.yaml
COLLECTOR_CONFIG ?= etc/tracehound/collector.yaml
# Warnings are errors in the test build, so a warning cannot land unnoticed.
TEST_FLAGS ?= -Xswiftc -warnings-as-errors
# The toolchain's llvm-cov: Debian's own reads an older profile format than swift writes.
LLVM_COV   ?= $(shell dirname "$$(readlink -f "$$(command -v $(SWIFT))")")/llvm-cov
BIN        := .build/debug
RELEASE    := .build/release

.PHONY: all bootstrap build release run test lint format coverage bench install clean

all: build

bootstrap:
	@scripts/bootstrap

build: bootstrap
	$(SWIFT) build

release: bootstrap
	$(SWIFT) build -c release

# The main job: the collector on embedded SQLite and the daemon on loopback, data under ./var (scripts/run-local).
run: release
	scripts/run-local

lint:
	$(SWIFT) format lint --strict --recursive --configuration .swift-format Package.swift Sources Tests

format:
	$(SWIFT) format --in-place --recursive --configuration .swift-format Package.swift Sources Tests

test: bootstrap lint
	$(SWIFT) test $(TEST_FLAGS)

# Line coverage per file, for the spool, the tailer and the collector (STYLE.md).
coverage: bootstrap
	$(SWIFT) test --enable-code-coverage
	$(LLVM_COV) report $$($(SWIFT) build --show-bin-path)/tracehoundPackageTests.xctest \
		-instr-profile=$$($(SWIFT) build --show-bin-path)/codecov/default.profdata \
		-ignore-filename-regex='(\.build|Tests)/'

# The detection core against its baselines (lz4 -1, grep -E, a bare vectorscan scan), measured in one run.
# SIZE, SUSPICIOUS and FORMAT pass through (default 1GiB, 0.005, claude-code); see BENCHMARKS.md.
bench:
	@scripts/bootstrap --bench
	$(SWIFT) build -c release
	bench/run.sh
	bench/collector.sh

install: release
	install -d -m 0755 $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(RELEASE)/tracehound $(RELEASE)/tracehound-collector $(DESTDIR)$(PREFIX)/bin/
	install -d -m 0755 $(DESTDIR)/etc/tracehound/rules.d
	test -e $(DESTDIR)/etc/tracehound/tracehound.yaml || install -m 0644 etc/tracehound/tracehound.yaml $(DESTDIR)/etc/tracehound/
	test -e $(DESTDIR)/etc/tracehound/collector.yaml || install -m 0644 etc/tracehound/collector.yaml $(DESTDIR)/etc/tracehound/
	@echo "make install: binaries and configs installed; systemd units arrive with issue 7."

clean:
	$(SWIFT) package clean
