package pod

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// HelperName is argv[0] of the container helper: a re-executed copy of
// the binary that sets up a container's mounts and network namespace and
// then execs the container's process.
const HelperName = "localmodel-container"

// containerSpec is what the helper is asked to build.
type containerSpec struct {
	// NetNS is the network namespace file to join.
	NetNS string `json:"netns"`
	// Root is where the root filesystem is assembled (a mountpoint on the
	// host; the mounts exist only in the container's mount namespace).
	Root string `json:"root"`
	// Image is the lower directory of an overlay root; empty means a
	// mirror of the host's root.
	Image string `json:"image,omitempty"`
	Upper string `json:"upper,omitempty"`
	Work  string `json:"work,omitempty"`
	// FreshTmp mounts a private tmpfs on /tmp.
	FreshTmp bool `json:"fresh-tmp,omitempty"`
	// FreshProc mounts a /proc for the helper's own PID namespace.
	FreshProc bool `json:"fresh-proc,omitempty"`
	// Hostname is set in the container's own UTS namespace: the pod
	// name, as Kubernetes sets it for every container of a pod.
	Hostname string     `json:"hostname,omitempty"`
	Binds    []bindSpec `json:"binds"`
	Dir      string     `json:"dir"`
	Env      []string   `json:"env"`
	Argv     []string   `json:"argv"`
}

type bindSpec struct {
	Source string `json:"source"`
	Target string `json:"target"`
	// ReadOnly remounts the bind read-only.
	ReadOnly bool `json:"read-only,omitempty"`
}

// IsHelper reports whether argv0 names the container helper.
func IsHelper(argv0 string) bool { return filepath.Base(argv0) == HelperName }

// HelperMain runs the container helper. It only returns on failure: on
// success the process becomes the container's process.
func HelperMain(args []string) int {
	if len(args) != 2 {
		fmt.Fprintln(os.Stderr, "ERROR usage: "+HelperName+" SPEC")
		return 126
	}
	var spec containerSpec
	if err := json.Unmarshal([]byte(args[1]), &spec); err != nil {
		fmt.Fprintf(os.Stderr, "ERROR cannot parse container spec: %v\n", err)
		return 126
	}
	if err := enterContainer(&spec); err != nil {
		fmt.Fprintf(os.Stderr, "ERROR cannot start container process: %v\n", err)
		return 126
	}
	return 126
}

// rootBuilder assembles a root filesystem without writing to the host: it
// only creates files and directories on filesystems it mounted itself.
type rootBuilder struct {
	root string
	// overlays are host directories made private with an overlay.
	overlays []string
	// foreign are host directories bound into the root: creating anything
	// inside them would write to the host.
	foreign []string
	n       int
}

func under(path, dir string) bool { return path == dir || strings.HasPrefix(path, dir+"/") }

// isOwned reports whether creating files in path stays inside this mount
// namespace.
func (b *rootBuilder) isOwned(path string) bool {
	for _, o := range b.overlays {
		if under(path, o) {
			return true
		}
	}
	for _, f := range b.foreign {
		if under(path, f) {
			return false
		}
	}
	return under(path, b.root)
}

// ensure makes path (inside the root) exist as a directory, or as a file
// when file is true, overlaying the deepest existing host directory with a
// tmpfs-backed layer when something must be created inside it.
func (b *rootBuilder) ensure(path string, file bool) error {
	full := filepath.Join(b.root, path)
	if _, err := os.Lstat(full); err == nil {
		return nil
	}
	parts := strings.Split(strings.Trim(path, "/"), "/")
	cur := b.root
	for i, p := range parts {
		next := filepath.Join(cur, p)
		if st, err := os.Stat(next); err == nil {
			if i < len(parts)-1 && !st.IsDir() {
				return fmt.Errorf("%s is not a directory", next)
			}
			cur = next
			continue
		}
		if !b.isOwned(cur) {
			if err := b.overlay(cur); err != nil {
				return err
			}
		}
		if i == len(parts)-1 && file {
			f, err := os.OpenFile(next, os.O_CREATE|os.O_WRONLY, 0o644)
			if err != nil {
				return err
			}
			f.Close()
			return nil
		}
		if err := os.Mkdir(next, 0o755); err != nil {
			return err
		}
		cur = next
	}
	return nil
}

// overlay makes dir writable privately: an overlay whose lower layer is
// the directory itself and whose upper layer lives in the scratch tmpfs.
func (b *rootBuilder) overlay(dir string) error {
	b.n++
	scratch := filepath.Join(b.root, ".localmodel", fmt.Sprint(b.n))
	upper, work := scratch+"/upper", scratch+"/work"
	if err := os.MkdirAll(upper, 0o755); err != nil {
		return err
	}
	if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}
	opts := fmt.Sprintf("lowerdir=%s,upperdir=%s,workdir=%s", dir, upper, work)
	if err := unix.Mount("overlay", dir, "overlay", 0, opts); err != nil {
		return fmt.Errorf("cannot overlay %s: %w", dir, err)
	}
	b.overlays = append(b.overlays, dir)
	return nil
}

func (b *rootBuilder) bind(src, target string, readOnly bool) error {
	st, err := os.Stat(src)
	if err != nil {
		return fmt.Errorf("cannot bind %s: %w", src, err)
	}
	if err := b.ensure(target, !st.IsDir()); err != nil {
		return fmt.Errorf("cannot create mountpoint %s: %w", target, err)
	}
	full := filepath.Join(b.root, target)
	if err := unix.Mount(src, full, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("cannot bind %s on %s: %w", src, target, err)
	}
	if readOnly {
		if err := unix.Mount("", full, "", unix.MS_BIND|unix.MS_REMOUNT|unix.MS_RDONLY, ""); err != nil {
			return fmt.Errorf("cannot make %s read-only: %w", target, err)
		}
	}
	return nil
}

// mirrorHost fills the root tmpfs with recursive binds of every top-level
// entry of the host's root, so the container sees the host's files while
// new mountpoints stay private.
func (b *rootBuilder) mirrorHost() error {
	entries, err := os.ReadDir("/")
	if err != nil {
		return err
	}
	for _, e := range entries {
		src := "/" + e.Name()
		dst := filepath.Join(b.root, e.Name())
		switch {
		case e.Type()&os.ModeSymlink != 0:
			link, err := os.Readlink(src)
			if err != nil {
				return err
			}
			if err := os.Symlink(link, dst); err != nil {
				return err
			}
		case e.IsDir():
			if err := os.Mkdir(dst, 0o755); err != nil {
				return err
			}
			if err := unix.Mount(src, dst, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
				return fmt.Errorf("cannot bind %s: %w", src, err)
			}
			b.foreign = append(b.foreign, dst)
		default:
			f, err := os.Create(dst)
			if err != nil {
				return err
			}
			f.Close()
			if err := unix.Mount(src, dst, "", unix.MS_BIND, ""); err != nil {
				return fmt.Errorf("cannot bind %s: %w", src, err)
			}
			b.foreign = append(b.foreign, dst)
		}
	}
	return nil
}

func enterContainer(spec *containerSpec) error {
	// setns affects only the calling thread, and exec keeps that thread's
	// namespaces, so everything below runs on one locked thread.
	runtime.LockOSThread()
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("cannot make mounts private: %w", err)
	}
	b := &rootBuilder{root: spec.Root}
	if spec.Image != "" {
		opts := fmt.Sprintf("lowerdir=%s,upperdir=%s,workdir=%s", spec.Image, spec.Upper, spec.Work)
		if err := unix.Mount("overlay", spec.Root, "overlay", 0, opts); err != nil {
			return fmt.Errorf("cannot mount root overlay: %w", err)
		}
		for _, d := range []string{"dev", "sys"} {
			if err := b.bind("/"+d, "/"+d, false); err != nil {
				return err
			}
			b.foreign = append(b.foreign, filepath.Join(spec.Root, d))
		}
	} else {
		if err := unix.Mount("tmpfs", spec.Root, "tmpfs", 0, "mode=0755"); err != nil {
			return fmt.Errorf("cannot mount root tmpfs: %w", err)
		}
		if err := b.mirrorHost(); err != nil {
			return err
		}
	}
	if spec.FreshProc || spec.Image != "" {
		if err := b.ensure("/proc", false); err != nil {
			return err
		}
		if err := unix.Mount("proc", filepath.Join(spec.Root, "proc"), "proc", 0, ""); err != nil {
			return fmt.Errorf("cannot mount /proc: %w", err)
		}
	}
	if spec.FreshTmp {
		if err := b.ensure("/tmp", false); err != nil {
			return err
		}
		if err := unix.Mount("tmpfs", filepath.Join(spec.Root, "tmp"), "tmpfs", 0, "mode=1777"); err != nil {
			return fmt.Errorf("cannot mount /tmp: %w", err)
		}
	}
	for _, bs := range spec.Binds {
		if err := b.bind(bs.Source, bs.Target, bs.ReadOnly); err != nil {
			return err
		}
	}
	if spec.Hostname != "" {
		if err := unix.Sethostname([]byte(spec.Hostname)); err != nil {
			return fmt.Errorf("cannot set hostname: %w", err)
		}
	}
	if spec.NetNS != "" {
		fd, err := unix.Open(spec.NetNS, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("cannot open network namespace: %w", err)
		}
		if err := unix.Setns(fd, unix.CLONE_NEWNET); err != nil {
			return fmt.Errorf("cannot join network namespace: %w", err)
		}
		unix.Close(fd)
	}
	if err := unix.Chroot(spec.Root); err != nil {
		return fmt.Errorf("cannot chroot: %w", err)
	}
	dir := spec.Dir
	if dir == "" {
		dir = "/"
	}
	if err := os.Chdir(dir); err != nil {
		return fmt.Errorf("cannot change directory: %w", err)
	}
	path, err := lookPath(spec.Argv[0], spec.Env)
	if err != nil {
		return err
	}
	return syscall.Exec(path, spec.Argv, spec.Env)
}

func lookPath(name string, env []string) (string, error) {
	if strings.Contains(name, "/") {
		return name, nil
	}
	pathVar := "/usr/sbin:/usr/bin:/sbin:/bin"
	for _, e := range env {
		if strings.HasPrefix(e, "PATH=") {
			pathVar = e[5:]
		}
	}
	for _, d := range filepath.SplitList(pathVar) {
		p := filepath.Join(d, name)
		if st, err := os.Stat(p); err == nil && st.Mode()&0o111 != 0 && !st.IsDir() {
			return p, nil
		}
	}
	return "", fmt.Errorf("executable %q not found", name)
}
