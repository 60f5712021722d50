// Package ui is a stand-in for the temporal-ui-k8s charm, for the local
// model: the real Temporal UI server in its workload container, the
// provider side of ui (interface temporal) and the requirer side of
// temporal-host-info.
//
// What it does follows canonical/temporal-ui-k8s-operator (src/charm.py,
// templates/config.jinja at ad893827) and, for the server's address, the
// newer charm that incumbent.md §2c records (temporal-k8s-operator PR
// #157, 2026: TEMPORAL_ADDRESS from temporal-host-info, Blocked
// "temporal-host-info relation not established"; the git snapshot
// predates it and always rendered temporal-k8s:7233):
//   - ui: the leader copies the server's app key server_status into the
//     peer app data, and writes "blocked" there when the relation goes;
//     every unit reads it from there. Anything but "ready" blocks.
//   - temporal-host-info: the server leader's app data host and port
//     (port an integer, as the library's int(port)); the UI's
//     temporalGrpcAddress is host:port. tls "true" (LIBPATCH 2) means the
//     frontend serves TLS: the CA does not travel there (LIBPATCH 3, ADR
//     0001) but on receive-ca-cert (certificate_transfer v1, the
//     provider's app data certificates, a JSON list of PEM), and the UI
//     server verifies the frontend against it and the host's name (its
//     config's tls: caData, serverName, enableHostVerification). Without
//     a CA it says so instead of connecting in plain text.
package ui

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net"
	"strconv"
	"strings"
)

// Names from metadata.yaml and the rock's layout.
const (
	ContainerName   = "temporal-ui"
	ServiceName     = "temporal-ui"
	UIEndpoint      = "ui"
	HostEndpoint    = "temporal-host-info"
	CAEndpoint      = "receive-ca-cert"
	PeerEndpoint    = "peer"
	Root            = "/home/ui-server"
	Binary          = Root + "/ui-server"
	ConfigFile      = Root + "/config/charm.yaml"
	ServerStatusKey = "server_status"
	StatusReady     = "ready"
	StatusBlocked   = "blocked"
)

// The real charm's status messages.
const (
	MsgNoUI       = "ui:temporal relation: not available"
	MsgNotReady   = "ui:temporal relation: server is not ready"
	MsgNoHostInfo = "temporal-host-info relation not established"
	MsgNoCA       = "the server serves TLS: integrate receive-ca-cert with the TLS provider's send-ca-cert"
)

// HostInfo is what the server's leader publishes on temporal-host-info.
type HostInfo struct {
	Host string
	Port int
	TLS  bool
}

// ParseHostInfo reads the provider's app data as the library's requirer
// does: no host means not yet; a port that is not an integer is an
// error, as int(port) raises; a missing tls reads as false.
func ParseHostInfo(data map[string]string) (HostInfo, bool, error) {
	host := data["host"]
	if host == "" {
		return HostInfo{}, false, nil
	}
	port, err := strconv.Atoi(data["port"])
	if err != nil || port <= 0 || port > 65535 {
		return HostInfo{}, false, fmt.Errorf("cannot read temporal-host-info port %q: not a port number", data["port"])
	}
	return HostInfo{Host: host, Port: port, TLS: data["tls"] == "true"}, true, nil
}

// ConfigPort reads the port option from config-get's JSON, where numbers
// come as json.Number.
func ConfigPort(cfg map[string]any) (int, error) {
	port, err := strconv.Atoi(fmt.Sprint(cfg["port"]))
	if err != nil || port <= 0 || port > 65535 {
		return 0, fmt.Errorf("invalid config: port %v is not a port number", cfg["port"])
	}
	return port, nil
}

// Inputs are everything the workload's configuration depends on.
type Inputs struct {
	// UIRelated says whether the ui relation exists.
	UIRelated bool
	// ServerStatus is the peer app data's copy of server_status.
	ServerStatus string
	// HostInfo is set when temporal-host-info has published an address.
	HostInfo *HostInfo
	// Port and DefaultNamespace come from the config.
	Port             int
	DefaultNamespace string
	// CAs are the PEM certificates received on receive-ca-cert.
	CAs []string
}

// Output is the configuration file and the layer, or why there is none.
type Output struct {
	Blocked string
	Config  string
	Layer   string
}

// Render decides the status and renders the UI server's configuration
// and Pebble layer; it is pure.
func Render(in Inputs) Output {
	switch {
	case !in.UIRelated:
		return Output{Blocked: MsgNoUI}
	case in.ServerStatus != StatusReady:
		return Output{Blocked: MsgNotReady}
	case in.HostInfo == nil:
		return Output{Blocked: MsgNoHostInfo}
	case in.HostInfo.TLS && len(in.CAs) == 0:
		return Output{Blocked: MsgNoCA}
	}
	// The keys the real charm's template sets; the rest keep the UI
	// server's defaults. An empty namespace renders empty, as there.
	cfg := fmt.Sprintf("temporalGrpcAddress: %s\nport: %d\nenableUi: true\ndefaultNamespace: %s\n",
		quote(net.JoinHostPort(in.HostInfo.Host, strconv.Itoa(in.HostInfo.Port))), in.Port, quote(in.DefaultNamespace))
	if in.HostInfo.TLS {
		// caData is base64 of the PEM (ui-server server/rpc/tls.go,
		// loadCACert).
		pems := strings.Join(in.CAs, "\n")
		cfg += fmt.Sprintf("tls:\n  caData: %s\n  serverName: %s\n  enableHostVerification: true\n",
			base64.StdEncoding.EncodeToString([]byte(pems)), quote(in.HostInfo.Host))
	}
	sum := sha256.Sum256([]byte(cfg))
	return Output{Config: cfg, Layer: Layer(in.Port, hex.EncodeToString(sum[:]))}
}

// Layer is the charm's Pebble layer: its service and its "up" check on
// the UI's own port every 10 s, whose failure Pebble ignores (the charm
// reports it in update-status), as the real charm's. The
// configuration's hash in the environment restarts the server when the
// file changes, since the UI reads it only at start.
func Layer(port int, configSum string) string {
	return fmt.Sprintf(`summary: temporal ui layer
services:
  %[1]s:
    override: replace
    summary: temporal ui
    command: %[2]s --root %[3]s --env charm start
    startup: enabled
    working-dir: %[3]s
    environment:
      CONFIG_SHA256: %[4]s
    on-check-failure:
      up: ignore
checks:
  up:
    override: replace
    level: alive
    period: 10s
    http:
      url: http://localhost:%[5]d/
`, ServiceName, Binary, Root, configSum, port)
}

// quote makes a YAML double-quoted scalar.
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
