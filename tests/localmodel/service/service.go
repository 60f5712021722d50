// Package service stands in for an application's Kubernetes Service as
// Juju on Kubernetes sets it up: one stable address for the application,
// forwarding only the ports its units opened (Juju's sidecar firewaller
// puts the union of the units' open-port ranges on the Service:
// internal/worker/caasfirewallersidecar/applicationworker.go,
// toServicePorts) and only to pods whose readiness probe passes (Juju's
// workload containers probe Pebble's /v1/health?level=ready:
// internal/provider/kubernetes/application/application.go). A connection
// to a port that is not forwarded, or with no ready pod behind it, is
// refused, as kube-proxy refuses it.
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

	mu        sync.Mutex
	listeners map[int]net.Listener
	endpoints []string
	next      int
	closed    bool
	conns     sync.WaitGroup
}

// New returns a Service at addr (an IP address this host owns) that
// forwards nothing yet.
func New(addr string) *Proxy {
	return &Proxy{addr: addr, listeners: map[int]net.Listener{}}
}

// Address is the Service's address.
func (p *Proxy) Address() string { return p.addr }

// Update sets the forwarded TCP ports and the ready endpoints (pod
// addresses). Ports no longer forwarded stop listening at once.
func (p *Proxy) Update(ports []int, endpoints []string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return errors.New("cannot update a closed service")
	}
	p.endpoints = slices.Clone(endpoints)
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

// Ports returns the forwarded ports, sorted.
func (p *Proxy) Ports() []int {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []int
	for port := range p.listeners {
		out = append(out, port)
	}
	slices.Sort(out)
	return out
}

// Close stops forwarding; open connections are cut.
func (p *Proxy) Close() {
	p.mu.Lock()
	p.closed = true
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

func refuse(conn net.Conn) {
	if tcp, ok := conn.(*net.TCPConn); ok {
		// A reset, as a connection to a Service without endpoints gets.
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
