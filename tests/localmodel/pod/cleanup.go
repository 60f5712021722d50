package pod

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func linkExists(name string) bool {
	_, err := net.InterfaceByName(name)
	return err == nil
}

// killNetns kills every process in a network namespace.
func killNetns(ctx context.Context, r Runner, netns string) error {
	for attempt := 0; attempt < 50; attempt++ {
		out, err := r(ctx, "ip", "netns", "pids", netns)
		if err != nil {
			return nil
		}
		pids := strings.Fields(string(out))
		if len(pids) == 0 {
			return nil
		}
		for _, s := range pids {
			if pid, err := strconv.Atoi(s); err == nil {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("cannot kill the processes of %s", netns)
}

// unmountUnder detaches every mount at or below dir in this mount
// namespace, deepest first.
func unmountUnder(dir string) error {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return err
	}
	var targets []string
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 5 {
			continue
		}
		mp := unescapeMount(f[4])
		if mp == dir || strings.HasPrefix(mp, dir+"/") {
			targets = append(targets, mp)
		}
	}
	sort.Slice(targets, func(i, j int) bool { return len(targets[i]) > len(targets[j]) })
	var errs []error
	for _, t := range targets {
		if err := syscall.Unmount(t, syscall.MNT_DETACH); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, syscall.ENOENT) {
			errs = append(errs, fmt.Errorf("cannot unmount %s: %w", t, err))
		}
	}
	return errors.Join(errs...)
}

func unescapeMount(s string) string {
	r := strings.NewReplacer(`\040`, " ", `\011`, "\t", `\012`, "\n", `\134`, `\`)
	return r.Replace(s)
}

// Cleanup removes everything a manager with this state directory and
// prefix may have left: processes in its network namespaces, the
// namespaces, veths, bridge, mounts and the state directory itself.
func Cleanup(ctx context.Context, stateDir, prefix string, r Runner) error {
	if r == nil {
		r = ExecRunner
	}
	var errs []error
	netnss := map[string]bool{}
	if data, err := os.ReadFile(filepath.Join(stateDir, "pods.json")); err == nil {
		var reg registry
		if json.Unmarshal(data, &reg) == nil {
			for _, p := range reg.Pods {
				netnss[p.NetNS] = true
			}
		}
	}
	if entries, err := os.ReadDir("/run/netns"); err == nil {
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), prefix+"-") {
				netnss[e.Name()] = true
			}
		}
	}
	for ns := range netnss {
		if err := killNetns(ctx, r, ns); err != nil {
			errs = append(errs, err)
		}
		if _, err := os.Stat(filepath.Join("/run/netns", ns)); err == nil {
			if _, err := r(ctx, "ip", "netns", "del", ns); err != nil {
				errs = append(errs, err)
			}
		}
	}
	ifaces, _ := net.Interfaces()
	for _, ifc := range ifaces {
		if strings.HasPrefix(ifc.Name, prefix+"v") || ifc.Name == prefix+"br0" {
			// A veth goes with its namespace on its own (see Delete).
			if _, err := r(ctx, "ip", "link", "del", ifc.Name); err != nil && linkExists(ifc.Name) {
				errs = append(errs, err)
			}
		}
	}
	if stateDir != "" {
		if err := unmountUnder(stateDir); err != nil {
			errs = append(errs, err)
		}
		if err := removePods(stateDir); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("cannot clean up pods: %w", errors.Join(errs...))
	}
	return nil
}

// removePods removes the pods' files and registry; the rest of the state
// directory belongs to the model.
func removePods(stateDir string) error {
	if err := os.RemoveAll(filepath.Join(stateDir, "pods")); err != nil {
		return err
	}
	for _, f := range []string{"pods.json", "hosts"} {
		if err := os.Remove(filepath.Join(stateDir, f)); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	return nil
}
