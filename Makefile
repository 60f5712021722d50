# Everything built or downloaded lives under .cache (module cache, build
# cache, binaries, the rock, packed charms), so re-runs are incremental.
CACHE    := $(CURDIR)/.cache
BIN      := $(CACHE)/bin
CHARMS   := $(CACHE)/charms
ROCK     := $(CACHE)/rock
UIROCK   := $(CACHE)/uirock
export GOMODCACHE := $(CACHE)/gomod
export GOCACHE    := $(CACHE)/gobuild
export GOFLAGS    := -buildvcs=false
export GOTOOLCHAIN := local
export PATH := /usr/local/go/bin:$(PATH)

CHARM    := temporal-k8s.charm
GO_SRC   := $(shell find cmd internal -name '*.go' -not -name '*_test.go') go.mod go.sum

LM       := tests/localmodel
IT       := tests/integration
LM_SRC   := $(shell find $(LM) -name '*.go' -not -name '*_test.go') $(LM)/go.mod $(LM)/go.sum
LM_ENV   := LOCALMODEL_BIN=$(BIN)/localmodel LOCALMODEL_CHARMS=$(CHARMS) \
            LOCALMODEL_PEBBLE=$(BIN)/pebble LOCALMODEL_ROCK=$(ROCK) LOCALMODEL_UI_ROCK=$(UIROCK) \
            TEMPORAL_K8S_CHARM=$(CURDIR)/$(CHARM)

.PHONY: all deps charm check test unit localmodel rock charms walkthrough \
        test-localmodel test-integration bench mutation staticcheck lint clean

all: charm

# Debian packages the local model and the tests need. Safe to re-run.
deps:
	@command -v go >/dev/null || { echo "go 1.26.5 or newer is required on PATH (e.g. /usr/local/go/bin)"; exit 1; }
	@dpkg -s postgresql prometheus chromium iproute2 zip nginx >/dev/null 2>&1 || \
		{ apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql prometheus chromium iproute2 zip nginx; }

# A static, stripped dispatch zipped with the charm's metadata: the same
# layout charmcraft packs, without needing charmcraft.
$(CACHE)/charm/dispatch: $(GO_SRC)
	@mkdir -p $(@D)
	CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o $@ ./cmd/temporal-k8s

$(CHARM): $(CACHE)/charm/dispatch metadata.yaml config.yaml actions.yaml
	cp metadata.yaml config.yaml actions.yaml $(CACHE)/charm/
	printf 'bases:\n- name: ubuntu\n  channel: "24.04"\n  architectures: [amd64]\n' > $(CACHE)/charm/manifest.yaml
	rm -f $@.tmp && cd $(CACHE)/charm && zip -q -X $(CURDIR)/$@.tmp dispatch metadata.yaml config.yaml actions.yaml manifest.yaml
	mv $@.tmp $@

charm: $(CHARM)

check:
	go vet ./...
	@test -z "$$(gofmt -l cmd internal)" || { gofmt -l cmd internal; echo "gofmt: files above need formatting"; exit 1; }

# internal/workload's tests run the same scenarios against a real Pebble.
unit: check $(BIN)/pebble
	TEMPORAL_K8S_PEBBLE=$(BIN)/pebble go test -race ./...
	go -C tests/mutation test -race ./...

# The local model: its CLI, a static Pebble for the workload containers,
# the temporal-server and temporal-ui rocks, and a charm repository holding
# this charm and the stand-ins (postgresql-k8s, temporal-admin-k8s,
# temporal-ui-k8s, prometheus-k8s, loki-k8s, grafana-k8s,
# self-signed-certificates, traefik-k8s, nginx-ingress-integrator).
$(BIN)/localmodel: $(LM_SRC)
	cd $(LM) && CGO_ENABLED=0 go build -trimpath -o $@ ./cmd/localmodel

$(BIN)/walkthrough: $(LM_SRC)
	cd $(LM) && CGO_ENABLED=0 go build -o $@ ./cmd/walkthrough

$(BIN)/pebble: $(LM)/go.mod
	cd $(LM) && CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o $@ github.com/canonical/pebble/cmd/pebble

# buildrock and buildcharms skip what is already up to date.
rock:
	cd $(LM) && go run ./cmd/buildrock --out $(ROCK) --ui-out $(UIROCK) --ui-module ../uiserver

charms: $(CHARM) rock
	cd $(LM) && go run ./cmd/buildcharms --out $(CHARMS) --rock $(ROCK) --ui-rock $(UIROCK)
	cp $(CHARM) $(CHARMS)/$(CHARM)

localmodel: $(BIN)/localmodel $(BIN)/walkthrough $(BIN)/pebble charms

# The README's main command: the walkthrough, step by step, on a local model.
walkthrough: deps localmodel
	$(LM_ENV) $(BIN)/walkthrough --artifacts $(CACHE)/artifacts/walkthrough

test-localmodel: deps localmodel
	cd $(LM) && go vet ./... && test -z "$$(gofmt -l .)"
	cd $(LM) && $(LM_ENV) go test -race $$(go list ./... | grep -v /e2e$$)
	mkdir -p $(CACHE)/artifacts
	cd $(LM) && $(LM_ENV) go test -count=1 -timeout 60m -v -artifacts -outputdir $(CACHE)/artifacts ./e2e
	cd $(LM) && $(LM_ENV) go test -count=1 -timeout 20m -run '^$$' -bench SteadyHooks -benchtime 5x ./e2e

# The steady hooks on the real path: the README deployment on the local
# model, each hook fired by run-hook (hook-ms, tools/hook per hook).
bench: deps localmodel
	go test -run='^$$' -bench=. ./internal/... ./cmd/...
	cd $(LM) && $(LM_ENV) go test -count=1 -timeout 20m -run '^$$' -bench SteadyHooks -benchtime 20x ./e2e

# go vet and staticcheck (from the module proxy, into .cache/bin) on all
# four modules. Last in `test`, so it reuses the packages the tests built.
STATICCHECK_VERSION := 0.8.2
STATICCHECK := $(BIN)/staticcheck
export STATICCHECK_CACHE := $(CACHE)/staticcheck

staticcheck:
	@$(STATICCHECK) -version 2>/dev/null | grep -qF '($(STATICCHECK_VERSION))' || \
		GOBIN=$(BIN) go install honnef.co/go/tools/cmd/staticcheck@v$(STATICCHECK_VERSION)

lint: staticcheck
	go vet ./... && $(STATICCHECK) ./...
	cd $(LM) && go vet ./... && $(STATICCHECK) ./...
	cd $(IT) && go vet ./... && go vet -tags integration ./... && \
		$(STATICCHECK) ./... && $(STATICCHECK) -tags integration ./...
	cd tests/mutation && go vet ./... && test -z "$$(gofmt -l .)" && $(STATICCHECK) ./...

# Mutation testing of the charm module (tests/mutation, a tool of ours):
# every mutant of the packages below is run against the tests that can see
# it; the report gives the kill rate per package and every survivor, and
# fails under 90 % or when tests/mutation/equivalent.txt lists a mutant
# that no longer exists. About an hour on two cores, so not part of `test`;
# MUTATE=./internal/config narrows it, MUTATE_RUN=regexp picks mutants.
MUTATE     ?= ./internal/charm ./internal/temporal ./internal/relation/... ./internal/config ./internal/juju ./internal/workload ./internal/grpchealth ./internal/internodeproxy
MUTATE_RUN ?=
mutation: $(BIN)/pebble
	go -C tests/mutation test ./...
	TEMPORAL_K8S_PEBBLE=$(BIN)/pebble go -C tests/mutation run . -C ../.. -j 2 -min 90 -equivalent equivalent.txt \
		-out $(CACHE)/mutation-report.txt $(if $(MUTATE_RUN),-run '$(MUTATE_RUN)') $(MUTATE)

# No controller here: vet and compile the real-controller suite, and run
# its offline tests against Juju's fake API caller.
test-integration:
	cd $(IT) && go vet ./... && go vet -tags integration ./... && test -z "$$(gofmt -l .)"
	cd $(IT) && go test ./...
	cd $(IT) && go test -tags integration -c -o /dev/null .

# The README's test command: everything, as CI runs it.
test: deps unit charm test-integration test-localmodel lint

clean:
	rm -rf $(CACHE)/charm $(CHARM)
