package temporaladmin

import (
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/charms/internal/workload"
)

// The two databases of a Temporal server, named as in database_connections.
const (
	KindDB         = "db"
	KindVisibility = "visibility"
)

// SchemaRoot is where the rock keeps the PostgreSQL schemas.
const SchemaRoot = "/etc/temporal/schema/postgresql/v12"

// SQLTool is the rock's schema tool.
const SQLTool = "/usr/bin/temporal-sql-tool"

// SchemaDir is the versioned schema directory of a database kind.
func SchemaDir(kind string) string {
	if kind == KindVisibility {
		return path.Join(SchemaRoot, "visibility", "versioned")
	}
	return path.Join(SchemaRoot, "temporal", "versioned")
}

// Target is one database to migrate, whoever's credentials are used.
type Target struct {
	Kind   string
	Host   string
	Port   string
	DBName string
}

func (t Target) String() string {
	return fmt.Sprintf("%s (%s:%s/%s)", t.Kind, t.Host, t.Port, t.DBName)
}

// TargetOf is the database a connection points at.
func TargetOf(kind string, c Connection) Target {
	return Target{Kind: kind, Host: c.Host, Port: c.Port, DBName: c.DBName}
}

// SchemaCommands are the temporal-sql-tool runs that bring one database to
// the rock's schema: setup-schema -v 0.0 (idempotent: it creates the
// version tables if missing) and update-schema from the versioned
// directory. The password travels in SQL_PASSWORD, which the tool reads,
// so it never shows in a process listing.
func SchemaCommands(kind string, c Connection, s Settings) []workload.Cmd {
	base := []string{SQLTool, "--plugin", s.Plugin, "--ep", c.Host, "-p", c.Port, "-u", c.User, "--db", c.DBName}
	if c.TLS {
		base = append(base, "--tls", "--tls-disable-host-verification")
	}
	env := map[string]string{"SQL_PASSWORD": c.Password}
	cmd := func(args ...string) workload.Cmd {
		return workload.Cmd{
			Args:       append(append([]string(nil), base...), args...),
			Env:        env,
			User:       "ubuntu",
			WorkingDir: "/etc/temporal",
			Timeout:    10 * time.Minute,
		}
	}
	update := []string{"update-schema", "-d", SchemaDir(kind)}
	if v := releaseSchemas[s.SchemaRelease][kind]; v != "" {
		update = append(update, "-v", v)
	}
	return []workload.Cmd{
		cmd("setup-schema", "-v", "0.0"),
		cmd(update...),
	}
}

// Failure is why a schema run failed, which decides what to do next.
type Failure int

const (
	// FailureOther is not retried with other credentials.
	FailureOther Failure = iota
	// FailureUnreachable means the database is not up yet: wait.
	FailureUnreachable
	// FailurePermission means this user may not change the schema: try
	// another relation's user.
	FailurePermission
)

// Classify sorts a temporal-sql-tool failure by its output.
func Classify(err error) Failure {
	var execErr *workload.ExecError
	text := err.Error()
	if errors.As(err, &execErr) {
		text = execErr.Stdout + "\n" + execErr.Stderr
	}
	switch {
	case strings.Contains(text, "dial tcp") || strings.Contains(text, "connection refused") || strings.Contains(text, "the database system is starting up"):
		return FailureUnreachable
	case strings.Contains(text, "permission denied") || strings.Contains(text, "must be owner"):
		return FailurePermission
	}
	return FailureOther
}

// ParseServerVersion reads "temporal version 1.31.2" (temporal-server
// --version) and returns "1.31.2".
func ParseServerVersion(out string) (string, error) {
	fields := strings.Fields(out)
	if len(fields) == 0 {
		return "", errors.New("cannot parse server version: empty output")
	}
	v := strings.TrimPrefix(fields[len(fields)-1], "v")
	if strings.Count(v, ".") < 1 || strings.IndexFunc(v, func(r rune) bool { return (r < '0' || r > '9') && r != '.' }) >= 0 {
		return "", fmt.Errorf("cannot parse server version from %q", strings.TrimSpace(out))
	}
	return v, nil
}
