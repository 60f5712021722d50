package integration

import (
	"context"
	"fmt"
	"testing"

	charmresource "github.com/juju/charm/v12/resource"
	"github.com/stretchr/testify/require"

	apicharm "github.com/juju/juju/api/common/charm"
	corebase "github.com/juju/juju/core/base"
	"github.com/juju/juju/rpc/params"

	"github.com/temporal-k8s/temporal-k8s/tests/integration/jujuapi"
	"github.com/temporal-k8s/temporal-k8s/tests/integration/jujuapi/jujuapitest"
)

// These tests run without a controller: they check that the walkthrough
// sends the requests the README's juju commands would.

func TestDeployRequests(t *testing.T) {
	t.Parallel()
	rec, m := jujuapitest.NewModel(t, map[string][]any{
		"Resources.AddPendingResources": {
			params.AddPendingResourcesResult{PendingIDs: []string{"p0"}},
			params.AddPendingResourcesResult{PendingIDs: []string{"p1"}},
			params.AddPendingResourcesResult{PendingIDs: []string{"p2"}},
			params.AddPendingResourcesResult{PendingIDs: []string{"p3"}},
		},
		"Application.Deploy": {params.ErrorResults{Results: []params.ErrorResult{{}}}},
		"Application.DeployFromRepository": {params.DeployFromRepositoryResults{Results: []params.DeployFromRepositoryResult{{
			Info: params.DeployFromRepositoryInfo{Base: params.Base{Name: "ubuntu", Channel: "22.04"}},
		}}}},
	})
	rev := 0
	ch := jujuapi.LocalCharm{
		URL: "local:temporal-k8s-0",
		Origin: apicharm.Origin{Source: apicharm.OriginLocal, Architecture: "amd64", Revision: &rev,
			Base: corebase.MustParseBaseFromString("ubuntu@22.04")},
		Resources: map[string]charmresource.Meta{ServerImageResource: {
			Name: ServerImageResource, Type: charmresource.TypeContainerImage, Description: "OCI image for Temporal",
		}},
	}
	s := jujuapi.Settings{ServerImage: "ubuntu/temporal-server:1.31-26.04_stable", AdminChannel: "1.31/edge"}
	require.NoError(t, Deploy(m, ch, s))

	var want []jujuapitest.Want
	for i, a := range []struct{ app, services string }{
		{"temporal-k8s", "frontend"},
		{"temporal-k8s-matching", "matching"},
		{"temporal-k8s-history", "history"},
		{"temporal-k8s-worker", "worker"},
	} {
		want = append(want,
			jujuapitest.Want{Facade: "Resources", Version: 3, Method: "AddPendingResources",
				Args: `{"tag":"application-` + a.app + `","url":"","charm-origin":{"source":"","type":"","id":"","base":{"name":"","channel":""}},"macaroon":null,` +
					`"resources":[{"name":"temporal-server-image","type":"oci-image","path":"","description":"OCI image for Temporal","origin":"upload","revision":0,"fingerprint":"","size":0}]}`},
			jujuapitest.Want{Facade: "Application", Version: 22, Method: "Deploy",
				Args: params.ApplicationsDeploy{Applications: []params.ApplicationDeploy{{
					ApplicationName: a.app,
					CharmURL:        "local:temporal-k8s-0",
					CharmOrigin: &params.CharmOrigin{Source: "local", Revision: &rev, Architecture: "amd64",
						Base: params.Base{Name: "ubuntu", Channel: "22.04/stable"}},
					NumUnits:  1,
					Config:    map[string]string{"services": a.services},
					Resources: map[string]string{ServerImageResource: fmt.Sprintf("p%d", i)},
				}}}},
		)
	}
	want = append(want,
		jujuapitest.Want{Facade: "Application", Version: 22, Method: "DeployFromRepository",
			Args: `{"Args":[{"CharmName":"postgresql-k8s","ApplicationName":"postgresql-k8s","AttachStorage":null,"channel":"14/stable","ConfigYAML":"",` +
				`"Cons":{},"Devices":null,"DryRun":false,"num-units":1,"Placement":null,"Storage":null,"Trust":true}]}`},
		jujuapitest.Want{Facade: "Application", Version: 22, Method: "DeployFromRepository",
			Args: `{"Args":[{"CharmName":"temporal-admin-k8s","ApplicationName":"temporal-admin-k8s","AttachStorage":null,"channel":"1.31/edge","ConfigYAML":"",` +
				`"Cons":{},"Devices":null,"DryRun":false,"num-units":1,"Placement":null,"Storage":null,"Trust":false}]}`},
	)
	jujuapitest.RequireCalls(t, rec.Calls(), want...)

	uploads := rec.Uploads()
	require.Len(t, uploads, 4)
	for i, app := range []string{"temporal-k8s", "temporal-k8s-matching", "temporal-k8s-history", "temporal-k8s-worker"} {
		require.Equal(t, "/applications/"+app+"/resources/temporal-server-image", uploads[i].Path)
		require.Equal(t, fmt.Sprintf("pendingid=p%d", i), uploads[i].Query)
		require.Contains(t, uploads[i].Body, "registrypath: ubuntu/temporal-server:1.31-26.04_stable\n")
	}
}

func TestRelateRequests(t *testing.T) {
	t.Parallel()
	for _, app := range []string{"temporal-k8s", "temporal-k8s-history", "temporal-k8s-matching", "temporal-k8s-worker"} {
		t.Run(app, func(t *testing.T) {
			t.Parallel()
			rec, m := jujuapitest.NewModel(t, map[string][]any{"Application.AddRelation": {params.AddRelationResults{}}})
			require.NoError(t, Relate(m, app))
			want := []jujuapitest.Want{
				{Facade: "Application", Version: 22, Method: "AddRelation", Args: `{"endpoints":["` + app + `:db","postgresql-k8s:database"]}`},
				{Facade: "Application", Version: 22, Method: "AddRelation", Args: `{"endpoints":["` + app + `:visibility","postgresql-k8s:database"]}`},
				{Facade: "Application", Version: 22, Method: "AddRelation", Args: `{"endpoints":["` + app + `:admin","temporal-admin-k8s:admin"]}`},
			}
			if app == "temporal-k8s" {
				want = append(want, jujuapitest.Want{Facade: "Application", Version: 22, Method: "AddRelation",
					Args: `{"endpoints":["temporal-k8s:temporal-host-info","temporal-admin-k8s:temporal-host-info"]}`})
			}
			jujuapitest.RequireCalls(t, rec.Calls(), want...)
		})
	}
}

func TestScaleRequests(t *testing.T) {
	t.Parallel()
	for _, n := range []int{2, 1} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			t.Parallel()
			rec, m := jujuapitest.NewModel(t, map[string][]any{"Application.ScaleApplications": {params.ScaleApplicationResults{Results: []params.ScaleApplicationResult{{}}}}})
			require.NoError(t, ScaleServers(m, n))
			var want []jujuapitest.Want
			for _, app := range []string{"temporal-k8s", "temporal-k8s-matching", "temporal-k8s-history", "temporal-k8s-worker"} {
				want = append(want, jujuapitest.Want{Facade: "Application", Version: 22, Method: "ScaleApplications",
					Args: fmt.Sprintf(`{"applications":[{"application-tag":"application-%s","scale":%d,"force":false}]}`, app, n)})
			}
			jujuapitest.RequireCalls(t, rec.Calls(), want...)
		})
	}
}

func TestUnitCounts(t *testing.T) {
	t.Parallel()
	require.Equal(t, map[string]int{
		"temporal-k8s": 2, "temporal-k8s-history": 2, "temporal-k8s-matching": 2, "temporal-k8s-worker": 2,
		"postgresql-k8s": 1, "temporal-admin-k8s": 1,
	}, UnitCounts(2))
}

func TestDescribeAction(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		actions  []string
		wantName string
		wantArgs map[string]any
		wantErr  string
	}{
		{name: "tctl as in the walkthrough", actions: []string{"setup-schema", "tctl"}, wantName: "tctl", wantArgs: map[string]any{"args": "adm cl d"}},
		{name: "tctl preferred over cli", actions: []string{"cli", "tctl"}, wantName: "tctl", wantArgs: map[string]any{"args": "adm cl d"}},
		{name: "cli on newer admin revisions", actions: []string{"cli", "pre-upgrade-check", "setup-schema"}, wantName: "cli",
			wantArgs: map[string]any{"args": "operator cluster describe --output json"}},
		{name: "neither", actions: []string{"setup-schema"}, wantErr: "cannot describe the cluster: temporal-admin-k8s has neither a tctl nor a cli action (has [setup-schema])"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			name, args, err := DescribeAction(tc.actions)
			if tc.wantErr != "" {
				require.EqualError(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.wantName, name)
			require.Equal(t, tc.wantArgs, args)
		})
	}
}

// tctlOneEach is the walkthrough's `adm cl d` output before scaling.
const tctlOneEach = `{
  "supportedClients": {"temporal-cli": "\u003c2.0.0"},
  "serverVersion": "1.17.3",
  "membershipInfo": {
    "currentHost": {"identity": "10.1.232.26:7233"},
    "reachableMembers": ["10.1.232.42:6939", "10.1.232.61:6935", "10.1.232.6:6934", "10.1.232.26:6933"],
    "rings": [
      {"role": "frontend", "memberCount": 1, "members": [{"identity": "10.1.232.26:7233"}]},
      {"role": "history", "memberCount": 1, "members": [{"identity": "10.1.232.6:7234"}]},
      {"role": "matching", "memberCount": 1, "members": [{"identity": "10.1.232.61:7235"}]},
      {"role": "worker", "memberCount": 1, "members": [{"identity": "10.1.232.42:7239"}]}
    ]
  },
  "clusterId": "514dd854-eb26-4e93-9f3c-1355cb8aa99a",
  "historyShardCount": 4
}`

// tctlTwoEach is the walkthrough's output after scaling to 2, from a
// newer server that also lists an internal-frontend ring.
const tctlTwoEach = `{
  "membershipInfo": {
    "rings": [
      {"role": "frontend", "memberCount": 2, "members": [{"identity": "10.1.232.26:7233"}, {"identity": "10.1.232.25:7233"}]},
      {"role": "internal-frontend", "memberCount": 0},
      {"role": "history", "memberCount": 2, "members": [{"identity": "10.1.232.6:7234"}, {"identity": "10.1.232.51:7234"}]},
      {"role": "matching", "memberCount": 2, "members": [{"identity": "10.1.232.61:7235"}, {"identity": "10.1.232.38:7235"}]},
      {"role": "worker", "memberCount": 2, "members": [{"identity": "10.1.232.42:7239"}, {"identity": "10.1.232.23:7239"}]}
    ]
  }
}`

func TestParseMembership(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		output    string
		want      Membership
		expect    int
		expectErr string
		wantErr   string
	}{{
		name:   "one member each",
		output: tctlOneEach,
		want: Membership{
			"frontend": {"10.1.232.26:7233"}, "history": {"10.1.232.6:7234"},
			"matching": {"10.1.232.61:7235"}, "worker": {"10.1.232.42:7239"},
		},
		expect: 1,
	}, {
		name:      "one member each is not two",
		output:    tctlOneEach,
		expect:    2,
		expectErr: `ring "frontend" has 1 members [10.1.232.26:7233], want 2`,
	}, {
		name:   "two members each, internal-frontend ignored",
		output: tctlTwoEach,
		expect: 2,
	}, {
		name:      "a departed member still in the ring",
		output:    tctlTwoEach,
		expect:    1,
		expectErr: `ring "frontend" has 2 members [10.1.232.26:7233 10.1.232.25:7233], want 1`,
	}, {
		name:      "a ring missing",
		output:    `{"membershipInfo":{"rings":[{"role":"frontend","memberCount":1,"members":[{"identity":"a"}]}]}}`,
		expect:    1,
		expectErr: `ring "history" missing from map[frontend:[a]]`,
	}, {
		name:   "leading noise before the JSON",
		output: "warning: deprecated\n" + tctlOneEach,
		expect: 1,
	}, {
		name:    "temporal CLI cluster describe carries no membership",
		output:  `{"supportedClients":{},"serverVersion":"1.31.2","clusterId":"x","clusterName":"active","historyShardCount":4,"persistenceStore":"postgres","visibilityStore":"postgres"}`,
		wantErr: "cannot find membershipInfo in the cluster description; deploy a temporal-admin-k8s revision with the tctl action (TEMPORAL_ADMIN_CHANNEL)",
	}, {
		name:    "memberCount disagrees with the list",
		output:  `{"membershipInfo":{"rings":[{"role":"frontend","memberCount":2,"members":[{"identity":"a"}]}]}}`,
		wantErr: `cannot trust ring "frontend": memberCount 2 but 1 members listed`,
	}, {
		name:    "not JSON",
		output:  "Error: connection refused",
		wantErr: `cannot find JSON in the cluster description "Error: connection refused"`,
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseMembership(tc.output)
			if tc.wantErr != "" {
				require.EqualError(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			if tc.want != nil {
				require.Equal(t, tc.want, got)
			}
			if tc.expectErr != "" {
				require.EqualError(t, got.Expect(tc.expect), tc.expectErr)
			} else {
				require.NoError(t, got.Expect(tc.expect))
			}
		})
	}
}

func TestReadMembership(t *testing.T) {
	t.Parallel()
	rec, m := jujuapitest.NewModel(t, map[string][]any{
		"Action.ApplicationsCharmsActions": {params.ApplicationsCharmActionsResults{Results: []params.ApplicationCharmActionsResult{{
			ApplicationTag: "application-temporal-admin-k8s",
			Actions:        map[string]params.ActionSpec{"tctl": {}, "setup-schema": {}},
		}}}},
		"Action.EnqueueOperation": {params.EnqueuedActions{OperationTag: "operation-5", Actions: []params.ActionResult{{
			Action: &params.Action{Tag: "action-6"}, Status: params.ActionPending,
		}}}},
		"Action.Actions": {params.ActionResults{Results: []params.ActionResult{{
			Status: params.ActionCompleted, Output: map[string]any{"result": "command succeeded", "output": tctlOneEach},
		}}}},
	})
	got, err := ReadMembership(context.Background(), m)
	require.NoError(t, err)
	require.NoError(t, got.Expect(1))
	jujuapitest.RequireCalls(t, rec.Calls(),
		jujuapitest.Want{Facade: "Action", Version: 7, Method: "ApplicationsCharmsActions", Args: `{"entities":[{"tag":"application-temporal-admin-k8s"}]}`},
		jujuapitest.Want{Facade: "Action", Version: 7, Method: "EnqueueOperation",
			Args: `{"actions":[{"tag":"","receiver":"unit-temporal-admin-k8s-0","name":"tctl","parameters":{"args":"adm cl d"}}]}`},
		jujuapitest.Want{Facade: "Action", Version: 7, Method: "Actions", Args: `{"entities":[{"tag":"action-6"}]}`},
	)
}

func TestMembershipFromResults(t *testing.T) {
	t.Parallel()
	got, err := MembershipFromResults(map[string]interface{}{
		"cluster-id": "c", "history-shard-count": "512",
		"rings": map[string]interface{}{
			"frontend": map[string]interface{}{"count": "1", "members": "10.1.0.7:7233"},
			"history":  map[string]interface{}{"count": "2", "members": "10.1.0.8:7234,10.1.0.9:7234"},
			"worker":   map[string]interface{}{"count": "0", "members": ""},
		},
	})
	require.NoError(t, err)
	require.Equal(t, Membership{"frontend": {"10.1.0.7:7233"}, "history": {"10.1.0.8:7234", "10.1.0.9:7234"}, "worker": nil}, got)

	_, err = MembershipFromResults(map[string]interface{}{"rings": map[string]interface{}{
		"history": map[string]interface{}{"count": "3", "members": "a"},
	}})
	require.ErrorContains(t, err, `cannot trust ring "history"`)
	_, err = MembershipFromResults(map[string]interface{}{})
	require.ErrorContains(t, err, "cannot find rings")
}
