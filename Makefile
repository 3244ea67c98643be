# Everything a fresh machine with Go and kubectl needs is built from here.
SHELL := /usr/bin/env bash
.SHELLFLAGS := -eu -o pipefail -c

GO      ?= go
BIN     := $(CURDIR)/bin
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo v0.0.0-dev)
COMMIT  ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS := -s -w -X github.com/projsecret/projsecret/internal/version.Version=$(VERSION) \
           -X github.com/projsecret/projsecret/internal/version.Commit=$(COMMIT)

# The real control plane: kube-apiserver and etcd built from the module proxy
# in their own module, stamped with the Kubernetes version they come from.
KUBE_VERSION        := v1.37.2
CONTROLPLANE        := $(BIN)/controlplane
export KUBEBUILDER_ASSETS := $(CONTROLPLANE)
CONTROLPLANE_LDFLAGS := -s -w -X k8s.io/component-base/version.gitVersion=$(KUBE_VERSION) \
           -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=37 \
           -X k8s.io/component-base/version.gitTreeState=clean

.PHONY: all build controlplane chromium zsh check test test-unit test-integration demo dev-cluster vet clean dist krew-manifest test-krew test-fuzz webhook-certs \
	image push bundles release lint-workflows

all: build

build: $(BIN)/kubectl-projsecret $(BIN)/projsecret-webhook

$(BIN)/kubectl-projsecret: FORCE
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $@ ./cmd/kubectl-projsecret

$(BIN)/projsecret-webhook: FORCE
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $@ ./cmd/projsecret-webhook

controlplane: $(CONTROLPLANE)/kube-apiserver $(CONTROLPLANE)/etcd

# Built once (about 5 to 10 minutes cold on 2 cores), then only when the
# control-plane module changes.
$(CONTROLPLANE)/kube-apiserver $(CONTROLPLANE)/etcd &: tools/controlplane/go.mod tools/controlplane/go.sum
	cd tools/controlplane && $(GO) build -trimpath -ldflags '$(CONTROLPLANE_LDFLAGS)' -o $(CONTROLPLANE)/ ./kube-apiserver ./etcd

# Debian's chromium, for the console's browser tests (test/integration
# console_test.go drives it headless); installed once when missing.
chromium:
	@if [ ! -x /usr/bin/chromium ]; then apt-get update && apt-get install -y chromium; fi

# Debian's zsh: env output is sourced by sh, bash and zsh in the tests
# (internal/entryfile, test/integration), since each expands differently.
zsh:
	@if [ ! -x /usr/bin/zsh ]; then apt-get update && apt-get install -y zsh; fi

vet: $(BIN)/tools/staticcheck
	$(GO) vet ./...
	$(GO) vet -tags integration ./...
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './bin/*')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted" >&2; exit 1; fi
	$(BIN)/tools/staticcheck ./...
	$(BIN)/tools/staticcheck -tags integration ./test/...

# staticcheck, pinned and built from the module proxy like the other tools.
STATICCHECK_VERSION := v0.8.2
$(BIN)/tools/staticcheck:
	GOBIN=$(BIN)/tools $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

# The CI and release workflows, checked by actionlint, pinned and built from
# the module proxy like staticcheck.
ACTIONLINT_VERSION := v1.7.12
$(BIN)/tools/actionlint:
	GOBIN=$(BIN)/tools $(GO) install github.com/rhysd/actionlint/cmd/actionlint@$(ACTIONLINT_VERSION)

lint-workflows: $(BIN)/tools/actionlint
	$(BIN)/tools/actionlint -color=false .github/workflows/*.yml

# Before every commit, a few minutes warm: formatting, vet, staticcheck,
# go.mod and go.sum tidy, and the unit tests under the race detector (the
# client, the webhook's limiter and listener and the console are concurrent).
.PHONY: check tidy-check contract-deps
check: vet tidy-check contract-deps zsh
	$(GO) test -race -count=1 ./...

# go mod tidy -diff exits non-zero and prints the diff when go.mod or
# go.sum is not tidy; it changes nothing.
tidy-check:
	$(GO) mod tidy -diff

# The contract (the root package) must stay importable with k8s.io/api and
# apimachinery alone, so that a third party can validate project Secrets
# without client-go; the client lives in store/ (docs/contract.md).
contract-deps:
	@n=$$($(GO) list -deps . | grep -c '^k8s.io/client-go' || true); \
	if [ "$$n" != 0 ]; then \
		echo "contract-deps: the root package imports $$n k8s.io/client-go package(s), expected none: move the code that needs them to store/ (see go list -deps . and docs/contract.md)" >&2; \
		exit 1; \
	fi

# The whole suite: what .ci/run runs and the README names.
test: check lint-workflows test-fuzz test-integration test-krew

test-unit: zsh
	$(GO) test -count=1 ./...

# Test artifacts (the console's screenshot) are kept in $(ARTIFACTS).
ARTIFACTS ?= $(CURDIR)/test-artifacts
# The image is built first: its linux/amd64 binary is the webhook that
# TestImage runs (and its arm64 build warms the cache test-krew uses).
test-integration: controlplane build chromium zsh image
	mkdir -p $(ARTIFACTS)
	PROJSECRET_IMAGE_ARCHIVE='$(IMAGE_ARCHIVE)' $(GO) test -count=1 -tags integration -timeout 30m -artifacts -outputdir $(ARTIFACTS) ./test/integration/...

# Each fuzz target for a short while, starting from its committed seed
# corpus (testdata/fuzz); a failure leaves the input there to commit.
# Minimizing is capped by runs, not time: a slow input would otherwise
# spend the whole budget being minimized.
FUZZTIME ?= 10s
test-fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzServeHTTP$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 100x ./webhook
	$(GO) test -run '^$$' -fuzz '^FuzzReview$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 100x ./webhook
	$(GO) test -run '^$$' -fuzz '^FuzzParseEntries$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 100x .
	$(GO) test -run '^$$' -fuzz '^FuzzPolicyInvariants$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 100x .
	$(GO) test -run '^$$' -fuzz '^FuzzHistoryPolicyInvariants$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 100x .
	$(GO) test -run '^$$' -fuzz '^FuzzFastTimestamp$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 100x .
	$(GO) test -run '^$$' -fuzz '^FuzzRoundTrip$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 100x ./internal/entryfile
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 100x ./internal/entryfile

# A longer fuzzing campaign over the same targets: make fuzz FUZZTIME=10m
.PHONY: fuzz
fuzz: test-fuzz

# Mutation testing (not part of make test): each mutant of the contract and
# client (the root package) and of the webhook adapter (webhook/, with
# webhook/certs) is run against its own package's unit tests only, so a rule
# is counted as tested only where its own tests catch it. One gremlins run
# per package, so each prints its own score. gremlins gives each mutant's
# tests a budget of the coverage run's time times the coefficient;
# GOFLAGS=-count=1 keeps that run from being a cached result of a few
# seconds, which timed out most mutants before they were judged.
# gremlins is built from the module proxy like Krew's tools.
GREMLINS_VERSION := v0.6.0
$(BIN)/tools/gremlins:
	GOBIN=$(BIN)/tools $(GO) install github.com/go-gremlins/gremlins/cmd/gremlins@$(GREMLINS_VERSION)

GREMLINS := GOFLAGS=-count=1 $(BIN)/tools/gremlins unleash --workers 2 --timeout-coefficient 4
# Then hack/clausemut, for what gremlins never mutates: each clause of an
# &&/|| removed, each if or tagless case negated, each statement deleted,
# over the files that hold the rules, the envelope, the entry files and the
# plugin's value input (docs/testing.md has the scores and what lived).
CLAUSEMUT := $(GO) run ./hack/clausemut -workers 2
.PHONY: mutation clausemut
mutation: $(BIN)/tools/gremlins
	$(GREMLINS) -E '^(plugin|webhook|console|bench|cmd|hack|internal|test)/' .
	$(GREMLINS) ./webhook
	$(MAKE) clausemut

clausemut:
	$(CLAUSEMUT) -files policy.go,validate.go,size.go,errors.go,keys.go,entries.go,owners.go,contract.go,text.go,release.go .
	$(CLAUSEMUT) -files webhook/envelope.go ./webhook
	$(CLAUSEMUT) ./internal/entryfile
	$(CLAUSEMUT) -files plugin/value.go ./plugin

# The command reference in docs/commands, generated from the cobra tree
# (internal/reference); make check fails when it is stale.
.PHONY: docs
docs:
	rm -rf docs/commands
	$(GO) run ./hack/reference -markdown docs/commands

# The webhook's certificate for manifests/overlays/self-signed; run again to
# rotate it (the CA kept in generated/ is reused, so caBundle stays).
webhook-certs:
	$(GO) run ./cmd/projsecret-certs --out-dir manifests/overlays/self-signed/generated

# Release: reproducible archives for every platform in hack/platforms.txt (the
# one list of them), and the Krew manifest that points at them (README "Release").
DIST          ?= $(CURDIR)/dist
KREW_MANIFEST ?= $(CURDIR)/krew/projsecret.yaml
SUMS          ?= $(DIST)/kubectl-projsecret_$(VERSION)_checksums.txt
TOOLS         := $(BIN)/tools
KREW_VERSION  := v0.4.3

dist:
	VERSION='$(VERSION)' COMMIT='$(COMMIT)' LDFLAGS='$(LDFLAGS)' DIST='$(DIST)' GO='$(GO)' ./hack/dist.sh

krew-manifest:
	$(GO) run ./hack/distpack manifest -o '$(KREW_MANIFEST)' -platforms hack/platforms.txt \
		-template krew/projsecret.yaml.tmpl -sums '$(SUMS)' -version '$(VERSION)'
	@echo "krew-manifest: wrote $(KREW_MANIFEST) for $(VERSION)"

# The webhook image (docs/install.md): the binary cross-compiled for each
# platform as hack/dist.sh compiles the plugin (so they share Go's build
# cache), then hack/image puts each alone on an empty base and writes one
# OCI index for all of them as an OCI image layout archive, with its digest
# and an SBOM per binary beside it. Every timestamp is the commit time, so
# two builds of one commit give the same digest. No container engine.
IMAGE             ?= ghcr.io/projsecret/projsecret-webhook
IMAGE_SOURCE      ?= https://github.com/projsecret/projsecret
IMAGE_PLATFORMS   := linux/amd64 linux/arm64
IMAGE_ARCHIVE     ?= $(DIST)/projsecret-webhook-$(VERSION).oci.tar
IMAGE_BIN         := $(BIN)/image
REVISION          ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null)

image:
	@[[ '$(SOURCE_DATE_EPOCH)' =~ ^[0-9]+$$ ]] || { echo "image: cannot read the commit time from git; set SOURCE_DATE_EPOCH (unix seconds)" >&2; exit 1; }
	for p in $(IMAGE_PLATFORMS); do \
	  CGO_ENABLED=0 GOOS=$${p%/*} GOARCH=$${p#*/} GOAMD64=v1 GOARM64=v8.0 \
	    $(GO) build -trimpath -ldflags '$(LDFLAGS) -buildid=' -o '$(IMAGE_BIN)'/$${p/\//-}/projsecret-webhook ./cmd/projsecret-webhook; \
	  $(GO) run ./hack/image sbom -created '$(SOURCE_DATE_EPOCH)' -version '$(VERSION)' \
	    -o '$(DIST)'/projsecret-webhook_$(VERSION)_$${p/\//_}.spdx.json '$(IMAGE_BIN)'/$${p/\//-}/projsecret-webhook; \
	done
	$(GO) run ./hack/image build -o '$(IMAGE_ARCHIVE)' -digest-file '$(DIST)/projsecret-webhook-$(VERSION).digest' \
		-name '$(IMAGE)' -version '$(VERSION)' -revision '$(REVISION)' -source '$(IMAGE_SOURCE)' -created '$(SOURCE_DATE_EPOCH)' \
		$(foreach p,$(IMAGE_PLATFORMS),$(p)='$(IMAGE_BIN)/$(subst /,-,$(p))/projsecret-webhook')

# make push IMAGE=registry.example.com/projsecret-webhook: the index, its
# manifests and blobs, tagged with the version; credentials from the docker
# config and its credential helpers. Prints the reference by digest.
push: image
	$(GO) run ./hack/image push -archive '$(IMAGE_ARCHIVE)' -image '$(IMAGE)' -digest-file '$(DIST)/projsecret-webhook-$(VERSION).pushed'

# One install bundle per overlay, rendered by kubectl's kustomize with the
# image set to IMAGE@sha256:<the index digest>.
bundles: image
	$(GO) run ./hack/image bundles -archive '$(IMAGE_ARCHIVE)' -image '$(IMAGE)' -manifests manifests -o '$(DIST)'

# Everything a release uploads, into $(DIST): the plugin archives, their
# checksums and SBOMs, the Krew manifest, the image archive, its digest and
# SBOMs, and the install bundles. Pushing and publishing are left to
# .github/workflows/release.yml (make push, then the upload).
release: dist image bundles
	$(MAKE) --no-print-directory krew-manifest KREW_MANIFEST='$(DIST)/projsecret.yaml'
	@echo "release: $(VERSION) in $(DIST)"; ls -l '$(DIST)'

# Krew and its manifest validator, built from the module proxy outside our go.mod.
$(TOOLS)/krew $(TOOLS)/validate-krew-manifest &:
	GOBIN=$(TOOLS) $(GO) install sigs.k8s.io/krew/cmd/krew@$(KREW_VERSION) sigs.k8s.io/krew/cmd/validate-krew-manifest@$(KREW_VERSION)

# dist twice (identical checksums), the validator, and a real offline Krew
# install, run and uninstall of the linux/amd64 archive. The first run
# cross-compiles four foreign platforms: expect 20 to 40 minutes cold on two
# cores, a few minutes once Go's build cache is warm.
test-krew: $(TOOLS)/krew $(TOOLS)/validate-krew-manifest
	KREW_TOOLS=$(TOOLS) $(GO) test -count=1 -tags integration -timeout 90m ./test/krew/...

# A local real control plane and webhook for trying the plugin; Ctrl-C stops them.
dev-cluster: controlplane build $(BIN)/devcluster
	$(BIN)/devcluster -webhook $(BIN)/projsecret-webhook

$(BIN)/devcluster: FORCE
	$(GO) build -o $@ ./hack/devcluster

# The main job end to end: the SDK flow through `kubectl projsecret` on a real API server,
# then the real webhook (over TLS, registered through manifests/base) denying writes.
demo: controlplane build $(BIN)/devcluster
	./hack/demo.sh

# Benchmarks on the real control plane, not part of `make test`: admission
# overhead, webhook cost per review, plugin speed, scale and contention, one
# Markdown table per part, printed and written to bench-results/. Its run
# time is in the README (Benchmarks); BENCH_FLAGS tunes it (go run ./bench -h).
.PHONY: bench bench-console
bench: controlplane build bench-console
	$(GO) run -ldflags '-X github.com/projsecret/projsecret/internal/version.Version=$(VERSION) -X github.com/projsecret/projsecret/internal/version.Commit=$(COMMIT)' \
		./bench -plugin $(BIN)/kubectl-projsecret -webhook $(BIN)/projsecret-webhook -out bench-results $(BENCH_FLAGS)

# The console's project page with 1,000 entries: the server's time (fake
# clientset) and the load time in headless chromium (real API server).
bench-console: controlplane build chromium
	$(GO) test -run '^$$' -bench ProjectPage -benchtime 20x ./console
	$(GO) test -tags integration -run '^$$' -bench ConsoleProjectPage -benchtime 5x ./test/integration/

clean:
	rm -rf $(BIN) dist

FORCE:
