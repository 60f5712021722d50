package walkthrough

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/canonical/pebble/client"
)

// Postgres16TLS runs the README's deployment against postgresql-k8s as
// track 16 behaves (admin refused; charmed_admin, each user acting as the
// database's owner role), serving TLS (tls=true: a CA and server
// certificate it issues for the names the real charm's certificate
// carries, the CA in secret-tls), with db-extra-user-roles=charmed_admin
// as the README says for 16: every application must go active and run
// workflows, and every temporal-server connection to PostgreSQL must be
// encrypted, which the servers' host verification against
// <app>-primary.<model>.svc.cluster.local makes a real check of the
// charm's TLS path.
func (s *Scenario) Postgres16TLS(ctx context.Context) error {
	s.PostgresConfig = append(s.PostgresConfig, "track=16", "tls=true")
	s.TemporalConfig = append(s.TemporalConfig, "db-extra-user-roles=charmed_admin")
	if err := s.Deploy(ctx); err != nil {
		return err
	}
	if err := s.Check(ctx, 1, "postgres-tls"); err != nil {
		return err
	}
	out, err := s.psql(ctx, "SELECT count(*) FILTER (WHERE s.ssl), count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.usename LIKE 'relation_id_%'")
	if err != nil {
		return err
	}
	s.printf("relation users' connections to PostgreSQL, encrypted and all: %s\n", out)
	enc, all, ok := strings.Cut(strings.TrimSpace(out), "|")
	n, err1 := strconv.Atoi(enc)
	total, err2 := strconv.Atoi(all)
	if !ok || err1 != nil || err2 != nil || total == 0 || n != total {
		return fmt.Errorf("not every connection of the servers is encrypted: %q (encrypted|all)", out)
	}
	return nil
}

// podPebble is a client of the Pebble of one container of unit's pod, as
// the local model lays pods out under $LOCALMODEL_HOME (default
// /run/localmodel).
func podPebble(unit, container string) (*client.Client, error) {
	home := os.Getenv("LOCALMODEL_HOME")
	if home == "" {
		home = "/run/localmodel"
	}
	socket := filepath.Join(home, "pods", strings.ReplaceAll(unit, "/", "-"), "containers", container, "pebble.socket")
	return client.New(&client.Config{Socket: socket})
}

// psql runs a query as the database superuser in the postgresql-k8s
// unit's workload, through its Pebble, and returns psql's unaligned
// output.
func (s *Scenario) psql(ctx context.Context, query string) (string, error) {
	cl, err := podPebble(AppPostgreSQL+"/0", "postgresql")
	if err != nil {
		return "", err
	}
	var stdout, stderr bytes.Buffer
	proc, err := cl.Exec(&client.ExecOptions{
		Command: []string{"psql", "-h", "/var/lib/postgresql/data/run", "-At", "-c", query},
		User:    "postgres", Stdout: &stdout, Stderr: &stderr, Timeout: 30 * time.Second,
	})
	if err != nil {
		return "", fmt.Errorf("cannot run psql: %w", err)
	}
	if err := proc.Wait(); err != nil {
		return "", fmt.Errorf("psql: %w: %s", err, stderr.String())
	}
	return stdout.String(), nil
}
