package temporaladmin

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/charms/internal/catransfer"
	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/charms/internal/inject"
)

func (c *Charm) action(ctx context.Context) error {
	if c.event.Name != inject.Action && c.event.Name != "setup-schema" {
		if err := c.loadSettings(ctx); err != nil {
			return c.juju.ActionFail(ctx, err.Error())
		}
	}
	switch c.event.Name {
	case "tctl", "cli":
		return c.tctl(ctx)
	case "pre-upgrade-check":
		return c.preUpgradeCheck(ctx)
	case "setup-schema":
		if err := c.reconcile(ctx, modeAll); err != nil {
			return c.juju.ActionFail(ctx, err.Error())
		}
		return c.juju.ActionSet(ctx, map[string]string{"result": "schema set up"})
	case inject.Action:
		// Restoring writes the published values back; nothing to migrate.
		return inject.Run(ctx, c.juju, Endpoint, func(ctx context.Context) error { return c.reconcile(ctx, modeChanged) })
	}
	return c.juju.ActionFail(ctx, fmt.Sprintf("unknown action %q", c.event.Name))
}

func (c *Charm) tctl(ctx context.Context) error {
	params, err := c.juju.ActionGet(ctx)
	if err != nil {
		return err
	}
	args, _ := params["args"].(string)
	if args == "" {
		return c.juju.ActionFail(ctx, errNoArgs.Error())
	}
	inv, err := ParseArgs(args)
	if err != nil {
		return c.juju.ActionFail(ctx, err.Error())
	}
	server := Server{Address: inv.Address}
	if server.Address == "" {
		if server, err = c.serverAddress(ctx); err != nil {
			return c.juju.ActionFail(ctx, err.Error())
		}
	}
	var output string
	switch inv.Command {
	case CommandDescribe:
		resp, derr := DescribeCluster(ctx, server)
		if err = derr; err == nil {
			output, err = NewDescription(resp).JSON()
		}
	case CommandHealth:
		output, err = ClusterHealth(ctx, server)
	default:
		err = errors.New("unsupported command")
	}
	if err != nil {
		return c.juju.ActionFail(ctx, fmt.Sprintf("command failed: %v", err))
	}
	return c.juju.ActionSet(ctx, map[string]string{"output": output, "result": "command succeeded"})
}

// serverAddress is where the cli action reaches the server: on the current
// track the host and port temporal-host-info publishes (the Service, port
// 7233), over TLS when it says tls "true", trusting the CAs the TLS
// provider sends on receive-ca-cert (LIBPATCH 2 and 3 of
// temporal_host_info: the CA does not travel on host-info); on track
// 1.23, and for the legacy tctl action, <server-name>:7236, the internal
// frontend through the Service.
func (c *Charm) serverAddress(ctx context.Context) (Server, error) {
	if c.settings.Track == Track123 || c.event.Name == "tctl" {
		return Server{Address: fmt.Sprintf("%s:%d", c.settings.ServerName, InternalFrontendPort)}, nil
	}
	bags, err := c.remoteAppData(ctx, HostInfoEndpoint)
	if err != nil {
		return Server{}, err
	}
	for _, data := range bags {
		if data["host"] != "" && data["port"] != "" {
			server := Server{Address: net.JoinHostPort(data["host"], data["port"])}
			if data["tls"] != "true" {
				return server, nil
			}
			roots, err := c.receivedCAs(ctx)
			if err != nil {
				return Server{}, err
			}
			server.TLS = &tls.Config{RootCAs: roots, ServerName: data["host"], MinVersion: tls.VersionTLS12}
			return server, nil
		}
	}
	return Server{}, errors.New(MsgNoHostInfo)
}

// MsgNoCA is the cli's failure when the frontend serves TLS and no CA
// came on receive-ca-cert.
const MsgNoCA = "the frontend serves TLS: integrate receive-ca-cert with the TLS provider's send-ca-cert"

// receivedCAs are the CAs the provider sends on receive-ca-cert
// (certificate_transfer v1: app data certificates, a JSON list of PEM).
func (c *Charm) receivedCAs(ctx context.Context) (*x509.CertPool, error) {
	bags, err := c.remoteAppData(ctx, CAEndpoint)
	if err != nil {
		return nil, err
	}
	roots := x509.NewCertPool()
	n := 0
	for _, data := range bags {
		for _, p := range catransfer.PEMs(data) {
			if roots.AppendCertsFromPEM([]byte(p)) {
				n++
			}
		}
	}
	if n == 0 {
		return nil, errors.New(MsgNoCA)
	}
	return roots, nil
}

// hasNullStore reports whether database_connections names a store as
// null, which track/1.23 cannot handle.
func hasNullStore(raw string) bool {
	var stores map[string]json.RawMessage
	if json.Unmarshal([]byte(raw), &stores) != nil {
		return false
	}
	for _, kind := range []string{KindDB, KindVisibility} {
		if v, ok := stores[kind]; ok && string(v) == "null" {
			return true
		}
	}
	return false
}

// remoteAppData is the remote application's data on each relation of
// endpoint; a relation whose application is not known yet is skipped.
func (c *Charm) remoteAppData(ctx context.Context, endpoint string) ([]map[string]string, error) {
	ids, err := c.juju.RelationIDs(ctx, endpoint)
	if err != nil {
		return nil, err
	}
	var out []map[string]string
	for _, id := range ids {
		app, err := c.juju.RelationApp(ctx, id)
		if err != nil || app == "" {
			continue
		}
		data, err := c.juju.RelationGet(ctx, id, app, true)
		if err != nil {
			return nil, err
		}
		out = append(out, data)
	}
	return out, nil
}
