// Package internodeproxy lets a Temporal cluster switch internode mutual
// TLS on or off one unit at a time. Temporal's servers either all speak
// TLS to each other or none do: while a rolling change has restarted some
// units and not others, plaintext and TLS peers meet, and each refuses
// the other. So for the length of the roll each unit runs this proxy in
// front of its server's internode ports: the server binds 127.0.0.1 and
// the proxy binds the pod IP on the same port numbers, reads the first
// byte of each connection to tell a TLS ClientHello (0x16) from plaintext
// (gRPC's "PRI * HTTP/2.0" preface, a TChannel init frame), and bridges
// whichever kind the server does not speak. Servers accept both until all
// have certificates; then a strict file makes the proxy refuse plaintext,
// without a restart, and it stays in front of the server for as long as
// internode TLS is on, so that turning it off takes the same steps back.
package internodeproxy

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"time"
)

const (
	// Strict is what the strict file holds, whitespace aside, once every
	// peer speaks TLS and plaintext is to be refused.
	Strict = "strict"
	// DefaultSniffTimeout bounds the wait for a client's first byte and
	// for each TLS handshake: a peer that says nothing holds a goroutine
	// and a socket for nothing.
	DefaultSniffTimeout = 10 * time.Second
	// DefaultStrictPoll is how often the strict file is read to close
	// plaintext connections that predate it: internode connections live
	// for the life of the process, so refusing new ones is not enough.
	DefaultStrictPoll = time.Second
	// DialTimeout bounds a dial to the server, which is on the same pod.
	DialTimeout = 5 * time.Second

	// recordHandshake is the first byte of every TLS ClientHello (the
	// record type); neither an HTTP/2 preface nor a TChannel frame
	// starts with it.
	recordHandshake = 0x16
	// acceptBackoff spaces out retries after a failed accept (too many
	// open files, say) so that the proxy does not spin.
	acceptBackoff = 100 * time.Millisecond
)

// Route is one port the proxy serves: it listens on Listen and forwards
// to Upstream. A Raw route forwards bytes as they come, without looking
// at them: the frontend's client port is not internode, and its clients
// speak whatever the frontend speaks.
type Route struct {
	Listen, Upstream string
	Raw              bool
}

// Config is one proxy: the server's ports and the unit's internode
// certificate.
type Config struct {
	Routes []Route
	// UpstreamTLS is set when the server behind the proxy speaks TLS:
	// the proxy then passes TLS through and upgrades plaintext; without
	// it, it terminates TLS and passes plaintext through.
	UpstreamTLS bool
	// CertFile, KeyFile and CAFile are the unit's internode certificate
	// and the CA peers' certificates chain to. They are read for each
	// handshake, so that a renewed certificate is used without a
	// restart.
	CertFile, KeyFile, CAFile string
	// ServerName is the name the server's certificate is checked
	// against when the proxy upgrades plaintext to it.
	ServerName string
	// StrictFile, when it holds Strict, makes the proxy refuse plaintext
	// in front of a TLS server. A missing file is not strict.
	StrictFile string
	// SniffTimeout and StrictPoll default to DefaultSniffTimeout and
	// DefaultStrictPoll.
	SniffTimeout, StrictPoll time.Duration
	// Dial reaches the server; it defaults to a net.Dialer with
	// DialTimeout. Not part of Args.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// Ready, when set, is told the bound addresses, in route order, once
	// every route listens: a test listening on port 0 learns its ports.
	// Not part of Args.
	Ready func(addrs []net.Addr)
}

// Run serves every route until ctx is done, then closes the listeners
// and every open connection and returns nil once all have ended. It
// writes a line to log (io.Discard for none) for each connection it
// refuses or that fails. It fails, naming the address, when a route
// cannot listen.
//
// Without routes it serves nothing and waits for ctx: the service stays
// defined in a plan after the switch back to plaintext (Pebble's layers
// add, they never remove), and an idle process that never exits is what
// Pebble can start and stop there like any other.
func Run(ctx context.Context, cfg Config, log io.Writer) error {
	if cfg.SniffTimeout <= 0 {
		cfg.SniffTimeout = DefaultSniffTimeout
	}
	if cfg.StrictPoll <= 0 {
		cfg.StrictPoll = DefaultStrictPoll
	}
	if cfg.Dial == nil {
		cfg.Dial = (&net.Dialer{Timeout: DialTimeout}).DialContext
	}
	var lc net.ListenConfig
	listeners := make([]net.Listener, 0, len(cfg.Routes))
	closeListeners := func() {
		for _, l := range listeners {
			_ = l.Close()
		}
	}
	addrs := make([]net.Addr, 0, len(cfg.Routes))
	for _, r := range cfg.Routes {
		l, err := lc.Listen(ctx, "tcp", r.Listen)
		if err != nil {
			closeListeners()
			return fmt.Errorf("cannot listen on %s: %w", r.Listen, err)
		}
		listeners = append(listeners, l)
		addrs = append(addrs, l.Addr())
	}
	p := &proxy{cfg: cfg, ctx: ctx, log: log, open: map[net.Conn]bool{}}
	for i, l := range listeners {
		p.wg.Go(func() { p.accept(l, cfg.Routes[i]) })
	}
	if cfg.UpstreamTLS && cfg.StrictFile != "" {
		p.wg.Go(p.pollStrict)
	}
	if cfg.Ready != nil {
		cfg.Ready(addrs)
	}
	<-ctx.Done()
	closeListeners()
	p.closeOpen(true)
	p.wg.Wait()
	return nil
}

// proxy is one Run's state.
type proxy struct {
	cfg   Config
	ctx   context.Context
	wg    sync.WaitGroup
	logMu sync.Mutex
	log   io.Writer

	mu sync.Mutex
	// open holds every connection not yet closed, client and server
	// side, so that shutdown can end them; true marks a plaintext client
	// the proxy upgraded, which turning strict ends.
	open map[net.Conn]bool
	done bool
}

func (p *proxy) logf(format string, args ...any) {
	p.logMu.Lock()
	defer p.logMu.Unlock()
	fmt.Fprintf(p.log, "internode proxy: "+format+"\n", args...)
}

func (p *proxy) accept(l net.Listener, r Route) {
	for {
		c, err := l.Accept()
		if err != nil {
			if p.ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			p.logf("cannot accept on %s: %v", l.Addr(), err)
			select {
			case <-p.ctx.Done():
				return
			case <-time.After(acceptBackoff):
			}
			continue
		}
		if !p.track(c) {
			return
		}
		p.wg.Go(func() {
			defer p.release(c)
			if err := p.serve(c, r); err != nil && p.ctx.Err() == nil {
				p.logf("%s: connection from %s: %v", l.Addr(), c.RemoteAddr(), err)
			}
		})
	}
}

// serve forwards one client connection to the route's server, bridging
// TLS and plaintext as the server needs.
func (p *proxy) serve(c net.Conn, r Route) error {
	client, upgrade := c, false
	if !r.Raw {
		first, err := p.sniff(c)
		if errors.Is(err, io.EOF) {
			return nil // connected and left: a TCP probe, say
		} else if err != nil {
			return fmt.Errorf("cannot read the first byte: %w", err)
		}
		client = &replay{Conn: c, first: []byte{first}}
		switch tlsPeer := first == recordHandshake; {
		case tlsPeer && !p.cfg.UpstreamTLS:
			if client, err = p.handshake(client, true); err != nil {
				return fmt.Errorf("cannot accept TLS: %w", err)
			}
		case !tlsPeer && p.cfg.UpstreamTLS:
			if p.strict() {
				return fmt.Errorf("cannot accept plaintext: %s says %s", p.cfg.StrictFile, Strict)
			}
			upgrade = true
		}
	}
	up, err := p.cfg.Dial(p.ctx, "tcp", r.Upstream)
	if err != nil {
		return fmt.Errorf("cannot reach the server: %w", err)
	}
	if !p.track(up) {
		return nil
	}
	defer p.release(up)
	if upgrade {
		if up, err = p.handshake(up, false); err != nil {
			return fmt.Errorf("cannot speak TLS to the server: %w", err)
		}
		p.markUpgraded(c)
	}
	pipe(client, up)
	return nil
}

// sniff reads the client's first byte, giving up after SniffTimeout.
func (p *proxy) sniff(c net.Conn) (byte, error) {
	var b [1]byte
	if err := c.SetReadDeadline(time.Now().Add(p.cfg.SniffTimeout)); err != nil {
		return 0, err
	}
	if _, err := io.ReadFull(c, b[:]); err != nil {
		return 0, err
	}
	return b[0], c.SetReadDeadline(time.Time{})
}

// handshake speaks TLS over c, as the server to a peer or as a client to
// the unit's own server, with the certificate as the files hold it now.
func (p *proxy) handshake(c net.Conn, server bool) (net.Conn, error) {
	conf, err := p.tlsConfig(server)
	if err != nil {
		return nil, err
	}
	var tc *tls.Conn
	if server {
		tc = tls.Server(c, conf)
	} else {
		tc = tls.Client(c, conf)
	}
	ctx, cancel := context.WithTimeout(p.ctx, p.cfg.SniffTimeout)
	defer cancel()
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, err
	}
	return tc, nil
}

// tlsConfig is mutual TLS as Temporal's internode TLS is: both ends show
// the unit's certificate and verify the other's against the CA. ALPN h2
// is offered and accepted because grpc-go 1.67 and later refuse a TLS
// connection without it; TChannel offers none, which Go accepts.
func (p *proxy) tlsConfig(server bool) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(p.cfg.CertFile, p.cfg.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("cannot load the certificate: %w", err)
	}
	ca, err := os.ReadFile(p.cfg.CAFile)
	if err != nil {
		return nil, fmt.Errorf("cannot read the CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		return nil, fmt.Errorf("cannot read the CA: no PEM certificate in %s", p.cfg.CAFile)
	}
	conf := &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   tls.VersionTLS12,
		NextProtos:   []string{"h2"},
	}
	if server {
		conf.ClientAuth, conf.ClientCAs = tls.RequireAndVerifyClientCert, pool
	} else {
		conf.RootCAs, conf.ServerName = pool, p.cfg.ServerName
	}
	return conf, nil
}

// strict reports whether the strict file says Strict. A file that cannot
// be read is not strict: it is missing until the charm writes it.
func (p *proxy) strict() bool {
	if p.cfg.StrictFile == "" {
		return false
	}
	data, err := os.ReadFile(p.cfg.StrictFile)
	return err == nil && strings.TrimSpace(string(data)) == Strict
}

// pollStrict ends upgraded plaintext connections once the file turns
// strict. It closes them on every poll while strict, which also catches
// a connection that read the file just before it changed.
func (p *proxy) pollStrict() {
	t := time.NewTicker(p.cfg.StrictPoll)
	defer t.Stop()
	for {
		select {
		case <-p.ctx.Done():
			return
		case <-t.C:
			if p.strict() {
				p.closeOpen(false)
			}
		}
	}
}

// track records c so that shutdown closes it. Once shutdown has begun it
// closes c instead and returns false.
func (p *proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done {
		_ = c.Close()
		return false
	}
	p.open[c] = false
	return true
}

func (p *proxy) release(c net.Conn) {
	_ = c.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.open, c)
}

func (p *proxy) markUpgraded(c net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.open[c]; ok {
		p.open[c] = true
	}
}

// closeOpen closes every open connection and refuses new ones (all), or
// closes the upgraded plaintext ones.
func (p *proxy) closeOpen(all bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done = p.done || all
	for c, upgraded := range p.open {
		if all || upgraded {
			_ = c.Close()
		}
		if upgraded && !all {
			p.open[c] = false
			p.logf("closed plaintext from %s: %s says %s", c.RemoteAddr(), p.cfg.StrictFile, Strict)
		}
	}
}

// replay gives back the sniffed byte before the rest of the connection.
type replay struct {
	net.Conn
	first []byte
}

func (r *replay) Read(b []byte) (int, error) {
	if len(r.first) == 0 {
		return r.Conn.Read(b)
	}
	n := copy(b, r.first)
	r.first = r.first[n:]
	return n, nil
}

func (r *replay) CloseWrite() error { return closeWrite(r.Conn) }

// closeWrite half-closes c where it can (TCP, TLS), so that a peer that
// is done sending still gets the answer to what it sent.
func closeWrite(c net.Conn) error {
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return errors.ErrUnsupported
}

// pipe copies both ways until both ways end, then closes both.
func pipe(a, b net.Conn) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		copyHalf(a, b)
	}()
	copyHalf(b, a)
	<-done
	_ = a.Close()
	_ = b.Close()
}

// copyHalf copies src to dst. At src's end it half-closes dst; when the
// copy fails, or dst cannot be half-closed, it closes both, which ends
// the other way too.
func copyHalf(dst, src net.Conn) {
	if _, err := io.Copy(dst, src); err != nil || closeWrite(dst) != nil {
		_ = dst.Close()
		_ = src.Close()
	}
}
