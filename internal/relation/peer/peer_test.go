package peer_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/internal/relation/peer"
)

func TestLockedShards(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		app     map[string]string
		want    int
		locked  bool
		wantErr bool
	}{
		{name: "unset", app: map[string]string{}},
		{name: "json null", app: map[string]string{"num_history_shards": "null"}},
		{name: "locked by the python charm", app: map[string]string{"num_history_shards": "4"}, want: 4, locked: true},
		{name: "garbage", app: map[string]string{"num_history_shards": `"four"`}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n, locked, err := peer.LockedShards(tt.app)
			if tt.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, n)
			require.Equal(t, tt.locked, locked)
		})
	}
	n, locked, err := peer.LockedShards(peer.LockShards(512))
	require.NoError(t, err)
	require.True(t, locked)
	require.Equal(t, 512, n)
}
