// Package postgresql is the requirer side of the postgresql_client interface
// (data_interfaces v0): what the charm asks for and how it reads the answer,
// credentials included, from Juju secrets.
package postgresql

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
)

// RequestedSecrets is the list data_interfaces requirers send; the provider
// then moves these fields into secrets instead of plain relation data.
const RequestedSecrets = `["username","password","tls","tls-ca","uris"]`

// Request is the app data the requirer leader publishes.
func Request(database, extraUserRoles string) map[string]string {
	return map[string]string{
		"database":          database,
		"extra-user-roles":  extraUserRoles,
		"requested-secrets": RequestedSecrets,
	}
}

// Connection is a database the provider has made ready for us.
type Connection struct {
	Database string
	Host     string
	Port     int
	User     string
	Password string
	TLS      bool
	TLSCA    string
}

// ErrNotReady means the provider has not answered yet.
var ErrNotReady = errors.New("database not ready")

// Parse builds a Connection from the provider's app data and the contents
// of its user and TLS secrets (nil when the provider sent plain fields).
func Parse(database string, app, user, tls map[string]string) (Connection, error) {
	get := func(secret map[string]string, key string) string {
		if v, ok := secret[key]; ok {
			return v
		}
		return app[key]
	}
	endpoints := strings.TrimSpace(app["endpoints"])
	username, password := get(user, "username"), get(user, "password")
	if endpoints == "" || username == "" || password == "" {
		return Connection{}, ErrNotReady
	}
	first, _, _ := strings.Cut(endpoints, ",")
	host, portStr, err := net.SplitHostPort(strings.TrimSpace(first))
	if err != nil {
		// The provider may leave out the port.
		host, portStr = strings.TrimSpace(first), "5432"
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port < 1 || port > 65535 || host == "" {
		return Connection{}, fmt.Errorf("cannot parse endpoints %q", endpoints)
	}
	return Connection{
		Database: database,
		Host:     host,
		Port:     port,
		User:     username,
		Password: password,
		TLS:      strings.EqualFold(get(tls, "tls"), "true"),
		TLSCA:    get(tls, "tls-ca"),
	}, nil
}

// Read fetches the provider's answer on one relation. Secrets are read with
// --refresh so a rotated password is picked up by whichever hook runs
// first, secret-changed or not.
func Read(ctx context.Context, c *juju.Client, relID, remoteApp, database string) (Connection, error) {
	app, err := c.RelationGet(ctx, relID, remoteApp, true)
	if err != nil {
		return Connection{}, fmt.Errorf("cannot read %s data of %s: %w", relID, remoteApp, err)
	}
	var user, tls map[string]string
	if uri := app["secret-user"]; uri != "" {
		if user, err = c.SecretGet(ctx, uri, true); err != nil {
			return Connection{}, fmt.Errorf("cannot read user secret of %s: %w", relID, err)
		}
	}
	if uri := app["secret-tls"]; uri != "" {
		if tls, err = c.SecretGet(ctx, uri, true); err != nil {
			return Connection{}, fmt.Errorf("cannot read TLS secret of %s: %w", relID, err)
		}
	}
	return Parse(database, app, user, tls)
}
