package service_test

import (
	"bufio"
	"net"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/service"
)

// echo serves "<name>\n" to every connection on addr:port.
func echo(t *testing.T, addr string, port int, name string) {
	t.Helper()
	l, err := net.Listen("tcp", net.JoinHostPort(addr, strconv.Itoa(port)))
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

func ask(addr string, port int) (string, error) {
	c, err := net.DialTimeout("tcp", net.JoinHostPort(addr, strconv.Itoa(port)), time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	return bufio.NewReader(c).ReadString('\n')
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func TestForwardsOnlyOpenedPortsToReadyEndpoints(t *testing.T) {
	port, other := freePort(t), freePort(t)
	// Two pods on loopback addresses, both serving both ports.
	for _, pod := range []string{"127.3.0.1", "127.3.0.2"} {
		echo(t, pod, port, pod)
		echo(t, pod, other, pod)
	}
	svc := service.New("127.3.1.1")
	t.Cleanup(svc.Close)

	// Nothing opened: refused.
	require.NoError(t, svc.Update(nil, []string{"127.3.0.1"}))
	_, err := ask("127.3.1.1", port)
	require.Error(t, err)

	// Opened, one ready pod: always that pod; the other port stays shut.
	require.NoError(t, svc.Update([]int{port}, []string{"127.3.0.1"}))
	for i := 0; i < 3; i++ {
		got, err := ask("127.3.1.1", port)
		require.NoError(t, err)
		require.Equal(t, "127.3.0.1\n", got)
	}
	_, err = ask("127.3.1.1", other)
	require.Error(t, err, "a port no unit opened is not forwarded")

	// Both ready: both get connections.
	require.NoError(t, svc.Update([]int{port}, []string{"127.3.0.1", "127.3.0.2"}))
	seen := map[string]bool{}
	for i := 0; i < 4; i++ {
		got, err := ask("127.3.1.1", port)
		require.NoError(t, err)
		seen[got] = true
	}
	require.Len(t, seen, 2)

	// No ready pod: refused at connect, as kube-proxy's REJECT rule does,
	// while the Service still declares the port.
	require.NoError(t, svc.Update([]int{port}, nil))
	_, err = net.DialTimeout("tcp", net.JoinHostPort("127.3.1.1", strconv.Itoa(port)), time.Second)
	require.ErrorIs(t, err, syscall.ECONNREFUSED)
	require.Equal(t, []int{port}, svc.Ports())

	// Closed again: no listener.
	require.NoError(t, svc.Update(nil, []string{"127.3.0.1"}))
	require.Empty(t, svc.Ports())
	_, err = ask("127.3.1.1", port)
	require.Error(t, err)
}
