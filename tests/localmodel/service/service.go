// Package service stands in for an application's Kubernetes Service as
// Juju on Kubernetes sets it up: one stable address for the application,
// forwarding only the ports its units opened (Juju's sidecar firewaller
// puts the union of the units' open-port ranges on the Service:
// internal/worker/caasfirewallersidecar/applicationworker.go,
// toServicePorts) and only to pods whose readiness probe passes (Juju's
// workload containers probe Pebble's /v1/health?level=ready:
// internal/provider/kubernetes/application/application.go). A connection
// to a port that is not forwarded, or with no ready pod behind it, is
// refused at connect, as kube-proxy refuses it: its iptables rules REJECT
// traffic to a Service port with no endpoints (pkg/proxy/iptables,
// "has no endpoints"), so a client sees ECONNREFUSED, not a reset after
// the connection was accepted.
package service

import (
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Proxy is one Service: TCP listeners on its address, one per forwarded
// port.
type Proxy struct {
	addr string

	mu sync.Mutex
	// ports are the ports the Service declares; listeners exist for them
	// only while some endpoint is ready.
	ports     []int
	listeners map[int]net.Listener
	endpoints []string
	next      int
	closed    bool
}

// New returns a Service at addr (an IP address this host owns) that
// forwards nothing yet.
func New(addr string) *Proxy {
	return &Proxy{addr: addr, listeners: map[int]net.Listener{}}
}

// Address is the Service's address.
func (p *Proxy) Address() string { return p.addr }

// Update sets the forwarded TCP ports and the ready endpoints (pod
// addresses). A port listens only while it is forwarded and some endpoint
// is ready; otherwise it stops listening at once, so connects are refused.
func (p *Proxy) Update(ports []int, endpoints []string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return errors.New("cannot update a closed service")
	}
	p.endpoints = slices.Clone(endpoints)
	p.ports = slices.Clone(ports)
	slices.Sort(p.ports)
	if len(endpoints) == 0 {
		ports = nil
	}
	var errs []error
	for port, l := range p.listeners {
		if !slices.Contains(ports, port) {
			l.Close()
			delete(p.listeners, port)
		}
	}
	for _, port := range ports {
		if _, ok := p.listeners[port]; ok {
			continue
		}
		l, err := net.Listen("tcp", net.JoinHostPort(p.addr, strconv.Itoa(port)))
		if err != nil {
			errs = append(errs, fmt.Errorf("cannot forward port %d of %s: %w", port, p.addr, err))
			continue
		}
		p.listeners[port] = l
		go p.accept(l, port)
	}
	return errors.Join(errs...)
}

// Ports returns the ports the Service forwards, sorted, whether or not an
// endpoint is ready.
func (p *Proxy) Ports() []int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.ports)
}

// Close stops forwarding; open connections are cut.
func (p *Proxy) Close() {
	p.mu.Lock()
	p.closed = true
	p.ports = nil
	for port, l := range p.listeners {
		l.Close()
		delete(p.listeners, port)
	}
	p.mu.Unlock()
}

// pick returns the next ready endpoint, round-robin as kube-proxy's
// userspace mode does; "" when none is ready.
func (p *Proxy) pick() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.endpoints) == 0 {
		return ""
	}
	p.next = (p.next + 1) % len(p.endpoints)
	return p.endpoints[p.next]
}

func (p *Proxy) accept(l net.Listener, port int) {
	for {
		conn, err := l.Accept()
		if err != nil {
			return
		}
		go p.forward(conn, port)
	}
}

// refuse resets an accepted connection: the endpoints went away while it
// was being accepted, or the pod does not listen (where kube-proxy's DNAT
// would have the pod refuse the connect; a userspace proxy can only reset).
func refuse(conn net.Conn) {
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	conn.Close()
}

func (p *Proxy) forward(conn net.Conn, port int) {
	endpoint := p.pick()
	if endpoint == "" {
		refuse(conn)
		return
	}
	backend, err := net.DialTimeout("tcp", net.JoinHostPort(endpoint, strconv.Itoa(port)), 5*time.Second)
	if err != nil {
		refuse(conn)
		return
	}
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		if tcp, ok := dst.(*net.TCPConn); ok {
			_ = tcp.CloseWrite()
		}
		done <- struct{}{}
	}
	go pipe(backend, conn)
	go pipe(conn, backend)
	<-done
	<-done
	conn.Close()
	backend.Close()
}
