// Package charmpack checks the artefact `make charm` builds: the archive
// Juju unpacks into the charm directory.
package charmpack_test

import (
	"archive/zip"
	"bytes"
	"debug/elf"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"gopkg.in/yaml.v3"

	"github.com/temporal-k8s/temporal-k8s/internal/grpchealth"
	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/internal/healthserver"
)

func readCharm(t *testing.T) map[string]*zip.File {
	path := os.Getenv("TEMPORAL_K8S_CHARM")
	require.NotEmpty(t, path, "TEMPORAL_K8S_CHARM must name the packed charm (make charm builds temporal-k8s.charm)")
	r, err := zip.OpenReader(path)
	require.NoError(t, err)
	t.Cleanup(func() { r.Close() })
	files := map[string]*zip.File{}
	for _, f := range r.File {
		files[f.Name] = f
	}
	return files
}

func content(t *testing.T, f *zip.File) []byte {
	rc, err := f.Open()
	require.NoError(t, err)
	defer rc.Close()
	data, err := io.ReadAll(rc)
	require.NoError(t, err)
	return data
}

func TestLayout(t *testing.T) {
	files := readCharm(t)
	var names []string
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	require.Equal(t, []string{"actions.yaml", "config.yaml", "dispatch", "manifest.yaml", "metadata.yaml"}, names)

	var manifest struct {
		Bases []struct {
			Name, Channel string
			Architectures []string
		}
	}
	require.NoError(t, yaml.Unmarshal(content(t, files["manifest.yaml"]), &manifest))
	require.Len(t, manifest.Bases, 1, "sidecar charms need bases in manifest.yaml")
	require.Equal(t, "ubuntu", manifest.Bases[0].Name)

	var meta struct {
		Name       string
		Containers map[string]struct{ Resource string }
		Resources  map[string]struct{ Type string }
	}
	require.NoError(t, yaml.Unmarshal(content(t, files["metadata.yaml"]), &meta))
	require.Equal(t, "temporal-k8s", meta.Name)
	require.Equal(t, "temporal-server-image", meta.Containers["temporal"].Resource)
	require.Equal(t, "oci-image", meta.Resources["temporal-server-image"].Type)
}

func TestDispatchIsAStaticExecutable(t *testing.T) {
	f := readCharm(t)["dispatch"]
	require.NotNil(t, f)
	require.NotZero(t, f.Mode()&0o111, "dispatch must be executable, mode %v", f.Mode())
	data := content(t, f)
	exe, err := elf.NewFile(bytes.NewReader(data))
	require.NoError(t, err)
	for _, p := range exe.Progs {
		require.NotEqual(t, elf.PT_INTERP, p.Type, "dispatch asks for a dynamic loader")
	}
	libs, err := exe.ImportedLibraries()
	require.NoError(t, err)
	require.Empty(t, libs)
	require.Nil(t, exe.Section(".symtab"), "dispatch is not stripped")
	require.Less(t, len(data), 16<<20, "dispatch should stay small: %d bytes", len(data))
}

// The packed binary, run under the health check's name, is the check: it
// asks grpc-go's health server (what every Temporal service registers)
// and exits 0 only while the service says SERVING.
func TestDispatchIsTheHealthCheck(t *testing.T) {
	exe := filepath.Join(t.TempDir(), grpchealth.Command)
	require.NoError(t, os.WriteFile(exe, content(t, readCharm(t)["dispatch"]), 0o755))

	addr, hs := healthserver.Start(t)
	target := "history=" + addr

	run := func() (string, int) {
		out, err := exec.Command(exe, target).CombinedOutput()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return string(out), exit.ExitCode()
		}
		require.NoError(t, err)
		return string(out), 0
	}
	hs.SetServingStatus(grpchealth.Service["history"], healthpb.HealthCheckResponse_SERVING)
	out, code := run()
	require.Equal(t, 0, code, out)
	hs.SetServingStatus(grpchealth.Service["history"], healthpb.HealthCheckResponse_NOT_SERVING)
	out, code = run()
	require.Equal(t, 1, code)
	require.Equal(t, "history is not healthy: NOT_SERVING at "+addr+"\n", out)
}
