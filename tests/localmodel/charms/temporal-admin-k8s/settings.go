package temporaladmin

import "fmt"

// The protocols real temporal-admin-k8s revisions speak (the `track`
// option picks one).
const (
	// TrackCurrent is the current revisions: leader-only writes; the cli
	// action reaches the server at the host and port temporal-host-info
	// publishes; schema_status ready comes with migrated_workload_version.
	TrackCurrent = "current"
	// Track123 is track/1.23: the cli action reaches <server-name>:7236;
	// only schema_status ready is published; the schema is migrated with
	// `temporal-sql-tool --plugin postgres`, a plugin name the 1.31 rock's
	// tool no longer knows; a null store in database_connections crashes
	// the hook (src/charm.py subscripts it).
	Track123 = "1.23"
)

// releaseSchemas are the schema versions an older Temporal's tools set up
// (schema/postgresql/v12/version.go of that release): the 1.23 admin's
// image migrates to these, which a 1.31 server refuses.
var releaseSchemas = map[string]map[string]string{
	"1.23": {KindDB: "1.11", KindVisibility: "1.4"},
}

// Settings are the stand-in's options.
type Settings struct {
	Track string
	// Plugin is temporal-sql-tool's --plugin.
	Plugin string
	// SchemaRelease, when set, is the Temporal release whose schema
	// versions the migration stops at, as that release's image would.
	SchemaRelease string
	ServerName    string
}

// ParseSettings reads the options, with each track's defaults.
func ParseSettings(cfg map[string]any) (Settings, error) {
	s := Settings{}
	s.Track, _ = cfg["track"].(string)
	s.Plugin, _ = cfg["sql-plugin"].(string)
	s.SchemaRelease, _ = cfg["schema-release"].(string)
	s.ServerName, _ = cfg["server-name"].(string)
	switch s.Track {
	case "", TrackCurrent:
		s.Track = TrackCurrent
		if s.Plugin == "" {
			s.Plugin = "postgres12"
		}
	case Track123:
		if s.Plugin == "" {
			// What track/1.23's src/charm.py runs.
			s.Plugin = "postgres"
		}
	default:
		return Settings{}, fmt.Errorf("invalid track %q: want %q or %q", s.Track, TrackCurrent, Track123)
	}
	if _, ok := releaseSchemas[s.SchemaRelease]; s.SchemaRelease != "" && !ok {
		return Settings{}, fmt.Errorf("invalid schema-release %q: want \"\" or \"1.23\"", s.SchemaRelease)
	}
	if s.ServerName == "" {
		s.ServerName = "temporal-k8s"
	}
	return s, nil
}
