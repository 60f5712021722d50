// Package peer holds the charm's peer app data: the values a running
// cluster has fixed forever, stored as the Python charm stored them (JSON
// values) so that they survive a refresh. Nothing secret ever goes here.
package peer

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/temporal-k8s/temporal-k8s/internal/config"
)

// Peer app data keys. num_history_shards is the Python charm's; the
// database names are ours, in the same JSON encoding.
const (
	ShardsKey           = "num_history_shards"
	DBNameKey           = "db_name"
	VisibilityDBNameKey = "visibility_db_name"
)

// PlaintextKeys are the Python charm's peer keys that hold secrets in
// plain text: the database passwords (database_connections), the OpenFGA
// token (openfga) and the S3 secret key (s3). This charm never reads
// them, and its leader deletes them after a refresh from the Python charm.
func PlaintextKeys() []string { return []string{"database_connections", "openfga", "s3"} }

// Scrub returns the data that deletes the plaintext keys app holds.
func Scrub(app map[string]string) map[string]string {
	data := map[string]string{}
	for _, k := range PlaintextKeys() {
		if app[k] != "" {
			data[k] = ""
		}
	}
	return data
}

// Locks are the values the leader fixed once a server used them: a
// different shard count or database would start an empty cluster of its
// own. A zero field is not locked yet.
type Locks struct {
	Shards           int
	DBName           string
	VisibilityDBName string
}

// ReadLocks parses the locks in the peer app data.
func ReadLocks(app map[string]string) (Locks, error) {
	var l Locks
	raw := strings.TrimSpace(app[ShardsKey])
	if raw != "" && raw != "null" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 {
			return Locks{}, fmt.Errorf("cannot parse peer %s %q", ShardsKey, config.Truncate(raw))
		}
		l.Shards = n
	}
	for key, dst := range map[string]*string{DBNameKey: &l.DBName, VisibilityDBNameKey: &l.VisibilityDBName} {
		raw := strings.TrimSpace(app[key])
		if raw == "" || raw == "null" {
			continue
		}
		if err := json.Unmarshal([]byte(raw), dst); err != nil || *dst == "" {
			return Locks{}, fmt.Errorf("cannot parse peer %s %q", key, config.Truncate(raw))
		}
	}
	return l, nil
}

// Missing returns the data that locks what want has and l does not.
func (l Locks) Missing(want Locks) map[string]string {
	data := map[string]string{}
	if l.Shards == 0 && want.Shards != 0 {
		data[ShardsKey] = strconv.Itoa(want.Shards)
	}
	for key, v := range map[string][2]string{
		DBNameKey:           {l.DBName, want.DBName},
		VisibilityDBNameKey: {l.VisibilityDBName, want.VisibilityDBName},
	} {
		if v[0] == "" && v[1] != "" {
			encoded, _ := json.Marshal(v[1])
			data[key] = string(encoded)
		}
	}
	return data
}

// Conflicts describes each option that differs from its lock, naming the
// option, the locked value and the value asked for.
func (l Locks) Conflicts(want Locks) []string {
	var out []string
	if l.Shards != 0 && l.Shards != want.Shards {
		out = append(out, fmt.Sprintf("num-history-shards is locked at %d and cannot change to %d: set it back to %d", l.Shards, want.Shards, l.Shards))
	}
	for _, c := range []struct{ option, locked, want string }{
		{"db-name", l.DBName, want.DBName},
		{"visibility-db-name", l.VisibilityDBName, want.VisibilityDBName},
	} {
		if c.locked != "" && c.locked != c.want {
			out = append(out, fmt.Sprintf("%s is locked at %q and cannot change to %q: set it back to %q", c.option, c.locked, c.want, c.locked))
		}
	}
	return out
}
