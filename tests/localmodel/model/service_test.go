package model_test

import (
	"bufio"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/model"
)

// serve answers each connection on addr with name, as a workload would.
func serve(t *testing.T, addr, name string) {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			_, _ = c.Write([]byte(name + "\n"))
			c.Close()
		}
	}()
}

func ask(addr string) string {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return ""
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	line, _ := bufio.NewReader(c).ReadString('\n')
	return strings.TrimSpace(line)
}

// An application's Service forwards the ports its units opened (the union,
// as Juju's sidecar firewaller puts on the Service) and only to pods whose
// workload Pebble is healthy at level=ready (Juju's readiness probe).
func TestServiceForwardsOpenedPortsToReadyPods(t *testing.T) {
	t.Parallel()
	e := newEnvWithPebble(t, pebbleBin(t), func(c *model.Config) { c.PebblePollInterval = 100 * time.Millisecond })
	const opened, closed = 18080, 18081
	notReady := e.dir + "/not-ready-"
	for _, n := range []string{"0", "1"} {
		writeFile(t, e.dir+"/layer-"+n+".yaml", `checks:
  ready:
    override: replace
    level: ready
    period: 100ms
    threshold: 1
    exec:
      command: test ! -e `+notReady+n+`
`)
	}
	// Only unit 0 opens the port; the Service forwards it to both pods.
	ch := e.charm("demo", fakeCharm{script: map[string]string{
		"hooks/app-pebble-ready": "PEBBLE_SOCKET=" + e.dir + "/pods/demo-${JUJU_UNIT_NAME#demo/}/containers/app/pebble.socket " +
			pebbleBin(t) + " add checks " + e.dir + "/layer-${JUJU_UNIT_NAME#demo/}.yaml\n" +
			"[ \"$JUJU_UNIT_NAME\" = demo/0 ] && open-port " + strconv.Itoa(opened) + " || true",
	}})
	e.deploy(ch, "demo", 2, nil)
	e.settle()
	st := e.m.Status()
	svc := st.Applications["demo"].Address
	for _, u := range []string{"demo/0", "demo/1"} {
		addr := st.Applications["demo"].Units[u].Address
		serve(t, net.JoinHostPort(addr, strconv.Itoa(opened)), u)
		serve(t, net.JoinHostPort(addr, strconv.Itoa(closed)), u)
	}
	// Both pods get connections on the opened port.
	e.waitFor("both pods behind the Service", func() bool {
		seen := map[string]bool{}
		for i := 0; i < 6; i++ {
			seen[ask(net.JoinHostPort(svc, strconv.Itoa(opened)))] = true
		}
		return seen["demo/0"] && seen["demo/1"]
	})
	require.Empty(t, ask(net.JoinHostPort(svc, strconv.Itoa(closed))), "a port no unit opened is not forwarded")

	// demo/1's ready check fails: the Service stops sending it anything.
	require.NoError(t, os.WriteFile(notReady+"1", nil, 0o644))
	e.waitFor("only demo/0 behind the Service", func() bool {
		for i := 0; i < 6; i++ {
			if ask(net.JoinHostPort(svc, strconv.Itoa(opened))) != "demo/0" {
				return false
			}
		}
		return true
	})
}
