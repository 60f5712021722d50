package peer_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/internal/relation/peer"
)

func TestReadLocks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		app     map[string]string
		want    peer.Locks
		wantErr string
	}{
		{name: "unset", app: map[string]string{}},
		{name: "json null", app: map[string]string{"num_history_shards": "null", "db_name": "null"}},
		{name: "locked by the python charm", app: map[string]string{"num_history_shards": "4"}, want: peer.Locks{Shards: 4}},
		{name: "every lock", app: map[string]string{"num_history_shards": "512", "db_name": `"a"`, "visibility_db_name": `"b"`},
			want: peer.Locks{Shards: 512, DBName: "a", VisibilityDBName: "b"}},
		{name: "garbage shards", app: map[string]string{"num_history_shards": `"four"`}, wantErr: `cannot parse peer num_history_shards "\"four\""`},
		{name: "one shard", app: map[string]string{"num_history_shards": "1"}, want: peer.Locks{Shards: 1}},
		{name: "zero shards", app: map[string]string{"num_history_shards": "0"}, wantErr: `cannot parse peer num_history_shards "0"`},
		{name: "unquoted name", app: map[string]string{"db_name": "a"}, wantErr: `cannot parse peer db_name "a"`},
		{name: "empty name", app: map[string]string{"visibility_db_name": `""`}, wantErr: `cannot parse peer visibility_db_name`},
		{name: "10 kB of garbage is quoted short", app: map[string]string{"db_name": strings.Repeat("x", 10_000)}, wantErr: `"` + strings.Repeat("x", 64) + `… (10000 bytes)"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := peer.ReadLocks(tt.app)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestLocksRoundTrip(t *testing.T) {
	t.Parallel()
	want := peer.Locks{Shards: 512, DBName: "temporal-k8s_db", VisibilityDBName: "temporal-k8s_visibility"}
	data := peer.Locks{}.Missing(want)
	require.Equal(t, map[string]string{
		"num_history_shards": "512", "db_name": `"temporal-k8s_db"`, "visibility_db_name": `"temporal-k8s_visibility"`,
	}, data)
	got, err := peer.ReadLocks(data)
	require.NoError(t, err)
	require.Equal(t, want, got)
	require.Empty(t, got.Missing(want), "nothing left to lock")
	// A Python charm's lock gains the database names only.
	require.Equal(t, []string{"db_name", "visibility_db_name"}, keys(peer.Locks{Shards: 4}.Missing(want)))
}

func TestConflicts(t *testing.T) {
	t.Parallel()
	locked := peer.Locks{Shards: 512, DBName: "a", VisibilityDBName: "b"}
	require.Empty(t, locked.Conflicts(locked))
	require.Empty(t, peer.Locks{}.Conflicts(locked), "nothing locked, nothing conflicts")
	require.Equal(t, []string{
		"num-history-shards is locked at 512 and cannot change to 1024: set it back to 512",
		`db-name is locked at "a" and cannot change to "c": set it back to "a"`,
		`visibility-db-name is locked at "b" and cannot change to "d": set it back to "b"`,
	}, locked.Conflicts(peer.Locks{Shards: 1024, DBName: "c", VisibilityDBName: "d"}))
}

func keys(m map[string]string) []string {
	var out []string
	for _, k := range []string{"num_history_shards", "db_name", "visibility_db_name"} {
		if _, ok := m[k]; ok {
			out = append(out, k)
		}
	}
	return out
}
