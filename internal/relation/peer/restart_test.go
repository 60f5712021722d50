package peer_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/internal/relation/peer"
)

func TestNextGrant(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	fresh := now.Add(-time.Minute)
	stale := now.Add(-peer.RestartTimeout)
	tests := []struct {
		name     string
		current  peer.Grant
		requests map[string]string
		want     peer.Grant
	}{
		{"nobody asks", peer.Grant{}, nil, peer.Grant{}},
		{"unit 0 first", peer.Grant{}, map[string]string{"t/1": "h", "t/0": "h"}, peer.Grant{Unit: "t/0", At: now}},
		{"the lowest asking unit first", peer.Grant{}, map[string]string{"t/10": "h1", "t/9": "h1", "t/2": "h1"}, peer.Grant{Unit: "t/2", At: now}},
		{"the holder keeps it while it asks", peer.Grant{Unit: "t/9", At: fresh}, map[string]string{"t/2": "h", "t/9": "h"}, peer.Grant{Unit: "t/9", At: fresh}},
		{"a holder that is done passes it on in order", peer.Grant{Unit: "t/2", At: fresh}, map[string]string{"t/1": "h", "t/10": "h", "t/9": "h"}, peer.Grant{Unit: "t/9", At: now}},
		{"after the last unit, the first", peer.Grant{Unit: "t/10", At: fresh}, map[string]string{"t/1": "h", "t/9": "h"}, peer.Grant{Unit: "t/1", At: now}},
		{"a holder that is done and nobody asks frees it", peer.Grant{Unit: "t/2", At: fresh}, map[string]string{}, peer.Grant{}},
		{"a gone holder passes it on", peer.Grant{Unit: "t/5", At: fresh}, map[string]string{"t/3": "h"}, peer.Grant{Unit: "t/3", At: now}},
		{"a holder out of time goes last", peer.Grant{Unit: "t/2", At: stale}, map[string]string{"t/2": "h", "t/1": "h", "t/3": "h"}, peer.Grant{Unit: "t/3", At: now}},
		{"a holder out of time that alone asks is granted again", peer.Grant{Unit: "t/2", At: stale}, map[string]string{"t/2": "h"}, peer.Grant{Unit: "t/2", At: now}},
		{"a holder just within its time keeps it", peer.Grant{Unit: "t/2", At: stale.Add(time.Second)}, map[string]string{"t/2": "h", "t/1": "h"}, peer.Grant{Unit: "t/2", At: stale.Add(time.Second)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, peer.NextGrant(tt.current, tt.requests, now))
		})
	}
}

func TestGrantData(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 30, 12, 0, 0, 0, time.FixedZone("x", 3600))
	g := peer.Grant{Unit: "t/1", At: at}
	data := g.Data()
	require.Equal(t, map[string]string{"restart-holder": "t/1", "restart-granted": "2026-11-30T11:00:00Z"}, data)
	back, err := peer.ReadGrant(data)
	require.NoError(t, err)
	require.True(t, back.At.Equal(at))
	require.Equal(t, "t/1", back.Unit)
	require.True(t, back.Held())

	free := peer.Grant{}.Data()
	require.Equal(t, map[string]string{"restart-holder": "", "restart-granted": ""}, free)
	back, err = peer.ReadGrant(free)
	require.NoError(t, err)
	require.False(t, back.Held())

	_, err = peer.ReadGrant(map[string]string{"restart-holder": "t/1", "restart-granted": "yesterday"})
	require.EqualError(t, err, `cannot parse peer restart-granted "yesterday"`)
}
