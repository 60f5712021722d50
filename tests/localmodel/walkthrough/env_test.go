package walkthrough

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestConfigFromEnv(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("this test, like the walkthrough, runs as root")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "localmodel")
	pebble := filepath.Join(dir, "pebble")
	charms := filepath.Join(dir, "charms")
	rock := filepath.Join(dir, "rock")
	uiRock := filepath.Join(dir, "uirock")
	chromium := filepath.Join(dir, "chromium")
	require.NoError(t, os.MkdirAll(charms, 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(rock, "usr/bin"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(uiRock, "home/ui-server"), 0o755))
	for _, f := range []string{bin, pebble, chromium, filepath.Join(rock, "usr/bin/temporal-server"), filepath.Join(uiRock, "home/ui-server/ui-server")} {
		require.NoError(t, os.WriteFile(f, nil, 0o755))
	}
	for _, name := range RequiredCharms {
		require.NoError(t, os.WriteFile(filepath.Join(charms, name+".charm"), nil, 0o644))
	}
	full := map[string]string{
		EnvBin: bin, EnvCharms: charms, EnvRock: rock, EnvPebble: pebble, EnvUIRock: uiRock, EnvChromium: chromium,
		EnvBootstrapArgs: "--prefix lmw  --subnet 10.213.9.0/24",
	}
	tests := []struct {
		name    string
		env     map[string]string
		wantErr []string
	}{
		{name: "complete", env: full},
		{name: "no rock is fine", env: without(full, EnvRock)},
		{name: "nothing", env: map[string]string{EnvBin: bin}, wantErr: []string{
			EnvCharms + " is not set", EnvPebble + " is not set",
		}},
		{name: "missing charm", env: with(full, EnvCharms, dir), wantErr: []string{"missing temporal-k8s.charm", "missing postgresql-k8s.charm"}},
		{name: "not a rock", env: with(full, EnvRock, dir), wantErr: []string{"is not a temporal-server rock"}},
		{name: "not a ui rock", env: with(full, EnvUIRock, rock), wantErr: []string{"is not a temporal-ui rock"}},
		{name: "no browser", env: with(full, EnvChromium, filepath.Join(dir, "nope")), wantErr: []string{EnvChromium + "="}},
		{name: "no binary", env: with(full, EnvBin, filepath.Join(dir, "nope")), wantErr: []string{EnvBin + "="}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := ConfigFromEnv(func(k string) string { return tt.env[k] })
			if len(tt.wantErr) == 0 {
				require.NoError(t, err)
				require.Equal(t, []string{"--prefix", "lmw", "--subnet", "10.213.9.0/24"}, cfg.BootstrapArgs)
				require.Equal(t, []string{EnvCharms + "=" + charms}, cfg.CLI().Env)
				return
			}
			for _, want := range tt.wantErr {
				require.ErrorContains(t, err, want)
			}
		})
	}
}

func TestConfigResources(t *testing.T) {
	require.Nil(t, Config{}.Resources())
	require.Equal(t, map[string]string{"temporal-server-image": "/r", "temporal-admin-image": "/r"}, Config{Rock: "/r"}.Resources())
	require.Equal(t, map[string]string{"temporal-ui-image": "/u"}, Config{UIRock: "/u"}.Resources())
}

func with(env map[string]string, k, v string) map[string]string {
	out := map[string]string{}
	for key, val := range env {
		out[key] = val
	}
	out[k] = v
	return out
}

func without(env map[string]string, k string) map[string]string {
	out := with(env, k, "")
	delete(out, k)
	return out
}
