# Everything built or downloaded lives under .cache (module cache, build
# cache, binaries, the rock, packed charms), so re-runs are incremental.
CACHE    := $(CURDIR)/.cache
BIN      := $(CACHE)/bin
CHARMS   := $(CACHE)/charms
ROCK     := $(CACHE)/rock
export GOMODCACHE := $(CACHE)/gomod
export GOCACHE    := $(CACHE)/gobuild
export GOFLAGS    := -buildvcs=false
export GOTOOLCHAIN := local

CHARM    := temporal-k8s.charm
GO_SRC   := $(shell find cmd internal -name '*.go' -not -name '*_test.go') go.mod go.sum

.PHONY: all deps charm check test unit clean

all: charm

# Debian packages the local model and the tests need. Safe to re-run.
deps:
	@dpkg -s postgresql iproute2 zip >/dev/null 2>&1 || \
		{ apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql iproute2 zip; }

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

unit: check
	go test -race ./...

clean:
	rm -rf $(CACHE)/charm $(CHARM)
