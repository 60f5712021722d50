package jujuapi_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/juju/juju/rpc/params"

	"github.com/temporal-k8s/temporal-k8s/tests/integration/jujuapi"
	"github.com/temporal-k8s/temporal-k8s/tests/integration/jujuapi/jujuapitest"
)

const modelUUID = "6c2a3f9e-1b7d-4c55-8e0a-0d1f2e3a4b5c"

func newController(t *testing.T, replies map[string][]any) (*jujuapitest.Recorder, *jujuapi.Controller) {
	t.Helper()
	rec, caller := jujuapitest.New(t, replies)
	c := jujuapi.NewController(caller)
	c.PollInterval = time.Millisecond
	return rec, c
}

func TestCreateModel(t *testing.T) {
	t.Parallel()
	rec, c := newController(t, map[string][]any{"ModelManager.CreateModel": {params.ModelInfo{
		Name: "temporal-it-1", UUID: modelUUID, CloudTag: "cloud-microk8s", OwnerTag: "user-admin",
	}}})
	uuid, err := c.CreateModel("temporal-it-1", "admin")
	require.NoError(t, err)
	require.Equal(t, modelUUID, uuid)
	// No cloud, region or credential: the controller's own are used, as
	// `juju add-model` does on a single-cloud Kubernetes controller.
	jujuapitest.RequireCalls(t, rec.Calls(), jujuapitest.Want{Facade: "ModelManager", Version: modelsV, Method: "CreateModel",
		Args: `{"name":"temporal-it-1","owner-tag":"user-admin"}`})
}

func TestDestroyModelWaitsUntilGone(t *testing.T) {
	t.Parallel()
	alive := params.ModelInfoResults{Results: []params.ModelInfoResult{{Result: &params.ModelInfo{UUID: modelUUID, Life: "dying"}}}}
	gone := params.ModelInfoResults{Results: []params.ModelInfoResult{{Error: &params.Error{Code: params.CodeNotFound, Message: "model not found"}}}}
	rec, c := newController(t, map[string][]any{
		"ModelManager.DestroyModels": {params.ErrorResults{Results: []params.ErrorResult{{}}}},
		"ModelManager.ModelInfo":     {alive, alive, gone},
	})
	require.NoError(t, c.DestroyModel(context.Background(), modelUUID))
	info := jujuapitest.Want{Facade: "ModelManager", Version: modelsV, Method: "ModelInfo",
		Args: `{"entities":[{"tag":"model-` + modelUUID + `"}]}`}
	jujuapitest.RequireCalls(t, rec.Calls(),
		jujuapitest.Want{Facade: "ModelManager", Version: modelsV, Method: "DestroyModels",
			// max-wait is nanoseconds on the wire: two minutes.
			Args: `{"models":[{"model-tag":"model-` + modelUUID + `","destroy-storage":true,"force":true,"max-wait":120000000000}]}`},
		info, info, info)
}

func TestDestroyModelGivesUpWithContext(t *testing.T) {
	t.Parallel()
	_, c := newController(t, map[string][]any{
		"ModelManager.DestroyModels": {params.ErrorResults{Results: []params.ErrorResult{{}}}},
		"ModelManager.ModelInfo":     {params.ModelInfoResults{Results: []params.ModelInfoResult{{Result: &params.ModelInfo{UUID: modelUUID}}}}},
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, c.DestroyModel(ctx, modelUUID), context.DeadlineExceeded)
}

func TestModelUUID(t *testing.T) {
	t.Parallel()
	list := params.UserModelList{UserModels: []params.UserModel{
		{Model: params.Model{Name: "temporal", UUID: "uuid-bob", OwnerTag: "user-bob"}},
		{Model: params.Model{Name: "temporal", UUID: "uuid-admin", OwnerTag: "user-admin"}},
	}}
	tests := []struct {
		name, model, want, wantErr string
	}{
		{name: "matches owner and name", model: "admin/temporal", want: "uuid-admin"},
		{name: "other owner", model: "bob/temporal", want: "uuid-bob"},
		{name: "unknown", model: "admin/other", wantErr: `cannot find model "admin/other" on the controller`},
		{name: "unqualified", model: "temporal", wantErr: `cannot look up model "temporal": want owner/name`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, c := newController(t, map[string][]any{"ModelManager.ListModels": {list}})
			got, err := c.ModelUUID("admin", tc.model)
			if tc.wantErr != "" {
				require.EqualError(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}
