package charms

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

func TestFiles(t *testing.T) {
	for _, c := range All {
		t.Run(c.Name, func(t *testing.T) {
			files, err := c.Files()
			require.NoError(t, err)
			require.ElementsMatch(t, []string{"metadata.yaml", "config.yaml", "actions.yaml"}, keys(files))
			var meta struct {
				Name       string                    `yaml:"name"`
				Containers map[string]map[string]any `yaml:"containers"`
				Resources  map[string]map[string]any `yaml:"resources"`
			}
			require.NoError(t, yaml.Unmarshal(files["metadata.yaml"], &meta))
			require.Equal(t, c.Name, meta.Name)
			// Every container's resource is declared, as Juju requires.
			for name, container := range meta.Containers {
				res, _ := container["resource"].(string)
				require.Contains(t, meta.Resources, res, name)
				require.Equal(t, "oci-image", meta.Resources[res]["type"])
			}
		})
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestPack(t *testing.T) {
	var buf bytes.Buffer
	meta := map[string][]byte{"metadata.yaml": []byte("name: x\n"), "config.yaml": []byte("options: {}\n")}
	require.NoError(t, Pack(&buf, meta, []byte("#!binary")))

	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	require.NoError(t, err)
	got := map[string]os.FileMode{}
	for _, f := range zr.File {
		got[f.Name] = f.Mode().Perm()
	}
	require.Equal(t, map[string]os.FileMode{"dispatch": 0o755, "metadata.yaml": 0o644, "config.yaml": 0o644, "manifest.yaml": 0o644}, got)

	// Same input, same bytes.
	var again bytes.Buffer
	require.NoError(t, Pack(&again, meta, []byte("#!binary")))
	require.Equal(t, buf.Bytes(), again.Bytes())
}

func TestManifestHasBases(t *testing.T) {
	var m struct {
		Bases []struct {
			Name          string   `yaml:"name"`
			Channel       string   `yaml:"channel"`
			Architectures []string `yaml:"architectures"`
		} `yaml:"bases"`
	}
	require.NoError(t, yaml.Unmarshal([]byte(Manifest), &m))
	require.Len(t, m.Bases, 1)
	require.Equal(t, "ubuntu", m.Bases[0].Name)
}

func TestWriteResources(t *testing.T) {
	dir := t.TempDir()
	rock := filepath.Join(dir, "rock")
	uiRock := filepath.Join(dir, "uirock")
	require.NoError(t, os.Mkdir(rock, 0o755))
	require.NoError(t, os.Mkdir(uiRock, 0o755))
	require.NoError(t, WriteResources(dir, rock, uiRock))
	data, err := os.ReadFile(filepath.Join(dir, "resources", "postgresql-image"))
	require.NoError(t, err)
	require.Equal(t, "host\n", string(data))
	for _, name := range []string{"temporal-admin-image", "temporal-server-image"} {
		target, err := os.Readlink(filepath.Join(dir, "resources", name))
		require.NoError(t, err)
		require.Equal(t, rock, target)
	}
	target, err := os.Readlink(filepath.Join(dir, "resources", "temporal-ui-image"))
	require.NoError(t, err)
	require.Equal(t, uiRock, target)
	// Idempotent.
	require.NoError(t, WriteResources(dir, rock, uiRock))
}
