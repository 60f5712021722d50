package charmdir_test

import (
	"archive/zip"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/internal/charmdir"
)

const meta = `name: demo
containers:
  app: {resource: app-image, mounts: [{storage: data, location: /srv}]}
resources:
  app-image: {type: oci-image}
storage:
  data: {type: filesystem}
peers:
  peer: {interface: demo_peer}
provides:
  api: {interface: http}
requires:
  db: {interface: postgresql_client, limit: 1}
`

func writeZip(t *testing.T, path string, withModes bool) {
	t.Helper()
	f, err := os.Create(path)
	require.NoError(t, err)
	w := zip.NewWriter(f)
	add := func(name, content string, mode os.FileMode) {
		h := &zip.FileHeader{Name: name, Method: zip.Deflate}
		if withModes {
			h.SetMode(mode)
		}
		fw, err := w.CreateHeader(h)
		require.NoError(t, err)
		_, err = fw.Write([]byte(content))
		require.NoError(t, err)
	}
	add("metadata.yaml", meta, 0o644)
	add("config.yaml", "options:\n  n: {type: int, default: 3}\n", 0o644)
	add("actions.yaml", "restart: {description: Restart}\n", 0o644)
	add("dispatch", "#!/bin/sh\n", 0o755)
	require.NoError(t, w.Close())
	require.NoError(t, f.Close())
}

func TestUnpack(t *testing.T) {
	t.Parallel()
	for _, withModes := range []bool{true, false} {
		dir := t.TempDir()
		src := filepath.Join(dir, "demo.charm")
		writeZip(t, src, withModes)
		ch, err := charmdir.Unpack(src, filepath.Join(dir, "out"))
		require.NoError(t, err)
		st, err := os.Stat(filepath.Join(dir, "out", "dispatch"))
		require.NoError(t, err)
		require.NotZero(t, st.Mode()&0o111, "dispatch must be executable (modes in zip: %v)", withModes)
		require.Equal(t, "demo", ch.Meta.Name)
		require.Equal(t, []string{"app"}, ch.ContainerNames())
		require.Equal(t, []string{"data"}, ch.StorageNames())
		require.Equal(t, 3, ch.Options["n"].Default)
		require.Contains(t, ch.Actions, "restart")
		var names []string
		for _, e := range ch.Endpoints() {
			names = append(names, e.Name+"/"+string(e.Role))
		}
		require.Equal(t, []string{"api/provider", "db/requirer", "peer/peer"}, names)

		// A directory unpacks the same way.
		again, err := charmdir.Unpack(filepath.Join(dir, "out"), filepath.Join(dir, "copy"))
		require.NoError(t, err)
		require.Equal(t, ch.Meta, again.Meta)
	}
}

func TestLoadRejectsNamelessMetadata(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "metadata.yaml"), []byte("summary: x\n"), 0o644))
	_, err := charmdir.Load(dir)
	require.ErrorContains(t, err, "has no name")
}
