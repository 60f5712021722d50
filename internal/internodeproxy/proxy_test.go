package internodeproxy_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/internal/internodeproxy"
)

// Serials of the certificates: the unit's (its server's and its proxy's)
// and a peer unit's.
const (
	unitSerial = 10
	peerSerial = 11
)

func TestPlainUpstream(t *testing.T) {
	t.Parallel()
	ca, other := newCA(t, "internode CA"), newCA(t, "other CA")
	u := writeUnit(t, ca, ca.leaf(t, unitSerial))
	peer, stranger := ca.leaf(t, peerSerial), other.leaf(t, peerSerial)
	p := start(t, u.config(false, sniffing(plainEcho(t))))

	tests := []struct {
		name    string
		dial    func(addr string) (net.Conn, error)
		echoes  bool
		alpn    string
		wantLog string
	}{
		{name: "plaintext passes", dial: dialPlain, echoes: true},
		{
			name:   "TLS from the CA is terminated",
			dial:   func(addr string) (net.Conn, error) { return dialTLS(addr, clientTLS(ca, &peer)) },
			echoes: true, alpn: "h2",
		},
		{
			name:    "TLS without a client certificate is refused",
			dial:    func(addr string) (net.Conn, error) { return dialTLS(addr, clientTLS(ca, nil)) },
			wantLog: "cannot accept TLS: tls: client didn't provide a certificate",
		},
		{
			name: "TLS from another CA is refused",
			dial: func(addr string) (net.Conn, error) {
				// Shown whatever CAs the proxy asks for: Go's client
				// would otherwise keep it to itself.
				conf := clientTLS(ca, nil)
				conf.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &stranger.cert, nil }
				return dialTLS(addr, conf)
			},
			wantLog: "cannot accept TLS: tls: failed to verify certificate",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := tt.dial(p.addrs[0])
			require.NoError(t, err)
			defer func() { _ = c.Close() }()
			err = roundTrip(c, preface)
			if !tt.echoes {
				require.Error(t, err)
				p.logged(t, tt.wantLog)
				return
			}
			require.NoError(t, err)
			if tc, ok := c.(*tls.Conn); ok {
				require.Equal(t, tt.alpn, tc.ConnectionState().NegotiatedProtocol)
				require.EqualValues(t, unitSerial, tc.ConnectionState().PeerCertificates[0].SerialNumber.Int64())
			}
		})
	}
}

func TestTLSUpstream(t *testing.T) {
	t.Parallel()
	ca := newCA(t, "internode CA")
	unitCert := ca.leaf(t, unitSerial)
	u := writeUnit(t, ca, unitCert)
	peer := ca.leaf(t, peerSerial)
	upstream, seen := tlsEcho(t, ca, unitCert)
	p := start(t, u.config(true, sniffing(upstream)))
	addr := p.addrs[0]

	tlsEchoes := func(t *testing.T) {
		t.Helper()
		c, err := dialTLS(addr, clientTLS(ca, &peer))
		require.NoError(t, err)
		defer func() { _ = c.Close() }()
		require.NoError(t, roundTrip(c, "hello"))
		// The server verified the peer itself: the proxy passed TLS
		// through.
		require.EqualValues(t, peerSerial, next(t, seen))
	}
	plainEchoes := func(t *testing.T) net.Conn {
		t.Helper()
		c, err := dialPlain(addr)
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		require.NoError(t, roundTrip(c, preface))
		// The proxy spoke TLS to the server with the unit's certificate.
		require.EqualValues(t, unitSerial, next(t, seen))
		return c
	}

	t.Run("TLS passes through", tlsEchoes)
	t.Run("plaintext is upgraded", func(t *testing.T) { plainEchoes(t) })
	t.Run("turning strict closes upgraded plaintext", func(t *testing.T) {
		open := plainEchoes(t)
		require.NoError(t, os.WriteFile(u.strict, []byte(" strict\n"), 0o600))
		closed(t, open)
		p.logged(t, "closed plaintext from")
	})
	t.Run("strict refuses plaintext", func(t *testing.T) {
		c, err := dialPlain(addr)
		require.NoError(t, err)
		defer func() { _ = c.Close() }()
		require.Error(t, roundTrip(c, preface))
		p.logged(t, "cannot accept plaintext: "+u.strict+" says strict")
	})
	t.Run("strict passes TLS", tlsEchoes)
	t.Run("anything but strict is not strict", func(t *testing.T) {
		require.NoError(t, os.WriteFile(u.strict, []byte("strict-ish"), 0o600))
		plainEchoes(t)
	})
	t.Run("no strict file accepts plaintext", func(t *testing.T) {
		require.NoError(t, os.Remove(u.strict))
		plainEchoes(t)
	})
}

func TestPlainUpstreamIgnoresStrict(t *testing.T) {
	t.Parallel()
	ca := newCA(t, "internode CA")
	u := writeUnit(t, ca, ca.leaf(t, unitSerial))
	require.NoError(t, os.WriteFile(u.strict, []byte("strict"), 0o600))
	p := start(t, u.config(false, sniffing(plainEcho(t))))
	c, err := dialPlain(p.addrs[0])
	require.NoError(t, err)
	defer func() { _ = c.Close() }()
	require.NoError(t, roundTrip(c, preface))
}

func TestRawRoute(t *testing.T) {
	t.Parallel()
	// No certificate at all: a raw route never looks at what it carries.
	p := start(t, internodeproxy.Config{Routes: []internodeproxy.Route{{Listen: "127.0.0.1:0", Upstream: plainEcho(t), Raw: true}}})
	c, err := dialPlain(p.addrs[0])
	require.NoError(t, err)
	defer func() { _ = c.Close() }()
	require.NoError(t, roundTrip(c, "\x16\x03\x01\x00\x05hello"))
}

func TestSilentClientIsClosed(t *testing.T) {
	t.Parallel()
	ca := newCA(t, "internode CA")
	u := writeUnit(t, ca, ca.leaf(t, unitSerial))
	cfg := u.config(false, sniffing(plainEcho(t)))
	cfg.SniffTimeout = 50 * time.Millisecond
	p := start(t, cfg)
	c, err := dialPlain(p.addrs[0])
	require.NoError(t, err)
	defer func() { _ = c.Close() }()
	closed(t, c)
	p.logged(t, "cannot read the first byte")
}

func TestRenewedCertificate(t *testing.T) {
	t.Parallel()
	ca := newCA(t, "internode CA")
	u := writeUnit(t, ca, ca.leaf(t, unitSerial))
	peer := ca.leaf(t, peerSerial)
	p := start(t, u.config(false, sniffing(plainEcho(t))))
	serial := func() int64 {
		c, err := dialTLS(p.addrs[0], clientTLS(ca, &peer))
		require.NoError(t, err)
		defer func() { _ = c.Close() }()
		require.NoError(t, roundTrip(c, preface))
		return c.ConnectionState().PeerCertificates[0].SerialNumber.Int64()
	}
	require.EqualValues(t, unitSerial, serial())
	u.renew(t, ca.leaf(t, 20))
	require.EqualValues(t, 20, serial())

	// A broken certificate fails the connection, not the proxy.
	require.NoError(t, os.WriteFile(u.key, []byte("not a key"), 0o600))
	c, err := dialTLS(p.addrs[0], clientTLS(ca, &peer))
	if err == nil {
		err = roundTrip(c, preface)
		_ = c.Close()
	}
	require.Error(t, err)
	p.logged(t, "cannot load the certificate")
	u.renew(t, ca.leaf(t, 21))
	require.EqualValues(t, 21, serial())
	require.NotContains(t, p.log.String(), "PRIVATE KEY")
}

func TestUnreachableServer(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	gone := l.Addr().String()
	require.NoError(t, l.Close())
	p := start(t, internodeproxy.Config{Routes: []internodeproxy.Route{{Listen: "127.0.0.1:0", Upstream: gone, Raw: true}}})
	c, err := dialPlain(p.addrs[0])
	require.NoError(t, err)
	defer func() { _ = c.Close() }()
	closed(t, c)
	p.logged(t, "cannot reach the server: dial tcp "+gone)
}

func TestRunEndsWithItsContext(t *testing.T) {
	t.Parallel()
	ca := newCA(t, "internode CA")
	unitCert := ca.leaf(t, unitSerial)
	u := writeUnit(t, ca, unitCert)
	peer := ca.leaf(t, peerSerial)
	upstream, _ := tlsEcho(t, ca, unitCert)
	p := start(t, u.config(true, sniffing(upstream), sniffing(plainEcho(t))))

	plainUp, err := dialPlain(p.addrs[0])
	require.NoError(t, err)
	require.NoError(t, roundTrip(plainUp, preface))
	tlsUp, err := dialTLS(p.addrs[0], clientTLS(ca, &peer))
	require.NoError(t, err)
	require.NoError(t, roundTrip(tlsUp, "hello"))
	silent, err := dialPlain(p.addrs[1])
	require.NoError(t, err)
	conns := []net.Conn{plainUp, tlsUp, silent}

	require.NoError(t, p.stop())
	for _, c := range conns {
		closed(t, c)
		_ = c.Close()
	}
	_, err = dialPlain(p.addrs[0])
	require.Error(t, err)
}

func TestRunCannotListen(t *testing.T) {
	t.Parallel()
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer func() { _ = taken.Close() }()
	free, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	freeAddr := free.Addr().String()
	require.NoError(t, free.Close())

	routes := []internodeproxy.Route{
		{Listen: freeAddr, Upstream: "127.0.0.1:1", Raw: true},
		{Listen: taken.Addr().String(), Upstream: "127.0.0.1:1", Raw: true},
	}
	err = internodeproxy.Run(context.Background(), internodeproxy.Config{Routes: routes}, io.Discard)
	require.ErrorContains(t, err, "cannot listen on "+taken.Addr().String()+": ")
	// The route that did listen was closed.
	again, err := net.Listen("tcp", freeAddr)
	require.NoError(t, err)
	require.NoError(t, again.Close())

	// No routes: idle until the context ends.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- internodeproxy.Run(ctx, internodeproxy.Config{}, io.Discard) }()
	select {
	case err := <-done:
		t.Fatalf("returned before the context ended: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	cancel()
	require.NoError(t, <-done)
}

// TestHTTP2 is gRPC's case end to end: HTTP/2 through the proxy, with
// ALPN h2 on the TLS side, in both directions.
func TestHTTP2(t *testing.T) {
	t.Parallel()
	ca := newCA(t, "internode CA")
	unitCert := ca.leaf(t, unitSerial)
	u := writeUnit(t, ca, unitCert)
	peer := ca.leaf(t, peerSerial)
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		peer := "none"
		if r.TLS != nil {
			peer = r.TLS.PeerCertificates[0].SerialNumber.String()
		}
		_, _ = fmt.Fprintf(w, "%s peer %s", r.Proto, peer)
	})
	protocols := func(set func(*http.Protocols)) *http.Protocols {
		var p http.Protocols
		set(&p)
		return &p
	}

	tests := []struct {
		name        string
		upstreamTLS bool
		scheme      string
		transport   *http.Transport
		want        string
	}{
		{
			name: "TLS client, h2c server", scheme: "https",
			transport: &http.Transport{
				TLSClientConfig: clientTLS(ca, &peer),
				Protocols:       protocols(func(p *http.Protocols) { p.SetHTTP2(true) }),
			},
			want: "HTTP/2.0 peer none",
		},
		{
			name: "h2c client, TLS server", upstreamTLS: true, scheme: "http",
			transport: &http.Transport{Protocols: protocols(func(p *http.Protocols) { p.SetUnencryptedHTTP2(true) })},
			want:      fmt.Sprintf("HTTP/2.0 peer %d", unitSerial),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			srv := &http.Server{Handler: handler, ReadHeaderTimeout: wait}
			serve := func() error { return srv.Serve(l) }
			if tt.upstreamTLS {
				srv.TLSConfig = serverTLS(ca, unitCert)
				serve = func() error { return srv.ServeTLS(l, "", "") }
			} else {
				srv.Protocols = protocols(func(p *http.Protocols) { p.SetUnencryptedHTTP2(true) })
			}
			go func() { _ = serve() }()
			t.Cleanup(func() { _ = srv.Close() })
			p := start(t, u.config(tt.upstreamTLS, sniffing(l.Addr().String())))
			defer tt.transport.CloseIdleConnections()

			client := &http.Client{Transport: tt.transport, Timeout: wait}
			resp, err := client.Get(tt.scheme + "://" + p.addrs[0] + "/")
			require.NoError(t, err)
			defer func() { _ = resp.Body.Close() }()
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, resp.StatusCode)
			require.Equal(t, 2, resp.ProtoMajor)
			require.Equal(t, tt.want, strings.TrimSpace(string(body)))
		})
	}
}

func TestDialIsInjected(t *testing.T) {
	t.Parallel()
	p := start(t, internodeproxy.Config{
		Routes: []internodeproxy.Route{{Listen: "127.0.0.1:0", Upstream: "server:7233", Raw: true}},
		Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return nil, fmt.Errorf("no %s route to %s", network, addr)
		},
	})
	c, err := dialPlain(p.addrs[0])
	require.NoError(t, err)
	defer func() { _ = c.Close() }()
	closed(t, c)
	p.logged(t, "cannot reach the server: no tcp route to server:7233")
}
