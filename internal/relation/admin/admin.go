// Package admin is the server side of the `temporal` admin interface with
// temporal-admin-k8s: the database details the admin charm needs to set up
// the schema, and the schema readiness it answers with.
package admin

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/temporal-k8s/temporal-k8s/internal/config"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/postgresql"
)

// ConnectionsKey is the app data key the server leader publishes.
const ConnectionsKey = "database_connections"

// dbInfo is one store as the admin charm parses it: the port is a string
// and tls a bool, exactly as the Python charms exchange them.
type dbInfo struct {
	DBName   string `json:"dbname"`
	Host     string `json:"host"`
	Port     string `json:"port"`
	User     string `json:"user"`
	Password string `json:"password"`
	TLS      bool   `json:"tls"`
}

type connections struct {
	DB         *dbInfo `json:"db"`
	Visibility *dbInfo `json:"visibility"`
}

func info(c *postgresql.Connection) *dbInfo {
	if c == nil {
		return nil
	}
	return &dbInfo{DBName: c.Database, Host: c.Host, Port: strconv.Itoa(c.Port), User: c.User, Password: c.Password, TLS: c.TLS}
}

// Connections renders the database_connections value; a store not yet
// available is null, as the incumbent publishes it.
func Connections(db, visibility *postgresql.Connection) string {
	data, err := json.Marshal(connections{DB: info(db), Visibility: info(visibility)})
	if err != nil {
		// Only strings and bools: Marshal cannot fail.
		panic(err)
	}
	return string(data)
}

// SchemaState is the admin charm's answer.
type SchemaState struct {
	Ready bool
	// Mismatch is set only when the admin names a schema version whose
	// major.minor differs from the server's: the one answer that says a
	// running server must stop. Any other answer that is not "ready"
	// (migrating, failed, garbage) keeps a running server running.
	Mismatch bool
	Reason   string
}

// versionRE is a version the admin may publish: 1.31, 1.31.2, v1.31.2.
var versionRE = regexp.MustCompile(`^v?[0-9]+\.[0-9]+(\.[0-9]+)?$`)

// Schema reads the admin app data. Admin 1.23 publishes only
// schema_status; later ones add the version they migrated to
// (migrated_workload_version, or schema_version on 1.24-1.26), whose
// major.minor must equal the server's.
func Schema(app map[string]string, serverVersion string) SchemaState {
	version := app["migrated_workload_version"]
	if version == "" {
		version = app["schema_version"]
	}
	version = strings.TrimSpace(version)
	if versionRE.MatchString(version) && serverVersion != "" && MajorMinor(version) != MajorMinor(serverVersion) {
		return SchemaState{Mismatch: true, Reason: fmt.Sprintf("schema migrated for %s, server is %s", version, serverVersion)}
	}
	status := app["schema_status"]
	if status != "ready" {
		if status == "" {
			status = "not published yet"
		}
		return SchemaState{Reason: fmt.Sprintf("schema is %s", config.Truncate(status))}
	}
	if version == "" {
		return SchemaState{Ready: true}
	}
	if !versionRE.MatchString(version) {
		return SchemaState{Reason: fmt.Sprintf("cannot parse the schema version %q", config.Truncate(version))}
	}
	if serverVersion == "" {
		return SchemaState{Reason: "server version unknown"}
	}
	return SchemaState{Ready: true}
}

// MajorMinor returns "1.31" for "1.31.2" or "v1.31".
func MajorMinor(v string) string {
	parts := strings.SplitN(strings.TrimPrefix(strings.TrimSpace(v), "v"), ".", 3)
	if len(parts) < 2 {
		return strings.Join(parts, ".")
	}
	return parts[0] + "." + parts[1]
}
