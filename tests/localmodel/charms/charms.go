// Package charms packs the stand-in charms the local model deploys next
// to temporal-k8s: postgresql-k8s, temporal-admin-k8s, temporal-ui-k8s,
// the COS ones, prometheus-k8s, loki-k8s and grafana-k8s, the TLS
// provider self-signed-certificates, and the ingress providers traefik-k8s
// and nginx-ingress-integrator.
// Each is a Go dispatch binary plus its metadata, zipped as charmcraft
// would.
package charms

import (
	"archive/zip"
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

//go:embed postgresql-k8s/*.yaml temporal-admin-k8s/*.yaml prometheus-k8s/*.yaml loki-k8s/*.yaml grafana-k8s/*.yaml temporal-ui-k8s/*.yaml self-signed-certificates/*.yaml traefik-k8s/*.yaml nginx-ingress-integrator/*.yaml
var files embed.FS

// Charm is one stand-in charm.
type Charm struct {
	Name string
	// Main is the Go package of its dispatch binary.
	Main string
}

const modulePath = "github.com/temporal-k8s/temporal-k8s/tests/localmodel"

// All are the stand-in charms.
var All = []Charm{
	{Name: "postgresql-k8s", Main: modulePath + "/cmd/postgresql-k8s"},
	{Name: "temporal-admin-k8s", Main: modulePath + "/cmd/temporal-admin-k8s"},
	{Name: "prometheus-k8s", Main: modulePath + "/cmd/prometheus-k8s"},
	{Name: "loki-k8s", Main: modulePath + "/cmd/loki-k8s"},
	{Name: "grafana-k8s", Main: modulePath + "/cmd/grafana-k8s"},
	{Name: "temporal-ui-k8s", Main: modulePath + "/cmd/temporal-ui-k8s"},
	{Name: "self-signed-certificates", Main: modulePath + "/cmd/self-signed-certificates"},
	{Name: "traefik-k8s", Main: modulePath + "/cmd/traefik-k8s"},
	{Name: "nginx-ingress-integrator", Main: modulePath + "/cmd/nginx-ingress-integrator"},
}

// Manifest is charmcraft's manifest.yaml; its bases make the charm
// "format v2", which sidecar charms must be.
const Manifest = `analysis:
  attributes:
  - name: language
    result: go
  - name: framework
    result: unknown
bases:
- architectures:
  - amd64
  channel: '24.04'
  name: ubuntu
charmcraft-started-at: '2025-01-01T00:00:00.000000Z'
charmcraft-version: 3.5.0
`

// Files returns the charm's metadata files (metadata.yaml, config.yaml,
// actions.yaml) by name.
func (c Charm) Files() (map[string][]byte, error) {
	entries, err := fs.ReadDir(files, c.Name)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s metadata: %w", c.Name, err)
	}
	out := map[string][]byte{}
	for _, e := range entries {
		data, err := fs.ReadFile(files, path.Join(c.Name, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("cannot read %s metadata: %w", c.Name, err)
		}
		out[e.Name()] = data
	}
	if _, ok := out["metadata.yaml"]; !ok {
		return nil, fmt.Errorf("cannot pack %s: no metadata.yaml", c.Name)
	}
	return out, nil
}

// Pack writes the .charm archive: dispatch (executable) and the metadata.
// Entries are sorted and timestamps fixed, so equal inputs give equal
// archives.
func Pack(w io.Writer, meta map[string][]byte, dispatch []byte) error {
	zw := zip.NewWriter(w)
	stamp := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	add := func(name string, mode fs.FileMode, data []byte) error {
		h := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: stamp}
		h.SetMode(mode)
		f, err := zw.CreateHeader(h)
		if err != nil {
			return err
		}
		_, err = f.Write(data)
		return err
	}
	all := map[string][]byte{"manifest.yaml": []byte(Manifest)}
	for name, data := range meta {
		all[name] = data
	}
	names := make([]string, 0, len(all))
	for name := range all {
		names = append(names, name)
	}
	sort.Strings(names)
	if err := add("dispatch", 0o755, dispatch); err != nil {
		return fmt.Errorf("cannot pack charm: %w", err)
	}
	for _, name := range names {
		if err := add(name, 0o644, all[name]); err != nil {
			return fmt.Errorf("cannot pack charm: %w", err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("cannot pack charm: %w", err)
	}
	return nil
}

// BuildOptions says where to build the stand-in charms.
type BuildOptions struct {
	// Out is the charm repository: <Out>/<name>.charm.
	Out string
	// ModuleDir is this Go module's directory.
	ModuleDir string
	// Go is the go command; "go" when empty.
	Go string
	// Log receives progress lines; nil discards them.
	Log io.Writer
}

// Build compiles each stand-in charm (static, like charmcraft's go plugin
// with CGO_ENABLED=0) and packs it into Out.
func Build(ctx context.Context, opts BuildOptions) error {
	if opts.Out == "" {
		return errors.New("cannot build charms: no output directory")
	}
	if opts.Go == "" {
		opts.Go = "go"
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	if err := os.MkdirAll(opts.Out, 0o755); err != nil {
		return fmt.Errorf("cannot build charms: %w", err)
	}
	tmp, err := os.MkdirTemp("", "standin-charms-")
	if err != nil {
		return fmt.Errorf("cannot build charms: %w", err)
	}
	defer os.RemoveAll(tmp)
	for _, c := range All {
		fmt.Fprintf(opts.Log, "building %s\n", c.Name)
		bin := filepath.Join(tmp, c.Name)
		cmd := exec.CommandContext(ctx, opts.Go, "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, c.Main)
		cmd.Dir = opts.ModuleDir
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("cannot build %s: %w: %s", c.Name, err, strings.TrimSpace(stderr.String()))
		}
		dispatch, err := os.ReadFile(bin)
		if err != nil {
			return fmt.Errorf("cannot build %s: %w", c.Name, err)
		}
		meta, err := c.Files()
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		if err := Pack(&buf, meta, dispatch); err != nil {
			return fmt.Errorf("cannot pack %s: %w", c.Name, err)
		}
		// Rename into place so a running model never reads half a charm.
		dst := filepath.Join(opts.Out, c.Name+".charm")
		if err := os.WriteFile(dst+".tmp", buf.Bytes(), 0o644); err != nil {
			return fmt.Errorf("cannot write %s: %w", dst, err)
		}
		if err := os.Rename(dst+".tmp", dst); err != nil {
			return fmt.Errorf("cannot write %s: %w", dst, err)
		}
	}
	return nil
}

// Resources are the default resources the stand-ins and temporal-k8s use
// in the local model, by resource name: the value is a root filesystem
// directory, or "host" for the machine's own. rockDir is the
// temporal-server rock, uiRockDir the temporal-ui one.
func Resources(rockDir, uiRockDir string) map[string]string {
	return map[string]string{
		"temporal-ui-image":     uiRockDir,
		"postgresql-image":      "host",
		"prometheus-image":      "host",
		"loki-image":            "host",
		"grafana-image":         "host",
		"traefik-image":         "host",
		"nginx-image":           "host",
		"temporal-admin-image":  rockDir,
		"temporal-server-image": rockDir,
	}
}

// WriteResources lays out <Out>/resources, where the local model looks for
// a resource that deploy does not name: a file holding "host", or a
// symbolic link to a root filesystem directory. An empty rockDir or
// uiRockDir leaves that rock's resources out.
func WriteResources(out, rockDir, uiRockDir string) error {
	dir := filepath.Join(out, "resources")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("cannot write resources: %w", err)
	}
	for _, d := range []*string{&rockDir, &uiRockDir} {
		if *d == "" {
			continue
		}
		abs, err := filepath.Abs(*d)
		if err != nil {
			return fmt.Errorf("cannot write resources: %w", err)
		}
		*d = abs
	}
	names := make([]string, 0)
	res := Resources(rockDir, uiRockDir)
	for name := range res {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		value := res[name]
		p := filepath.Join(dir, name)
		if value == "" {
			continue
		}
		if err := os.RemoveAll(p); err != nil {
			return fmt.Errorf("cannot write resource %s: %w", name, err)
		}
		if value == "host" {
			err := os.WriteFile(p, []byte("host\n"), 0o644)
			if err != nil {
				return fmt.Errorf("cannot write resource %s: %w", name, err)
			}
			continue
		}
		if err := os.Symlink(value, p); err != nil {
			return fmt.Errorf("cannot write resource %s: %w", name, err)
		}
	}
	return nil
}
