package jujuapi_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/juju/juju/jujuclient"

	"github.com/temporal-k8s/temporal-k8s/tests/integration/jujuapi"
)

func TestSettingsFrom(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  map[string]string
		want jujuapi.Settings
	}{{
		name: "nothing set: temporary model and the upstream image",
		want: jujuapi.Settings{ServerImage: "ubuntu/temporal-server:1.31-26.04_stable"},
	}, {
		name: "everything set",
		env: map[string]string{
			"JUJU_CONTROLLER": "mk8s", "JUJU_MODEL": "admin/temporal", "KEEP_MODELS": "1",
			"CHARM_PATH": "./temporal-k8s_amd64.charm", "TEMPORAL_SERVER_IMAGE": "registry.local/temporal-server:dev",
			"TEMPORAL_ADMIN_CHANNEL": "1.31/edge",
		},
		want: jujuapi.Settings{
			Controller: "mk8s", Model: "admin/temporal", KeepModels: true,
			CharmPath: "./temporal-k8s_amd64.charm", ServerImage: "registry.local/temporal-server:dev",
			AdminChannel: "1.31/edge",
		},
	}, {
		name: "KEEP_MODELS=false does not keep",
		env:  map[string]string{"KEEP_MODELS": "false"},
		want: jujuapi.Settings{ServerImage: jujuapi.DefaultServerImage},
	}, {
		name: "KEEP_MODELS=0 does not keep",
		env:  map[string]string{"KEEP_MODELS": "0"},
		want: jujuapi.Settings{ServerImage: jujuapi.DefaultServerImage},
	}, {
		name: "KEEP_MODELS=yes keeps",
		env:  map[string]string{"KEEP_MODELS": "yes"},
		want: jujuapi.Settings{KeepModels: true, ServerImage: jujuapi.DefaultServerImage},
	}, {
		name: "blank image falls back to the default",
		env:  map[string]string{"TEMPORAL_SERVER_IMAGE": "  "},
		want: jujuapi.Settings{ServerImage: jujuapi.DefaultServerImage},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := jujuapi.SettingsFrom(func(k string) string { return tc.env[k] })
			require.Equal(t, tc.want, got)
		})
	}
}

func TestSplitModel(t *testing.T) {
	t.Parallel()
	tests := []struct{ spec, controller, model string }{
		{spec: "temporal", model: "temporal"},
		{spec: "admin/temporal", model: "admin/temporal"},
		{spec: "mk8s:admin/temporal", controller: "mk8s", model: "admin/temporal"},
	}
	for _, tc := range tests {
		t.Run(tc.spec, func(t *testing.T) {
			t.Parallel()
			c, m := jujuapi.SplitModel(tc.spec)
			require.Equal(t, tc.controller, c)
			require.Equal(t, tc.model, m)
		})
	}
}

// store returns a client store holding the named controllers (each with
// an admin account), the first one current.
func store(t *testing.T, controllers ...string) jujuclient.ClientStore {
	t.Helper()
	s := jujuclient.NewMemStore()
	for i, name := range controllers {
		require.NoError(t, s.AddController(name, jujuclient.ControllerDetails{ControllerUUID: "uuid-" + name}))
		require.NoError(t, s.UpdateAccount(name, jujuclient.AccountDetails{User: "admin"}))
		if i == 0 {
			require.NoError(t, s.SetCurrentController(name))
		}
	}
	return s
}

func TestSelectController(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		controllers []string
		settings    jujuapi.Settings
		want        string
		wantErr     string
		wantSkip    bool
	}{{
		name:     "empty store and no JUJU_CONTROLLER skips",
		wantSkip: true,
	}, {
		name:        "current controller",
		controllers: []string{"mk8s", "other"},
		want:        "mk8s",
	}, {
		name:        "JUJU_CONTROLLER wins over current",
		controllers: []string{"mk8s", "other"},
		settings:    jujuapi.Settings{Controller: "other"},
		want:        "other",
	}, {
		name:        "JUJU_MODEL prefix names the controller",
		controllers: []string{"mk8s", "other"},
		settings:    jujuapi.Settings{Model: "other:admin/temporal"},
		want:        "other",
	}, {
		name:        "JUJU_CONTROLLER and JUJU_MODEL disagree",
		controllers: []string{"mk8s", "other"},
		settings:    jujuapi.Settings{Controller: "mk8s", Model: "other:temporal"},
		wantErr:     `cannot use JUJU_CONTROLLER="mk8s" with JUJU_MODEL="other:temporal": they name different controllers`,
	}, {
		name:     "unknown JUJU_CONTROLLER fails instead of skipping",
		settings: jujuapi.Settings{Controller: "gone"},
		wantErr:  `cannot find controller "gone" in the client store: controller gone not found`,
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := jujuapi.SelectController(store(t, tc.controllers...), tc.settings)
			switch {
			case tc.wantSkip:
				require.ErrorIs(t, err, jujuapi.ErrNoController)
			case tc.wantErr != "":
				require.EqualError(t, err, tc.wantErr)
				require.NotErrorIs(t, err, jujuapi.ErrNoController)
			default:
				require.NoError(t, err)
				require.Equal(t, tc.want, got)
			}
		})
	}
}

func TestQualifiedModelName(t *testing.T) {
	t.Parallel()
	tests := []struct{ model, want string }{
		{model: "temporal", want: "admin/temporal"},
		{model: "bob/temporal", want: "bob/temporal"},
	}
	for _, tc := range tests {
		t.Run(tc.model, func(t *testing.T) {
			t.Parallel()
			got, err := jujuapi.QualifiedModelName(store(t, "mk8s"), "mk8s", tc.model)
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}
