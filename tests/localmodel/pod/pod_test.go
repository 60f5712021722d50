package pod_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/canonical/pebble/client"
	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/model"
	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/pod"
)

// TestMain lets the test binary act as the container helper.
func TestMain(m *testing.M) {
	if pod.IsHelper(os.Args[0]) {
		os.Exit(pod.HelperMain(os.Args))
	}
	os.Exit(m.Run())
}

func buildPebble(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("LOCALMODEL_PEBBLE"); p != "" {
		return p
	}
	path := filepath.Join(t.TempDir(), "pebble")
	cmd := exec.Command("go", "build", "-o", path, "github.com/canonical/pebble/cmd/pebble")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "cannot build pebble: %s", out)
	return path
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

func mountsUnder(t *testing.T, dir string) []string {
	t.Helper()
	data, err := os.ReadFile("/proc/self/mountinfo")
	require.NoError(t, err)
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) > 4 && strings.HasPrefix(f[4], dir) {
			out = append(out, f[4])
		}
	}
	return out
}

func waitPebble(t *testing.T, socket string) *client.Client {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if exists(socket) {
			cl, err := client.New(&client.Config{Socket: socket})
			require.NoError(t, err)
			if info, err := cl.SysInfo(); err == nil && info.BootID != "" {
				return cl
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("pebble at %s did not answer", socket)
	return nil
}

// TestPodsIsolatedAndCleanedUp runs two pods with a real Pebble each and
// checks that files, addresses and mounts stay inside their pod, that the
// charm container sees what a Juju sidecar charm expects, and that
// deleting the pods and cleaning up leaves nothing behind.
func TestPodsIsolatedAndCleanedUp(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("this test needs root: network namespaces, mounts and chroot")
	}
	ctx := context.Background()
	pebble := buildPebble(t)
	self, err := os.Executable()
	require.NoError(t, err)
	state, err := os.MkdirTemp("", "lmpod")
	require.NoError(t, err)
	defer os.RemoveAll(state)
	image := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(image, "etc"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(image, "etc", "image-marker"), []byte("image"), 0o644))
	hostJujuBefore, hostCharmBefore := exists("/var/lib/juju"), exists("/charm")

	const prefix = "lmpt"
	mgr, err := pod.NewManager(ctx, pod.Config{
		StateDir: state, Prefix: prefix, Subnet: "10.213.251.0/24", Pebble: pebble, Self: self,
	})
	require.NoError(t, err)
	defer pod.Cleanup(ctx, state, prefix, nil)

	spec := func(name string) model.PodSpec {
		return model.PodSpec{
			Name:    name,
			Storage: []string{"data"},
			Containers: []model.ContainerSpec{{
				Name: "app", Image: image,
				Mounts: []model.MountSpec{{Storage: "data", Location: "/srv/data"}},
			}},
		}
	}
	var pods []model.Pod
	for _, name := range []string{"demo-0", "demo-1"} {
		p, err := mgr.CreatePod(ctx, spec(name))
		require.NoError(t, err)
		_, host := p.DataDir()
		require.NoError(t, os.MkdirAll(filepath.Join(host, "storage", "data", "0"), 0o755))
		require.NoError(t, p.StartWorkloads(ctx))
		pods = append(pods, p)
	}
	a, b := pods[0], pods[1]
	require.NotEqual(t, a.Address(), b.Address())
	require.NoError(t, mgr.SetHosts([]model.HostEntry{{Address: a.Address(), Names: []string{"alpha"}}}))

	ca := waitPebble(t, a.PebbleSocket("app"))
	cb := waitPebble(t, b.PebbleSocket("app"))

	// Files pushed into one pod land in that pod only, never in the image.
	require.NoError(t, ca.Push(&client.PushOptions{Source: strings.NewReader("from a"), Path: "/etc/pushed"}))
	require.NoError(t, ca.Push(&client.PushOptions{Source: strings.NewReader("stored"), Path: "/srv/data/x"}))
	var buf bytes.Buffer
	require.NoError(t, ca.Pull(&client.PullOptions{Path: "/etc/pushed", Target: &buf}))
	require.Equal(t, "from a", buf.String())
	buf.Reset()
	require.NoError(t, ca.Pull(&client.PullOptions{Path: "/etc/image-marker", Target: &buf}))
	require.Equal(t, "image", buf.String())
	require.Error(t, cb.Pull(&client.PullOptions{Path: "/etc/pushed", Target: &bytes.Buffer{}}))
	require.False(t, exists(filepath.Join(image, "etc", "pushed")))
	_, hostA := a.DataDir()
	_, hostB := b.DataDir()
	data, err := os.ReadFile(filepath.Join(hostA, "storage", "data", "0", "x"))
	require.NoError(t, err)
	require.Equal(t, "stored", string(data))
	require.False(t, exists(filepath.Join(hostB, "storage", "data", "0", "x")))

	// The charm container: the pod's address, the workload's Pebble socket,
	// the hook tools, the model's hosts file, and a reachable peer pod.
	script := fmt.Sprintf(`#!/bin/sh
ip -4 -o addr show eth0 | awk '{print $4}'
test -S /charm/containers/app/pebble.socket && echo socket-ok
test -x /charm/bin/jujuc && echo jujuc-ok
grep alpha /etc/hosts
hostname
echo "cwd=$(pwd) foo=$FOO"
bash -c 'exec 3<>/dev/tcp/%s/38813' && echo reach-ok
exit 7
`, b.Address())
	require.NoError(t, os.WriteFile(filepath.Join(hostA, "check.sh"), []byte(script), 0o755))
	var out, errOut bytes.Buffer
	code, err := a.RunCharm(ctx, model.CharmProcess{
		Path: "/var/lib/juju/check.sh", Dir: "/var/lib/juju", Env: []string{"FOO=bar", "PATH=/usr/sbin:/usr/bin:/sbin:/bin"},
		Stdout: &out, Stderr: &errOut,
	})
	require.NoError(t, err)
	require.Equal(t, 7, code, "stderr: %s", errOut.String())
	require.Equal(t, a.Address()+"/24\nsocket-ok\njujuc-ok\n"+a.Address()+"\talpha\ndemo-0\ncwd=/var/lib/juju foo=bar\nreach-ok\n", out.String(), "stderr: %s", errOut.String())

	// A container restart (a crash, a failed liveness probe) resets that
	// container's filesystem and restarts its Pebble; Pebble's directory,
	// on the pod's charm volume, stays.
	require.NoError(t, cb.Push(&client.PushOptions{Source: strings.NewReader("from b"), Path: "/etc/pushed"}))
	before, err := cb.SysInfo()
	require.NoError(t, err)
	pebbleDir := filepath.Join(filepath.Dir(b.PebbleSocket("app")), "pebble")
	require.NoError(t, os.WriteFile(filepath.Join(pebbleDir, "kept"), nil, 0o644))
	require.NoError(t, b.RestartContainer(ctx, "app"))
	cb = waitPebble(t, b.PebbleSocket("app"))
	after, err := cb.SysInfo()
	require.NoError(t, err)
	require.NotEqual(t, before.BootID, after.BootID)
	require.Error(t, cb.Pull(&client.PullOptions{Path: "/etc/pushed", Target: &bytes.Buffer{}}))
	require.True(t, exists(filepath.Join(pebbleDir, "kept")))
	require.ErrorContains(t, b.RestartContainer(ctx, "nope"), `pod demo-1 has no container "nope"`)

	// A network cut: nothing reaches the pod until it is reconnected.
	reach := func() bool {
		c, err := net.DialTimeout("tcp", net.JoinHostPort(b.Address(), "38813"), 500*time.Millisecond)
		if err == nil {
			c.Close()
		}
		return err == nil
	}
	require.Eventually(t, reach, 10*time.Second, 50*time.Millisecond)
	require.NoError(t, b.SetNetwork(ctx, false))
	require.False(t, reach(), "a cut pod answers")
	require.NoError(t, b.SetNetwork(ctx, true))
	require.True(t, reach(), "a reconnected pod does not answer")

	// A pod made again in place of a deleted one (as a refresh does) gets
	// a new address, as the CNI's round-robin allocation gives it, a fresh
	// filesystem and a new Pebble boot id, which is how the agent sees it.
	before, err = ca.SysInfo()
	require.NoError(t, err)
	oldA := a.Address()
	require.NoError(t, a.Delete(ctx))
	a, err = mgr.CreatePod(ctx, spec("demo-0"))
	require.NoError(t, err)
	pods[0] = a
	_, hostA = a.DataDir()
	require.NoError(t, os.MkdirAll(filepath.Join(hostA, "storage", "data", "0"), 0o755))
	require.NoError(t, a.StartWorkloads(ctx))
	ca = waitPebble(t, a.PebbleSocket("app"))
	after, err = ca.SysInfo()
	require.NoError(t, err)
	require.NotEqual(t, before.BootID, after.BootID)
	require.Error(t, ca.Pull(&client.PullOptions{Path: "/etc/pushed", Target: &bytes.Buffer{}}))
	require.NotEqual(t, oldA, a.Address())
	require.NotEqual(t, b.Address(), a.Address())

	// Nothing was mounted or created on the host.
	require.Empty(t, mountsUnder(t, state))
	require.Equal(t, hostJujuBefore, exists("/var/lib/juju"))
	require.Equal(t, hostCharmBefore, exists("/charm"))

	// Deleting the pods removes their processes, namespaces, veths and
	// files.
	type leftovers struct {
		netns string
		pids  []int
		dir   string
	}
	var gone []leftovers
	for _, p := range pods {
		ns := p.(*pod.Pod).NetNS()
		pidsOut, err := exec.Command("ip", "netns", "pids", ns).Output()
		require.NoError(t, err)
		var pids []int
		for _, f := range strings.Fields(string(pidsOut)) {
			n, _ := strconv.Atoi(f)
			pids = append(pids, n)
		}
		require.NotEmpty(t, pids, "pebble should run in %s", ns)
		_, host := p.DataDir()
		gone = append(gone, leftovers{netns: ns, pids: pids, dir: filepath.Dir(host)})
		require.NoError(t, p.Delete(ctx))
	}
	for _, g := range gone {
		require.False(t, exists(filepath.Join("/run/netns", g.netns)), g.netns)
		require.False(t, exists(g.dir), g.dir)
		for _, pid := range g.pids {
			require.True(t, errors.Is(syscall.Kill(pid, 0), syscall.ESRCH), "process %d still runs", pid)
		}
	}
	require.NoError(t, pod.Cleanup(ctx, state, prefix, nil))
	ifaces, err := net.Interfaces()
	require.NoError(t, err)
	for _, ifc := range ifaces {
		require.False(t, strings.HasPrefix(ifc.Name, prefix), "interface %s left behind", ifc.Name)
	}
	require.Empty(t, mountsUnder(t, state))
	require.False(t, exists(filepath.Join(state, "pods")))
}
