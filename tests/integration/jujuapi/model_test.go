package jujuapi_test

import (
	"archive/zip"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	charmresource "github.com/juju/charm/v12/resource"
	"github.com/stretchr/testify/require"

	apicharm "github.com/juju/juju/api/common/charm"
	corebase "github.com/juju/juju/core/base"
	"github.com/juju/juju/rpc/params"
	coretesting "github.com/juju/juju/testing"

	"github.com/temporal-k8s/temporal-k8s/tests/integration/jujuapi"
	"github.com/temporal-k8s/temporal-k8s/tests/integration/jujuapi/jujuapitest"
)

// Facade versions a 3.6.25 client settles on with a 3.6.25 controller.
const (
	applicationV = 22
	actionV      = 7
	clientV      = 8
	resourcesV   = 3
	modelsV      = 10
)

func TestModelRequests(t *testing.T) {
	t.Parallel()
	ok := params.ErrorResults{Results: []params.ErrorResult{{}}}
	adminDeployed := params.DeployFromRepositoryResults{Results: []params.DeployFromRepositoryResult{{
		Info: params.DeployFromRepositoryInfo{Name: "temporal-admin-k8s", Base: params.Base{Name: "ubuntu", Channel: "22.04"}},
	}}}
	units := func(n int) *int { return &n }
	channel := func(s string) *string { return &s }

	tests := []struct {
		name    string
		replies map[string][]any
		run     func(*jujuapi.Model) error
		want    []jujuapitest.Want
	}{{
		name:    "integrate sends both endpoints",
		replies: map[string][]any{"Application.AddRelation": {params.AddRelationResults{}}},
		run:     func(m *jujuapi.Model) error { return m.Integrate("temporal-k8s:db", "postgresql-k8s:database") },
		want: []jujuapitest.Want{{Facade: "Application", Version: applicationV, Method: "AddRelation",
			Args: `{"endpoints":["temporal-k8s:db","postgresql-k8s:database"]}`}},
	}, {
		name:    "scale sets an absolute unit count",
		replies: map[string][]any{"Application.ScaleApplications": {params.ScaleApplicationResults{Results: []params.ScaleApplicationResult{{}}}}},
		run:     func(m *jujuapi.Model) error { return m.Scale("temporal-k8s-history", 2) },
		want: []jujuapitest.Want{{Facade: "Application", Version: applicationV, Method: "ScaleApplications",
			Args: `{"applications":[{"application-tag":"application-temporal-k8s-history","scale":2,"force":false}]}`}},
	}, {
		name:    "config goes to the main generation",
		replies: map[string][]any{"Application.SetConfigs": {ok}},
		run: func(m *jujuapi.Model) error {
			return m.SetConfig("temporal-k8s", map[string]string{"num-history-shards": "100"})
		},
		want: []jujuapitest.Want{{Facade: "Application", Version: applicationV, Method: "SetConfigs",
			Args: `{"Args":[{"application":"temporal-k8s","generation":"master","config":{"num-history-shards":"100"},"config-yaml":""}]}`}},
	}, {
		name:    "reset unsets the option",
		replies: map[string][]any{"Application.UnsetApplicationsConfig": {ok}},
		run:     func(m *jujuapi.Model) error { return m.ResetConfig("temporal-k8s", "num-history-shards") },
		want: []jujuapitest.Want{{Facade: "Application", Version: applicationV, Method: "UnsetApplicationsConfig",
			Args: `{"Args":[{"application":"temporal-k8s","branch":"master","options":["num-history-shards"]}]}`}},
	}, {
		name:    "charmhub deploy with channel and trust",
		replies: map[string][]any{"Application.DeployFromRepository": {adminDeployed}},
		run: func(m *jujuapi.Model) error {
			return m.DeployCharmhub("postgresql-k8s", jujuapi.CharmhubOptions{Charm: "postgresql-k8s", Channel: "14/stable", Units: 1, Trust: true})
		},
		want: []jujuapitest.Want{{Facade: "Application", Version: applicationV, Method: "DeployFromRepository",
			Args: params.DeployFromRepositoryArgs{Args: []params.DeployFromRepositoryArg{{
				CharmName: "postgresql-k8s", ApplicationName: "postgresql-k8s", Channel: channel("14/stable"), NumUnits: units(1), Trust: true,
			}}}}},
	}, {
		name:    "charmhub deploy without channel leaves it to charmhub",
		replies: map[string][]any{"Application.DeployFromRepository": {adminDeployed}},
		run: func(m *jujuapi.Model) error {
			return m.DeployCharmhub("temporal-admin-k8s", jujuapi.CharmhubOptions{Charm: "temporal-admin-k8s", Units: 1})
		},
		want: []jujuapitest.Want{{Facade: "Application", Version: applicationV, Method: "DeployFromRepository",
			Args: params.DeployFromRepositoryArgs{Args: []params.DeployFromRepositoryArg{{
				CharmName: "temporal-admin-k8s", ApplicationName: "temporal-admin-k8s", NumUnits: units(1),
			}}}}},
	}, {
		name:    "status asks for everything",
		replies: map[string][]any{"Client.FullStatus": {params.FullStatus{}}},
		run:     func(m *jujuapi.Model) error { _, err := m.Status(); return err },
		want: []jujuapitest.Want{{Facade: "Client", Version: clientV, Method: "FullStatus",
			Args: `{"patterns":null}`}},
	}, {
		name: "action names come from the application's charm",
		replies: map[string][]any{"Action.ApplicationsCharmsActions": {params.ApplicationsCharmActionsResults{Results: []params.ApplicationCharmActionsResult{{
			ApplicationTag: "application-temporal-admin-k8s",
			Actions:        map[string]params.ActionSpec{"tctl": {}, "setup-schema": {}},
		}}}}},
		run: func(m *jujuapi.Model) error {
			got, err := m.ActionNames("temporal-admin-k8s")
			if err == nil && len(got) != 2 {
				return errors.New("want two actions")
			}
			return err
		},
		want: []jujuapitest.Want{{Facade: "Action", Version: actionV, Method: "ApplicationsCharmsActions",
			Args: `{"entities":[{"tag":"application-temporal-admin-k8s"}]}`}},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec, m := jujuapitest.NewModel(t, tc.replies)
			require.NoError(t, tc.run(m))
			jujuapitest.RequireCalls(t, rec.Calls(), tc.want...)
		})
	}
}

func TestModelErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		replies map[string][]any
		run     func(*jujuapi.Model) error
		want    string
	}{{
		name:    "scale result error",
		replies: map[string][]any{"Application.ScaleApplications": {params.ScaleApplicationResults{Results: []params.ScaleApplicationResult{{Error: &params.Error{Message: "no such app"}}}}}},
		run:     func(m *jujuapi.Model) error { return m.Scale("temporal-k8s", 2) },
		want:    `cannot scale "temporal-k8s" to 2: no such app`,
	}, {
		name:    "config rejected",
		replies: map[string][]any{"Application.SetConfigs": {params.ErrorResults{Results: []params.ErrorResult{{Error: &params.Error{Message: "unknown option"}}}}}},
		run:     func(m *jujuapi.Model) error { return m.SetConfig("temporal-k8s", map[string]string{"x": "1"}) },
		want:    `cannot configure "temporal-k8s": unknown option`,
	}, {
		name: "charmhub deploy errors",
		replies: map[string][]any{"Application.DeployFromRepository": {params.DeployFromRepositoryResults{Results: []params.DeployFromRepositoryResult{{
			Errors: []*params.Error{{Message: "charm not found"}},
		}}}}},
		run: func(m *jujuapi.Model) error {
			return m.DeployCharmhub("pg", jujuapi.CharmhubOptions{Charm: "nope", Units: 1})
		},
		want: `cannot deploy nope as "pg": charm not found`,
	}, {
		name: "charmhub deploy asking for uploads",
		replies: map[string][]any{"Application.DeployFromRepository": {params.DeployFromRepositoryResults{Results: []params.DeployFromRepositoryResult{{
			Info:                   params.DeployFromRepositoryInfo{Base: params.Base{Name: "ubuntu", Channel: "22.04"}},
			PendingResourceUploads: []*params.PendingResourceUpload{{Name: "image"}},
		}}}}},
		run: func(m *jujuapi.Model) error {
			return m.DeployCharmhub("pg", jujuapi.CharmhubOptions{Charm: "pg", Units: 1})
		},
		want: `cannot deploy pg as "pg": the controller asks for 1 resource uploads`,
	}, {
		name:    "integrate refused",
		replies: map[string][]any{"Application.AddRelation": {errors.New("endpoint not found")}},
		run:     func(m *jujuapi.Model) error { return m.Integrate("a:db", "b:database") },
		want:    "cannot integrate a:db with b:database: endpoint not found",
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, m := jujuapitest.NewModel(t, tc.replies)
			require.EqualError(t, tc.run(m), tc.want)
		})
	}
}

func TestRunAction(t *testing.T) {
	t.Parallel()
	enqueued := params.EnqueuedActions{OperationTag: "operation-1", Actions: []params.ActionResult{{
		Action: &params.Action{Tag: "action-2", Receiver: "unit-temporal-admin-k8s-0", Name: "tctl"},
		Status: params.ActionPending,
	}}}
	result := func(status, message string, output map[string]any) params.ActionResults {
		return params.ActionResults{Results: []params.ActionResult{{
			Action: &params.Action{Tag: "action-2"}, Status: status, Message: message, Output: output,
		}}}
	}
	wantCalls := func(polls int) []jujuapitest.Want {
		calls := []jujuapitest.Want{{Facade: "Action", Version: actionV, Method: "EnqueueOperation",
			Args: `{"actions":[{"tag":"","receiver":"unit-temporal-admin-k8s-0","name":"tctl","parameters":{"args":"adm cl d"}}]}`}}
		for range polls {
			calls = append(calls, jujuapitest.Want{Facade: "Action", Version: actionV, Method: "Actions",
				Args: `{"entities":[{"tag":"action-2"}]}`})
		}
		return calls
	}
	tests := []struct {
		name    string
		results []any
		polls   int
		wantOut map[string]any
		wantErr string
	}{{
		name:    "waits through pending and running until completed",
		results: []any{result(params.ActionPending, "", nil), result(params.ActionRunning, "", nil), result(params.ActionCompleted, "", map[string]any{"output": "{}"})},
		polls:   3,
		wantOut: map[string]any{"output": "{}"},
	}, {
		name:    "failed action is an error with its message",
		results: []any{result(params.ActionFailed, "command failed: exit 1", nil)},
		polls:   1,
		wantErr: `action 2 tctl on temporal-admin-k8s/0 ended failed: "command failed: exit 1" (output map[])`,
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec, m := jujuapitest.NewModel(t, map[string][]any{"Action.EnqueueOperation": {enqueued}, "Action.Actions": tc.results})
			res, err := m.RunAction(context.Background(), "temporal-admin-k8s/0", "tctl", map[string]any{"args": "adm cl d"})
			if tc.wantErr != "" {
				require.EqualError(t, err, tc.wantErr)
			} else {
				require.NoError(t, err)
				require.Equal(t, jujuapi.ActionResult{ID: "2", Status: params.ActionCompleted, Output: tc.wantOut}, res)
			}
			jujuapitest.RequireCalls(t, rec.Calls(), wantCalls(tc.polls)...)
		})
	}
}

func TestRunActionStopsWithContext(t *testing.T) {
	t.Parallel()
	_, m := jujuapitest.NewModel(t, map[string][]any{
		"Action.EnqueueOperation": {params.EnqueuedActions{OperationTag: "operation-1", Actions: []params.ActionResult{{Action: &params.Action{Tag: "action-2"}}}}},
		"Action.Actions":          {params.ActionResults{Results: []params.ActionResult{{Status: params.ActionRunning}}}},
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := m.RunAction(ctx, "temporal-k8s/0", "restart", nil)
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestRunActionRejectsBadUnit(t *testing.T) {
	t.Parallel()
	rec, m := jujuapitest.NewModel(t, nil)
	_, err := m.RunAction(context.Background(), "temporal-k8s", "restart", nil)
	require.EqualError(t, err, `cannot run restart: invalid unit "temporal-k8s"`)
	require.Empty(t, rec.Calls())
}

func TestWaitForSettles(t *testing.T) {
	t.Parallel()
	active := params.FullStatus{Applications: map[string]params.ApplicationStatus{"a": {Units: map[string]params.UnitStatus{
		"a/0": {WorkloadStatus: params.DetailedStatus{Status: "active"}, AgentStatus: params.DetailedStatus{Status: "idle"}},
	}}}}
	busy := params.FullStatus{Applications: map[string]params.ApplicationStatus{"a": {Units: map[string]params.UnitStatus{
		"a/0": {WorkloadStatus: params.DetailedStatus{Status: "active"}, AgentStatus: params.DetailedStatus{Status: "executing"}},
	}}}}
	// active, busy, active, active: the first pass does not count once a
	// hook runs in between, so four polls are needed for Settle=2.
	rec, m := jujuapitest.NewModel(t, map[string][]any{"Client.FullStatus": {active, busy, active, active}})
	_, err := m.WaitFor(context.Background(), jujuapi.AllActiveIdle("a"))
	require.NoError(t, err)
	require.Len(t, rec.Calls(), 4)
}

func TestWaitForReportsLastReason(t *testing.T) {
	t.Parallel()
	_, m := jujuapitest.NewModel(t, map[string][]any{"Client.FullStatus": {params.FullStatus{}}})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := m.WaitFor(ctx, jujuapi.AllActiveIdle("temporal-k8s"))
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.ErrorContains(t, err, `application "temporal-k8s" not in status`)
}

// writeCharm packs a minimal Kubernetes charm like charmcraft's output:
// metadata with a container and its oci-image resource, a manifest with one
// base, and a dispatch script.
func writeCharm(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "temporal-k8s_ubuntu-22.04-amd64.charm")
	f, err := os.Create(path)
	require.NoError(t, err)
	zw := zip.NewWriter(f)
	files := map[string]string{
		"metadata.yaml": `name: temporal-k8s
summary: Temporal server
description: Temporal server
containers:
  temporal:
    resource: temporal-server-image
resources:
  temporal-server-image:
    type: oci-image
    description: OCI image for Temporal
`,
		"manifest.yaml": `bases:
- name: ubuntu
  channel: "22.04"
  architectures: [amd64]
`,
		"dispatch": "#!/bin/sh\n",
	}
	for name, body := range files {
		w, err := zw.Create(name)
		require.NoError(t, err)
		_, err = w.Write([]byte(body))
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	require.NoError(t, f.Close())
	return path
}

func TestUploadAndDeployLocal(t *testing.T) {
	t.Parallel()
	rec, m := jujuapitest.NewModel(t, map[string][]any{
		"Resources.AddPendingResources": {params.AddPendingResourcesResult{PendingIDs: []string{"pending-1"}}},
		"Application.Deploy":            {params.ErrorResults{Results: []params.ErrorResult{{}}}},
	})
	// The controller answers a charm upload with the URL it stored.
	rec.SetUploadHeader("Juju-Curl", "local:temporal-k8s-3")

	ch, err := m.UploadCharm(writeCharm(t))
	require.NoError(t, err)
	three := 3
	wantOrigin := apicharm.Origin{
		Source: apicharm.OriginLocal, Architecture: "amd64", Revision: &three,
		Base: corebase.MustParseBaseFromString("ubuntu@22.04"),
	}
	require.Equal(t, "local:temporal-k8s-3", ch.URL)
	require.Equal(t, wantOrigin, ch.Origin)

	err = m.DeployLocal("temporal-k8s-history", ch, jujuapi.DeployOptions{
		Units:  1,
		Config: map[string]string{"services": "history"},
		Images: map[string]string{"temporal-server-image": "ubuntu/temporal-server:1.31-26.04_stable"},
	})
	require.NoError(t, err)

	uploads := rec.Uploads()
	require.Len(t, uploads, 2)
	charmUpload := uploads[0]
	require.Equal(t, "PUT", charmUpload.Method)
	require.Regexp(t, "^/model-"+coretesting.ModelTag.Id()+"/charms/temporal-k8s-[0-9a-f]+$", charmUpload.Path)
	require.Equal(t, "local:temporal-k8s-0", charmUpload.Header.Get("Juju-Curl"))
	require.Equal(t, "application/zip", charmUpload.Header.Get("Content-Type"))

	image := uploads[1]
	require.Equal(t, "PUT", image.Method)
	require.Equal(t, "/applications/temporal-k8s-history/resources/temporal-server-image", image.Path)
	require.Equal(t, "pendingid=pending-1", image.Query)
	// The same bytes `juju deploy --resource` sends: DockerImageDetails as
	// YAML, empty credentials included.
	require.Equal(t, "registrypath: ubuntu/temporal-server:1.31-26.04_stable\nusername: \"\"\npassword: \"\"\n", image.Body)

	jujuapitest.RequireCalls(t, rec.Calls(),
		jujuapitest.Want{Facade: "Resources", Version: resourcesV, Method: "AddPendingResources",
			Args: params.AddPendingResourcesArgsV2{
				Entity: params.Entity{Tag: "application-temporal-k8s-history"},
				// As `juju deploy --resource`: no charm origin here, an
				// empty fingerprint, the bytes follow over HTTP.
				Resources: []params.CharmResource{{
					Name: "temporal-server-image", Type: "oci-image", Description: "OCI image for Temporal", Origin: "upload",
					Fingerprint: []byte{},
				}},
			}},
		jujuapitest.Want{Facade: "Application", Version: applicationV, Method: "Deploy",
			Args: params.ApplicationsDeploy{Applications: []params.ApplicationDeploy{{
				ApplicationName: "temporal-k8s-history",
				CharmURL:        "local:temporal-k8s-3",
				CharmOrigin: &params.CharmOrigin{
					Source: "local", Revision: &three, Architecture: "amd64",
					Base: params.Base{Name: "ubuntu", Channel: "22.04/stable"},
				},
				NumUnits:  1,
				Config:    map[string]string{"services": "history"},
				Resources: map[string]string{"temporal-server-image": "pending-1"},
			}}}},
	)
}

func TestDeployLocalNeedsEveryResource(t *testing.T) {
	t.Parallel()
	rec, m := jujuapitest.NewModel(t, nil)
	ch := jujuapi.LocalCharm{
		URL:       "local:temporal-k8s-0",
		Resources: map[string]charmresource.Meta{"temporal-server-image": {Name: "temporal-server-image", Type: charmresource.TypeContainerImage}},
	}
	err := m.DeployLocal("temporal-k8s", ch, jujuapi.DeployOptions{Units: 1})
	require.EqualError(t, err, `cannot deploy "temporal-k8s": no value for resource "temporal-server-image"`)
	require.Empty(t, rec.Calls())
	require.Empty(t, rec.Uploads())
}

func TestDeployLocalTrustGoesIntoConfig(t *testing.T) {
	t.Parallel()
	rec, m := jujuapitest.NewModel(t, map[string][]any{"Application.Deploy": {params.ErrorResults{Results: []params.ErrorResult{{}}}}})
	ch := jujuapi.LocalCharm{URL: "local:x-0", Origin: apicharm.Origin{Source: apicharm.OriginLocal}}
	require.NoError(t, m.DeployLocal("x", ch, jujuapi.DeployOptions{Units: 2, Trust: true}))
	jujuapitest.RequireCalls(t, rec.Calls(), jujuapitest.Want{Facade: "Application", Version: applicationV, Method: "Deploy",
		Args: params.ApplicationsDeploy{Applications: []params.ApplicationDeploy{{
			ApplicationName: "x", CharmURL: "local:x-0",
			CharmOrigin: &params.CharmOrigin{Source: "local", Base: params.Base{Channel: ""}},
			NumUnits:    2,
			Config:      map[string]string{"trust": "true"},
		}}}})
}
