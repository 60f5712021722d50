// Package rock builds a root filesystem laid out like Canonical's
// temporal-server 1.31 rock (ubuntu/temporal-server): the server, the SQL
// tool and tdbg in /usr/bin, the upstream schemas in /etc/temporal/schema,
// the rock's own Pebble layer, and a user ubuntu (1000) that owns
// /etc/temporal. The local model uses the directory as an OCI image.
package rock

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// ServerModule is the Go module the Temporal binaries and schemas come from.
const ServerModule = "go.temporal.io/server"

// Binary is one executable of the rock and the Go package it is built from.
type Binary struct {
	// Name is the file name under /usr/bin.
	Name string
	// Package is the Go import path of the main package.
	Package string
}

// Binaries are the executables the 1.31 rock ships (its temporal CLI is
// not built: it lives in a separate module with its own dependency set).
var Binaries = []Binary{
	{Name: "temporal-server", Package: ServerModule + "/cmd/server"},
	{Name: "temporal-sql-tool", Package: ServerModule + "/cmd/tools/sql"},
	{Name: "tdbg", Package: ServerModule + "/cmd/tools/tdbg"},
	// The rock's built-in check runs pgrep; Ubuntu's base has procps.
	{Name: "pgrep", Package: "github.com/temporal-k8s/temporal-k8s/tests/localmodel/rock/pgrep"},
}

// Layer is the Pebble layer the rock carries, as rockcraft writes it from
// rockcraft.yaml: Juju copies it into the workload Pebble (PEBBLE_COPY_ONCE),
// so a charm must override the temporal-server service.
const Layer = `summary: Rock for Temporal Server
description: Rock for Temporal Server
services:
    temporal-server:
        override: replace
        summary: Service for temporal server
        command: /usr/bin/temporal-server start
        working-dir: /etc/temporal
        startup: enabled
        user: ubuntu
checks:
    temporal-server-running:
        override: replace
        exec:
            command: pgrep temporal-server
`

const passwd = `root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
ubuntu:x:1000:1000:Ubuntu:/home/ubuntu:/bin/sh
`

const group = `root:x:0:
daemon:x:1:
nogroup:x:65534:
ubuntu:x:1000:
`

// Options says where to build the rock and with what.
type Options struct {
	// Out is the root filesystem directory; created when missing.
	Out string
	// ModuleDir is a Go module that requires ServerModule (this module).
	ModuleDir string
	// Go is the go command; "go" when empty.
	Go string
	// Log receives progress lines; nil discards them.
	Log io.Writer
}

// Build lays out the root filesystem. Binaries are rebuilt only when their
// build key (module version, toolchain, flags) changed since the last build
// into the same directory, so a second run takes seconds.
func Build(ctx context.Context, opts Options) error {
	out, err := layout(&opts,
		[]string{"usr/bin", "bin", "etc/temporal", "home/ubuntu", "var/lib/pebble/default/layers", "licenses"},
		map[string]string{"var/lib/pebble/default/layers/001-temporal-server.yaml": Layer})
	if err != nil {
		return fmt.Errorf("cannot build rock: %w", err)
	}

	modDir, version, err := moduleDir(ctx, opts)
	if err != nil {
		return fmt.Errorf("cannot build rock: %w", err)
	}
	if err := copyTree(filepath.Join(modDir, "schema"), filepath.Join(out, "etc/temporal/schema")); err != nil {
		return fmt.Errorf("cannot copy schemas: %w", err)
	}
	if err := copyFile(filepath.Join(modDir, "LICENSE"), filepath.Join(out, "licenses/LICENSE-temporal"), 0o644); err != nil {
		return fmt.Errorf("cannot copy licence: %w", err)
	}
	for _, d := range []string{"etc/temporal", "home/ubuntu"} {
		if err := chownTree(filepath.Join(out, d), 1000, 1000); err != nil {
			return fmt.Errorf("cannot build rock: %w", err)
		}
	}

	goVersion, err := output(ctx, opts.ModuleDir, nil, opts.Go, "env", "GOVERSION")
	if err != nil {
		return fmt.Errorf("cannot build rock: %w", err)
	}
	// Build keys live beside the root filesystem, not in it.
	stamps := filepath.Join(filepath.Dir(out), "."+filepath.Base(out)+".buildkeys")
	if err := os.MkdirAll(stamps, 0o755); err != nil {
		return fmt.Errorf("cannot build rock: %w", err)
	}
	for _, b := range Binaries {
		dst := filepath.Join(out, "usr/bin", b.Name)
		if err := buildBinary(ctx, opts, b, dst, filepath.Join(stamps, b.Name), BuildKey(b, version, goVersion), local(b)); err != nil {
			return err
		}
	}
	// Ubuntu's merged /usr: /bin is /usr/bin. Kept as a separate directory
	// with links, since a symlinked /bin confuses some chroot set-ups.
	for _, b := range Binaries {
		link := filepath.Join(out, "bin", b.Name)
		if _, err := os.Lstat(link); err == nil {
			continue
		}
		if err := os.Symlink("/usr/bin/"+b.Name, link); err != nil {
			return fmt.Errorf("cannot build rock: %w", err)
		}
	}
	return nil
}

// BuildFlags are the go build flags the rock's binaries use: static,
// reproducible, stripped.
var BuildFlags = []string{"-trimpath", "-ldflags", "-s -w"}

// layout fills in opts' defaults and lays out the base every rock has
// (sticky world-writable /tmp, root's home, since Pebble exec starts in
// the user's home, the mount points, the users and name resolution),
// plus dirs and files; it returns the absolute root.
func layout(opts *Options, dirs []string, files map[string]string) (string, error) {
	if opts.Out == "" {
		return "", errors.New("no output directory")
	}
	if opts.Go == "" {
		opts.Go = "go"
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	out, err := filepath.Abs(opts.Out)
	if err != nil {
		return "", err
	}
	for _, d := range append([]string{"tmp", "root", "proc", "dev", "sys", "run", "etc"}, dirs...) {
		if err := os.MkdirAll(filepath.Join(out, d), 0o755); err != nil {
			return "", err
		}
	}
	if err := os.Chmod(filepath.Join(out, "tmp"), 0o777|fs.ModeSticky); err != nil {
		return "", err
	}
	if err := os.Chmod(filepath.Join(out, "root"), 0o700); err != nil {
		return "", err
	}
	all := map[string]string{
		"etc/passwd":        passwd,
		"etc/group":         group,
		"etc/hosts":         "127.0.0.1 localhost\n",
		"etc/nsswitch.conf": "hosts: files dns\n",
	}
	maps.Copy(all, files)
	for name, content := range all {
		if err := writeIfChanged(filepath.Join(out, name), []byte(content), 0o644); err != nil {
			return "", err
		}
	}
	return out, nil
}

// buildBinary builds b into dst unless stamp holds key and dst exists
// (always when force).
func buildBinary(ctx context.Context, opts Options, b Binary, dst, stamp, key string, force bool) error {
	name := filepath.Base(b.Name)
	if old, err := os.ReadFile(stamp); err == nil && string(old) == key && !force {
		if _, err := os.Stat(dst); err == nil {
			fmt.Fprintf(opts.Log, "%s is up to date\n", name)
			return nil
		}
	}
	fmt.Fprintf(opts.Log, "building %s (%s)\n", name, b.Package)
	// Write next to the destination and rename, so an interrupted build
	// never leaves a truncated binary behind a valid stamp.
	tmp := dst + ".tmp"
	args := append([]string{"build"}, BuildFlags...)
	args = append(args, "-o", tmp, b.Package)
	env := append(os.Environ(), "CGO_ENABLED=0")
	if _, err := output(ctx, opts.ModuleDir, env, opts.Go, args...); err != nil {
		return fmt.Errorf("cannot build %s: %w", name, err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		return fmt.Errorf("cannot build %s: %w", name, err)
	}
	if err := os.WriteFile(stamp, []byte(key), 0o644); err != nil {
		return fmt.Errorf("cannot build %s: %w", name, err)
	}
	return nil
}

// BuildKey identifies one binary build: when it is unchanged, so is the
// binary.
func BuildKey(b Binary, moduleVersion, goVersion string) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%s\n%s\nCGO_ENABLED=0\n", b.Package, moduleVersion, goVersion, strings.Join(BuildFlags, " "))
	return hex.EncodeToString(h.Sum(nil))
}

// local reports whether a binary comes from this repository: it changes
// without a version change, so it is always rebuilt (from the Go build
// cache, in a second).
func local(b Binary) bool {
	return !strings.HasPrefix(b.Package, ServerModule+"/")
}

func moduleDir(ctx context.Context, opts Options) (dir, version string, err error) {
	out, err := output(ctx, opts.ModuleDir, nil, opts.Go, "list", "-m", "-f", "{{.Dir}} {{.Version}}", ServerModule)
	if err != nil {
		return "", "", err
	}
	dir, version, ok := strings.Cut(out, " ")
	if !ok || dir == "" {
		// The module is not downloaded yet.
		if _, err := output(ctx, opts.ModuleDir, nil, opts.Go, "mod", "download", ServerModule); err != nil {
			return "", "", err
		}
		return moduleDir(ctx, opts)
	}
	return dir, version, nil
}

func output(ctx context.Context, dir string, env []string, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(stdout.String()), nil
}

func writeIfChanged(path string, content []byte, mode fs.FileMode) error {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, content) {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, content, mode)
}

// copyTree copies regular files and directories; files in the module cache
// are read-only, so modes are normalised to be writable by the owner.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		return copyFile(path, target, 0o644)
	})
}

func copyFile(src, dst string, mode fs.FileMode) error {
	content, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return writeIfChanged(dst, content, mode)
}

func chownTree(root string, uid, gid int) error {
	if os.Geteuid() != 0 {
		// Only root can give files away; an unprivileged build is still
		// usable for inspection.
		return nil
	}
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, uid, gid)
	})
}
