package temporaladmin

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/version/v1"
	"go.temporal.io/server/api/adminservice/v1"
	clusterspb "go.temporal.io/server/api/cluster/v1"
)

func ring(role string, ids ...string) *clusterspb.RingInfo {
	r := &clusterspb.RingInfo{Role: role, MemberCount: int32(len(ids))}
	for _, id := range ids {
		r.Members = append(r.Members, &clusterspb.HostInfo{Identity: id})
	}
	return r
}

// walkthroughResponse is the answer behind the output the README shows.
func walkthroughResponse() *adminservice.DescribeClusterResponse {
	return &adminservice.DescribeClusterResponse{
		SupportedClients: map[string]string{
			"temporal-cli": "<2.0.0", "temporal-go": "<2.0.0", "temporal-java": "<2.0.0",
			"temporal-php": "<2.0.0", "temporal-server": "<2.0.0", "temporal-typescript": "<2.0.0",
			"temporal-ui": "<3.0.0",
		},
		ServerVersion: "1.17.3",
		MembershipInfo: &clusterspb.MembershipInfo{
			CurrentHost:      &clusterspb.HostInfo{Identity: "10.1.232.26:7233"},
			ReachableMembers: []string{"10.1.232.42:6939", "10.1.232.61:6935", "10.1.232.6:6934", "10.1.232.26:6933"},
			Rings: []*clusterspb.RingInfo{
				ring("frontend", "10.1.232.26:7233"),
				ring("history", "10.1.232.6:7234"),
				ring("matching", "10.1.232.61:7235"),
				ring("worker", "10.1.232.42:7239"),
			},
		},
		ClusterId:                "514dd854-eb26-4e93-9f3c-1355cb8aa99a",
		ClusterName:              "active",
		HistoryShardCount:        4,
		PersistenceStore:         "postgres",
		VisibilityStore:          "postgres",
		FailoverVersionIncrement: 10,
		InitialFailoverVersion:   1,
		// Fields tctl never printed stay out of the description.
		VersionInfo:              &version.VersionInfo{},
		IsGlobalNamespaceEnabled: true,
		Tags:                     map[string]string{"a": "b"},
		HttpAddress:              "10.1.232.26:7243",
	}
}

func TestDescriptionJSONMatchesWalkthrough(t *testing.T) {
	want, err := os.ReadFile("testdata/describe.json")
	require.NoError(t, err)
	got, err := NewDescription(walkthroughResponse()).JSON()
	require.NoError(t, err)
	require.Equal(t, strings.TrimSpace(string(want)), got)
}

func TestDescriptionEmpty(t *testing.T) {
	got, err := NewDescription(&adminservice.DescribeClusterResponse{}).JSON()
	require.NoError(t, err)
	// Lists are [] rather than null, as protojson-based tools print them.
	require.Contains(t, got, `"reachableMembers": []`)
	require.Contains(t, got, `"rings": []`)
	require.Contains(t, got, `"failoverVersionIncrement": "0"`)
}

func TestDescriptionRing(t *testing.T) {
	d := NewDescription(walkthroughResponse())
	r, ok := d.Ring("history")
	require.True(t, ok)
	require.Equal(t, []HostInfo{{Identity: "10.1.232.6:7234"}}, r.Members)
	_, ok = d.Ring("internal-frontend")
	require.False(t, ok)
}

func TestParseArgs(t *testing.T) {
	tests := []struct {
		args    string
		want    Invocation
		wantErr string
	}{
		{args: "adm cl d", want: Invocation{Command: CommandDescribe}},
		{args: "admin cluster describe", want: Invocation{Command: CommandDescribe}},
		{args: "  operator   cluster describe ", want: Invocation{Command: CommandDescribe}},
		{args: "--address 10.0.0.1:7236 adm cl d", want: Invocation{Command: CommandDescribe, Address: "10.0.0.1:7236"}},
		{args: "adm cl d --ad=x:1", want: Invocation{Command: CommandDescribe, Address: "x:1"}},
		{args: "cl h", want: Invocation{Command: CommandHealth}},
		{args: "cluster health", want: Invocation{Command: CommandHealth}},
		{args: "adm cl", wantErr: `unsupported command "adm cl"`},
		{args: "workflow list", wantErr: `unsupported command "workflow list"`},
		{args: "adm cl d --address", wantErr: "--address needs a value"},
		{args: "", wantErr: "unsupported command"},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			got, err := ParseArgs(tt.args)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}
