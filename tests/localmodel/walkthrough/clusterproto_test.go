package walkthrough

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/server/api/adminservice/v1"
	clusterspb "go.temporal.io/server/api/cluster/v1"
	"google.golang.org/protobuf/proto"

	"github.com/temporal-k8s/temporal-k8s/internal/cluster"
)

// The charm decodes DescribeCluster by hand: check it against the
// server's own generated message, every field set.
func TestCharmDecodesTheRealDescribeClusterResponse(t *testing.T) {
	msg := &adminservice.DescribeClusterResponse{
		SupportedClients: map[string]string{"temporal-cli": ">=1.0.0"},
		ServerVersion:    "1.31.2",
		MembershipInfo: &clusterspb.MembershipInfo{
			CurrentHost:      &clusterspb.HostInfo{Identity: "10.213.0.5:7233"},
			ReachableMembers: []string{"10.213.0.5:6933", "10.213.0.6:6934"},
			Rings: []*clusterspb.RingInfo{
				{Role: "frontend", MemberCount: 2, Members: []*clusterspb.HostInfo{{Identity: "a"}, {Identity: "b"}}},
				{Role: "history", MemberCount: 1, Members: []*clusterspb.HostInfo{{Identity: "c"}}},
				{Role: "matching"},
			},
		},
		ClusterId:                "6c1c4a40-0d5e-4b57-9d1e-2f2b7c0f1a11",
		ClusterName:              "active",
		HistoryShardCount:        1024,
		PersistenceStore:         "postgres12",
		VisibilityStore:          "postgres12",
		FailoverVersionIncrement: 10,
		InitialFailoverVersion:   1,
		IsGlobalNamespaceEnabled: true,
		Tags:                     map[string]string{"k": "v"},
		HttpAddress:              "10.213.0.5:7243",
	}
	data, err := proto.Marshal(msg)
	require.NoError(t, err)
	d, err := cluster.Decode(data)
	require.NoError(t, err)
	require.Equal(t, cluster.Description{
		ClusterID:         "6c1c4a40-0d5e-4b57-9d1e-2f2b7c0f1a11",
		HistoryShardCount: 1024,
		Rings:             map[string]int{"frontend": 2, "history": 1, "matching": 0},
		Members:           map[string][]string{"frontend": {"a", "b"}, "history": {"c"}},
	}, d)
}
