// Package postgresql is the requirer side of the postgresql_client interface
// (data_interfaces v0): what the charm asks for and how it reads the answer,
// credentials included, from Juju secrets.
package postgresql

import (
	"context"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"

	"github.com/temporal-k8s/temporal-k8s/internal/config"
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

// DataError is provider data the charm cannot use: the unit blocks with
// it, naming the key, and a running server keeps its configuration.
type DataError struct {
	Key    string
	Value  string
	Reason string
}

func (e *DataError) Error() string {
	return fmt.Sprintf("invalid %s %q: %s", e.Key, config.Truncate(e.Value), e.Reason)
}

// hostLabelRE is one label of a DNS name, as Kubernetes Service and
// pod names are (RFC 1123, underscores tolerated).
var hostLabelRE = regexp.MustCompile(`^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$`)

// ParseEndpoint reads the first of a comma-separated endpoints value:
// host:port, [ipv6]:port, or a host alone on the default port.
func ParseEndpoint(endpoints string) (string, int, error) {
	first, _, _ := strings.Cut(endpoints, ",")
	first = strings.TrimSpace(first)
	fail := func(reason string) (string, int, error) {
		return "", 0, &DataError{Key: "endpoints", Value: endpoints, Reason: reason}
	}
	host, portStr := first, "5432"
	switch {
	case strings.HasPrefix(first, "[") && strings.HasSuffix(first, "]"):
		host = first[1 : len(first)-1]
	case strings.Count(first, ":") == 1 || strings.HasPrefix(first, "["):
		var err error
		if host, portStr, err = net.SplitHostPort(first); err != nil {
			return fail("not host:port")
		}
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port < 1 || port > 65535 {
		return fail("the port must be 1-65535")
	}
	if ip := net.ParseIP(host); ip != nil {
		if ip.To4() == nil && !strings.HasPrefix(first, "[") {
			return fail("an IPv6 address needs brackets")
		}
		return host, port, nil
	}
	if host == "" || len(host) > 253 {
		return fail("the host must be 1-253 characters")
	}
	for _, label := range strings.Split(strings.TrimSuffix(host, "."), ".") {
		if !hostLabelRE.MatchString(label) {
			return fail("the host is neither an IP address nor a DNS name")
		}
	}
	return host, port, nil
}

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
	host, port, err := ParseEndpoint(endpoints)
	if err != nil {
		return Connection{}, err
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
	return Connect(ctx, c, app, database)
}

// Connect builds a Connection from the provider's app data, reading the
// secrets it names.
func Connect(ctx context.Context, c *juju.Client, app map[string]string, database string) (Connection, error) {
	user, err := readSecret(ctx, c, app, "secret-user")
	if err != nil {
		return Connection{}, err
	}
	tls, err := readSecret(ctx, c, app, "secret-tls")
	if err != nil {
		return Connection{}, err
	}
	return Parse(database, app, user, tls)
}

// readSecret reads the secret a provider key names; nil when the key is
// absent. A URI Juju would refuse is the provider's fault, not a reason to
// fail the hook on every retry.
func readSecret(ctx context.Context, c *juju.Client, app map[string]string, key string) (map[string]string, error) {
	uri := app[key]
	if uri == "" {
		return nil, nil
	}
	if !juju.ValidSecretURI(uri) {
		return nil, &DataError{Key: key, Value: uri, Reason: "not a Juju secret URI"}
	}
	content, err := c.SecretGet(ctx, uri, true)
	var toolErr *juju.ToolError
	if errors.As(err, &toolErr) && toolErr.Code == 2 {
		return nil, &DataError{Key: key, Value: uri, Reason: toolErr.Message()}
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read the %s secret: %w", key, err)
	}
	return content, nil
}
