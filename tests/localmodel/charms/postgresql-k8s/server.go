package postgresql

import (
	"context"
	"errors"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/canonical/pebble/client"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/charms/internal/workload"
)

// bin returns the path of a PostgreSQL program, finding the newest
// installed version unless configured.
func (c *Charm) bin(name string) string {
	return path.Join(c.binDir, name)
}

func (c *Charm) findBinDir() error {
	if c.binDir != "" {
		return nil
	}
	entries, err := c.container.Client.ListFiles(&client.ListFilesOptions{Path: "/usr/lib/postgresql"})
	if err != nil {
		return fmt.Errorf("cannot find PostgreSQL in the workload: %w", err)
	}
	var versions []string
	for _, e := range entries {
		if e.Mode().IsDir() {
			versions = append(versions, e.Name())
		}
	}
	if len(versions) == 0 {
		return errors.New("cannot find PostgreSQL in the workload: /usr/lib/postgresql is empty")
	}
	c.binDir = path.Join("/usr/lib/postgresql", NewestVersion(versions), "bin")
	return nil
}

// NewestVersion picks the highest numeric version ("9.6" < "15").
func NewestVersion(versions []string) string {
	sorted := append([]string(nil), versions...)
	sort.Slice(sorted, func(i, j int) bool { return versionLess(sorted[i], sorted[j]) })
	return sorted[len(sorted)-1]
}

func versionLess(a, b string) bool {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		x, errx := strconv.Atoi(as[i])
		y, erry := strconv.Atoi(bs[i])
		if errx != nil || erry != nil {
			return a < b
		}
		if x != y {
			return x < y
		}
	}
	return len(as) < len(bs)
}

// Layer is the workload's Pebble layer.
func Layer(binDir string, maxConns int, tls bool) string {
	ssl := ""
	if tls {
		ssl = fmt.Sprintf(" -c ssl=on -c ssl_cert_file=%s -c ssl_key_file=%s", TLSCertFile, TLSKeyFile)
	}
	return fmt.Sprintf(`summary: PostgreSQL
services:
  %[1]s:
    override: replace
    summary: PostgreSQL server
    command: %[2]s/postgres -D %[3]s -c listen_addresses=* -c port=%[4]d -c unix_socket_directories=%[5]s -c max_connections=%[6]d%[8]s
    startup: enabled
    user: %[7]s
    group: %[7]s
checks:
  %[1]s-ready:
    override: replace
    level: ready
    tcp:
      port: %[4]d
`, ServiceName, binDir, DataDir, Port, SocketDir, maxConns, OSUser, ssl)
}

// exists reports whether a path exists in the workload.
func (c *Charm) exists(p string) (bool, error) {
	_, err := c.container.Client.ListFiles(&client.ListFilesOptions{Path: p, Itself: true})
	if err == nil {
		return true, nil
	}
	var apiErr *client.Error
	if errors.As(err, &apiErr) && apiErr.StatusCode == 404 {
		return false, nil
	}
	return false, err
}

// ensureServer initialises the data directory once and starts the
// server, or applies a changed layer to the running one. It reports
// whether the server was started or restarted: a running server with an
// unchanged layer costs two Pebble calls and no command.
func (c *Charm) ensureServer(ctx context.Context) (bool, error) {
	if err := c.findBinDir(); err != nil {
		return false, err
	}
	if !c.running() {
		if err := c.initialise(ctx); err != nil {
			return false, err
		}
	}
	if c.tls {
		if _, err := c.ensureTLS(); err != nil {
			return false, err
		}
	}
	layer := Layer(c.binDir, c.maxConns, c.tls)
	if err := c.container.Client.AddLayer(&client.AddLayerOptions{Combine: true, Label: ServiceName, LayerData: []byte(layer)}); err != nil {
		return false, fmt.Errorf("cannot add the Pebble layer: %w", err)
	}
	changeID, err := c.container.Client.Replan(&client.ServiceOptions{})
	if err != nil {
		return false, fmt.Errorf("cannot start PostgreSQL: %w", err)
	}
	change, err := c.container.Client.Change(changeID)
	if err != nil {
		return false, fmt.Errorf("cannot start PostgreSQL: %w", err)
	}
	if len(change.Tasks) == 0 {
		// Nothing to start or restart: Pebble marks such a change done.
		return false, nil
	}
	return true, c.waitStarted(ctx, changeID, 2*time.Minute)
}

// initialise creates the data directory unless it holds a cluster.
func (c *Charm) initialise(ctx context.Context) error {
	initialised, err := c.exists(path.Join(DataDir, "PG_VERSION"))
	if err != nil {
		return fmt.Errorf("cannot inspect the data directory: %w", err)
	}
	for _, dir := range []string{DataDir, SocketDir} {
		// The storage is created by root; initdb wants a private directory
		// owned by the server's user.
		if err := c.container.Client.MakeDir(&client.MakeDirOptions{Path: dir, MakeParents: true, Permissions: 0o700, User: OSUser, Group: OSUser}); err != nil && !isExists(err) {
			return fmt.Errorf("cannot create %s: %w", dir, err)
		}
	}
	if initialised {
		return nil
	}
	c.logf(ctx, "initialising %s", DataDir)
	_, err = c.container.Exec(ctx, workload.Cmd{
		Args: []string{c.bin("initdb"), "-D", DataDir, "-U", OSUser, "--auth-local=peer", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-locale", "--no-instructions"},
		User: OSUser, WorkingDir: StorageDir, Timeout: 5 * time.Minute,
	})
	if err != nil {
		return fmt.Errorf("cannot initialise the database: %w", err)
	}
	if err := c.container.Client.Push(&client.PushOptions{Source: strings.NewReader(pgHBA), Path: path.Join(DataDir, "pg_hba.conf"), Permissions: 0o600, User: OSUser, Group: OSUser}); err != nil {
		return fmt.Errorf("cannot write pg_hba.conf: %w", err)
	}
	return nil
}

// running reports whether Pebble runs the server (starting counts).
func (c *Charm) running() bool {
	svcs, err := c.container.Client.Services(&client.ServicesOptions{Names: []string{ServiceName}})
	return err == nil && len(svcs) == 1 && svcs[0].Current == client.StatusActive
}

func isExists(err error) bool {
	return err != nil && strings.Contains(err.Error(), "exists")
}

// waitStarted waits until the server takes connections, or Pebble's
// start change fails.
func (c *Charm) waitStarted(ctx context.Context, changeID string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		ready, err := c.isReady(ctx)
		if ready {
			return nil
		}
		if change, cerr := c.container.Client.Change(changeID); cerr == nil && change.Ready && change.Err != "" {
			return fmt.Errorf("cannot start PostgreSQL: %s", change.Err)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("PostgreSQL is not ready after %s: %w", timeout, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(readyPoll):
		}
	}
}

// isReady asks pg_isready whether the server takes connections.
func (c *Charm) isReady(ctx context.Context) (bool, error) {
	_, err := c.container.Exec(ctx, workload.Cmd{
		Args: []string{c.bin("pg_isready"), "-q", "-h", SocketDir, "-p", strconv.Itoa(Port)},
		User: OSUser, Timeout: 30 * time.Second,
	})
	return err == nil, err
}

// psql runs a script as the database superuser. The script goes on stdin,
// so passwords in it never show in a process listing.
func (c *Charm) psql(ctx context.Context, script string) (string, error) {
	return c.container.Exec(ctx, workload.Cmd{
		Args:  []string{c.bin("psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", SocketDir, "-p", strconv.Itoa(Port), "-U", OSUser, "-d", "postgres", "-f", "-"},
		User:  OSUser,
		Stdin: script,
	})
}

func (c *Charm) version(ctx context.Context) (string, error) {
	out, err := c.container.Exec(ctx, workload.Cmd{Args: []string{c.bin("postgres"), "--version"}, Timeout: time.Minute})
	if err != nil {
		return "", fmt.Errorf("cannot read the PostgreSQL version: %w", err)
	}
	return ParseVersion(out)
}
