// Package charmdir reads a charm, packed (.charm zip) or unpacked, the way
// Juju does: metadata.yaml, config.yaml and actions.yaml at the top level
// and an executable dispatch.
package charmdir

import (
	"archive/zip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Endpoint is one relation endpoint from metadata.yaml.
type Endpoint struct {
	Interface string `yaml:"interface"`
	Limit     int    `yaml:"limit"`
	Optional  bool   `yaml:"optional"`
	Scope     string `yaml:"scope"`
}

// Mount is a storage mount inside a workload container.
type Mount struct {
	Storage  string `yaml:"storage"`
	Location string `yaml:"location"`
}

// Container is a workload container.
type Container struct {
	Resource string  `yaml:"resource"`
	Mounts   []Mount `yaml:"mounts"`
}

// Resource is a charm resource.
type Resource struct {
	Type           string `yaml:"type"`
	Description    string `yaml:"description"`
	UpstreamSource string `yaml:"upstream-source"`
}

// Storage is a storage declaration.
type Storage struct {
	Type     string `yaml:"type"`
	Location string `yaml:"location"`
}

// Meta is metadata.yaml.
type Meta struct {
	Name        string               `yaml:"name"`
	Summary     string               `yaml:"summary"`
	Description string               `yaml:"description"`
	Containers  map[string]Container `yaml:"containers"`
	Resources   map[string]Resource  `yaml:"resources"`
	Peers       map[string]Endpoint  `yaml:"peers"`
	Provides    map[string]Endpoint  `yaml:"provides"`
	Requires    map[string]Endpoint  `yaml:"requires"`
	Storage     map[string]Storage   `yaml:"storage"`
}

// Option is one config.yaml option.
type Option struct {
	Type        string `yaml:"type"`
	Default     any    `yaml:"default"`
	Description string `yaml:"description"`
}

// Action is one actions.yaml entry.
type Action struct {
	Description string                    `yaml:"description"`
	Params      map[string]map[string]any `yaml:"params"`
	Required    []string                  `yaml:"required"`
}

// Role says which side of a relation an endpoint is on.
type Role string

// Endpoint roles.
const (
	RolePeer     Role = "peer"
	RoleProvider Role = "provider"
	RoleRequirer Role = "requirer"
)

// Charm is a loaded charm.
type Charm struct {
	// Path is the charm's unpacked directory.
	Path    string
	Meta    Meta
	Options map[string]Option
	Actions map[string]Action
}

// Load reads a charm from an unpacked directory.
func Load(dir string) (*Charm, error) {
	ch := &Charm{Path: dir}
	if err := readYAML(filepath.Join(dir, "metadata.yaml"), &ch.Meta, true); err != nil {
		return nil, err
	}
	if ch.Meta.Name == "" {
		return nil, fmt.Errorf("cannot load charm %q: metadata.yaml has no name", dir)
	}
	var cfg struct {
		Options map[string]Option `yaml:"options"`
	}
	if err := readYAML(filepath.Join(dir, "config.yaml"), &cfg, false); err != nil {
		return nil, err
	}
	ch.Options = cfg.Options
	if ch.Options == nil {
		ch.Options = map[string]Option{}
	}
	if err := readYAML(filepath.Join(dir, "actions.yaml"), &ch.Actions, false); err != nil {
		return nil, err
	}
	if ch.Actions == nil {
		ch.Actions = map[string]Action{}
	}
	return ch, nil
}

func readYAML(path string, v any, required bool) error {
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) && !required {
		return nil
	}
	if err != nil {
		return fmt.Errorf("cannot read charm file: %w", err)
	}
	if err := yaml.Unmarshal(data, v); err != nil {
		return fmt.Errorf("cannot parse %s: %w", path, err)
	}
	return nil
}

// Unpack copies a charm (a .charm zip or a directory) into dest, which must
// not exist, and loads it.
func Unpack(src, dest string) (*Charm, error) {
	st, err := os.Stat(src)
	if err != nil {
		return nil, fmt.Errorf("cannot read charm: %w", err)
	}
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return nil, fmt.Errorf("cannot create charm directory: %w", err)
	}
	if st.IsDir() {
		err = copyDir(src, dest)
	} else {
		err = unzip(src, dest)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot unpack charm %q: %w", src, err)
	}
	return Load(dest)
}

func unzip(src, dest string) error {
	r, err := zip.OpenReader(src)
	if err != nil {
		return err
	}
	defer r.Close()
	for _, f := range r.File {
		name := filepath.Clean(f.Name)
		if strings.HasPrefix(name, "..") || filepath.IsAbs(name) {
			return fmt.Errorf("bad path %q in archive", f.Name)
		}
		target := filepath.Join(dest, name)
		mode := f.Mode()
		switch {
		case mode.IsDir():
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
			continue
		case mode&os.ModeSymlink != 0:
			rc, err := f.Open()
			if err != nil {
				return err
			}
			link, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				return err
			}
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return err
			}
			if err := os.Symlink(string(link), target); err != nil {
				return err
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		perm := mode.Perm()
		if perm == 0 {
			perm = 0o644
		}
		if err := writeZipFile(f, target, perm); err != nil {
			return err
		}
	}
	// Zips made without Unix modes lose dispatch's execute bit; Juju
	// would refuse such a charm, but there is nothing else dispatch can be.
	if st, err := os.Stat(filepath.Join(dest, "dispatch")); err == nil && st.Mode()&0o111 == 0 {
		return os.Chmod(filepath.Join(dest, "dispatch"), 0o755)
	}
	return nil
}

func writeZipFile(f *zip.File, target string, perm os.FileMode) error {
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	out, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, rc); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func copyDir(src, dest string) error {
	return filepath.Walk(src, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dest, rel)
		switch {
		case info.IsDir():
			return os.MkdirAll(target, info.Mode().Perm()|0o700)
		case info.Mode()&os.ModeSymlink != 0:
			link, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		case info.Mode().IsRegular():
			in, err := os.Open(path)
			if err != nil {
				return err
			}
			defer in.Close()
			out, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, info.Mode().Perm())
			if err != nil {
				return err
			}
			if _, err := io.Copy(out, in); err != nil {
				out.Close()
				return err
			}
			return out.Close()
		}
		return nil
	})
}

// EndpointInfo describes a named endpoint with its role.
type EndpointInfo struct {
	Name string
	Role Role
	Endpoint
}

// Endpoints returns every endpoint of the charm, sorted by name.
func (c *Charm) Endpoints() []EndpointInfo {
	var eps []EndpointInfo
	add := func(m map[string]Endpoint, r Role) {
		for n, e := range m {
			eps = append(eps, EndpointInfo{Name: n, Role: r, Endpoint: e})
		}
	}
	add(c.Meta.Peers, RolePeer)
	add(c.Meta.Provides, RoleProvider)
	add(c.Meta.Requires, RoleRequirer)
	sort.Slice(eps, func(i, j int) bool { return eps[i].Name < eps[j].Name })
	return eps
}

// Endpoint returns the named endpoint.
func (c *Charm) Endpoint(name string) (EndpointInfo, bool) {
	for _, e := range c.Endpoints() {
		if e.Name == name {
			return e, true
		}
	}
	return EndpointInfo{}, false
}

// ContainerNames returns the workload container names, sorted.
func (c *Charm) ContainerNames() []string {
	var names []string
	for n := range c.Meta.Containers {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// StorageNames returns the storage names, sorted.
func (c *Charm) StorageNames() []string {
	var names []string
	for n := range c.Meta.Storage {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
