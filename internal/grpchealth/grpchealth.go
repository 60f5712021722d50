// Package grpchealth asks a gRPC server's standard health service
// (grpc.health.v1.Health/Check) how one of its services is, with the
// standard library alone: gRPC is HTTP/2 with a five-byte frame around
// each protobuf message, and the request and answer here are one string
// and one enum. Temporal's frontend, history, matching and worker each
// register this service and say SERVING only once they can do their work
// (the frontend once membership is up, history once it owns its shards),
// and NOT_SERVING while they drain; a hung process answers nothing. A TCP
// connect tells none of that: the kernel accepts connections on a stopped
// process's listening socket.
package grpchealth

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Status is grpc.health.v1.HealthCheckResponse.ServingStatus.
type Status int

const (
	Unknown        Status = 0
	Serving        Status = 1
	NotServing     Status = 2
	ServiceUnknown Status = 3
)

func (s Status) String() string {
	switch s {
	case Unknown:
		return "UNKNOWN"
	case Serving:
		return "SERVING"
	case NotServing:
		return "NOT_SERVING"
	case ServiceUnknown:
		return "SERVICE_UNKNOWN"
	}
	return "status " + strconv.Itoa(int(s))
}

// Service names Temporal registers with its health service
// (service/frontend/interface.go, service/history/handler.go,
// service/matching/handler.go, service/worker/service.go in
// go.temporal.io/server v1.31.2).
var Service = map[string]string{
	"frontend": "temporal.api.workflowservice.v1.WorkflowService",
	"history":  "temporal.api.workflowservice.v1.HistoryService",
	"matching": "temporal.api.workflowservice.v1.MatchingService",
	"worker":   "temporal.api.workflowservice.v1.WorkerService",
}

// StatusError is a gRPC error status the server answered with, e.g.
// NOT_FOUND (5) for a service it does not know.
type StatusError struct {
	Code    int
	Message string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("grpc status %d: %s", e.Code, e.Message)
}

// Client asks over HTTP/2, without TLS (prior knowledge, as gRPC's
// insecure credentials do) or over TLS. Each call has a connection of its
// own, closed with the call: a check runs once a period, and a hung
// server must not hold a pooled connection for the next one.
type Client struct {
	http   *http.Client
	scheme string
}

// New returns a Client without TLS whose connections are made by dial
// (nil: a net.Dialer's).
func New(dial func(ctx context.Context, network, addr string) (net.Conn, error)) *Client {
	var p http.Protocols
	p.SetUnencryptedHTTP2(true)
	return &Client{scheme: "http", http: &http.Client{Transport: &http.Transport{
		Protocols:         &p,
		DialContext:       dial,
		DisableKeepAlives: true,
	}}}
}

// NewTLS returns a Client that asks over TLS and trusts a server whose
// certificate chains to a CA in roots, whatever names it holds: the
// health check asks its own pod's loopback address, which no certificate
// names, and what it checks is that the server serves with a certificate
// of the cluster's CA, not who it is. With nil roots any certificate
// will do. A non-nil cert is shown to a server that asks for a client
// certificate.
func NewTLS(dial func(ctx context.Context, network, addr string) (net.Conn, error), roots *x509.CertPool, cert *tls.Certificate) *Client {
	var p http.Protocols
	p.SetHTTP2(true)
	cfg := &tls.Config{
		MinVersion: tls.VersionTLS12,
		// Verified below against roots, without a name.
		InsecureSkipVerify: true, //nolint:gosec
		VerifyConnection: func(cs tls.ConnectionState) error {
			if roots == nil {
				return nil
			}
			return verifyChain(cs.PeerCertificates, roots)
		},
	}
	if cert != nil {
		cfg.Certificates = []tls.Certificate{*cert}
	}
	return &Client{scheme: "https", http: &http.Client{Transport: &http.Transport{
		Protocols:         &p,
		DialContext:       dial,
		DisableKeepAlives: true,
		TLSClientConfig:   cfg,
	}}}
}

// errUntrusted is a server certificate that does not chain to the CA.
var errUntrusted = errors.New("the server's certificate is not of the expected CA")

// verifyChain checks the server's chain, leaf first: a TLS server always
// presents one (crypto/tls refuses a handshake without).
func verifyChain(certs []*x509.Certificate, roots *x509.CertPool) error {
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	if _, err := certs[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
		return fmt.Errorf("%w: %v", errUntrusted, err)
	}
	return nil
}

// Check asks the server at addr (host:port) for service's status. It
// honours ctx: a server that accepts but does not answer costs no more
// than ctx allows.
func (c *Client) Check(ctx context.Context, addr, service string) (Status, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost,
		c.scheme+"://"+addr+"/grpc.health.v1.Health/Check", bytes.NewReader(frame(request(service))))
	if err != nil {
		return Unknown, fmt.Errorf("cannot ask %s: %w", addr, err)
	}
	req.Header.Set("Content-Type", "application/grpc")
	req.Header.Set("TE", "trailers")
	if deadline, ok := ctx.Deadline(); ok {
		// The server gives up when the caller does.
		req.Header.Set("Grpc-Timeout", strconv.FormatInt(max(time.Until(deadline).Milliseconds(), 1), 10)+"m")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		// The URL is ours and says nothing: keep the cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return Unknown, fmt.Errorf("cannot ask %s: %w", addr, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Unknown, fmt.Errorf("cannot ask %s: HTTP status %s", addr, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if err != nil {
		return Unknown, fmt.Errorf("cannot read the answer of %s: %w", addr, err)
	}
	// A call that fails before any message answers with headers only
	// (trailers-only, in gRPC's terms).
	code, msg := resp.Trailer.Get("Grpc-Status"), resp.Trailer.Get("Grpc-Message")
	if code == "" {
		code, msg = resp.Header.Get("Grpc-Status"), resp.Header.Get("Grpc-Message")
	}
	switch n, err := strconv.Atoi(code); {
	case err != nil:
		return Unknown, fmt.Errorf("cannot read the answer of %s: grpc-status %q", addr, code)
	case n != 0:
		return Unknown, &StatusError{Code: n, Message: msg}
	}
	m, err := unframe(body)
	if err != nil {
		return Unknown, fmt.Errorf("cannot read the answer of %s: %w", addr, err)
	}
	s, err := response(m)
	if err != nil {
		return Unknown, fmt.Errorf("cannot read the answer of %s: %w", addr, err)
	}
	return s, nil
}

// request encodes HealthCheckRequest{service: 1}.
func request(service string) []byte {
	if service == "" {
		return nil
	}
	out := []byte{1<<3 | 2}
	out = binary.AppendUvarint(out, uint64(len(service)))
	return append(out, service...)
}

// frame puts gRPC's length prefix (uncompressed, big-endian length) on a
// message.
func frame(msg []byte) []byte {
	out := make([]byte, 5, 5+len(msg))
	binary.BigEndian.PutUint32(out[1:], uint32(len(msg)))
	return append(out, msg...)
}

var errMalformed = errors.New("malformed grpc message")

// unframe takes the one message of a unary answer.
func unframe(body []byte) ([]byte, error) {
	if len(body) < 5 {
		return nil, fmt.Errorf("%w: %d bytes", errMalformed, len(body))
	}
	if body[0] != 0 {
		return nil, fmt.Errorf("%w: compressed", errMalformed)
	}
	n := binary.BigEndian.Uint32(body[1:5])
	if uint64(n) != uint64(len(body)-5) {
		return nil, fmt.Errorf("%w: length %d, %d bytes follow", errMalformed, n, len(body)-5)
	}
	return body[5:], nil
}

// response decodes HealthCheckResponse{status: 1}, skipping fields a
// newer server may add.
func response(m []byte) (Status, error) {
	status := Unknown
	for len(m) > 0 {
		key, rest, err := uvarint(m)
		if err != nil {
			return Unknown, err
		}
		m = rest
		var skip uint64
		switch wire := key & 7; wire {
		case 0:
			v, rest, err := uvarint(m)
			if err != nil {
				return Unknown, err
			}
			if key>>3 == 1 {
				status = Status(v)
			}
			m = rest
		case 1:
			skip = 8
		case 2:
			if skip, m, err = uvarint(m); err != nil {
				return Unknown, err
			}
		case 5:
			skip = 4
		default:
			return Unknown, fmt.Errorf("%w: wire type %d", errMalformed, wire)
		}
		if skip > uint64(len(m)) {
			return Unknown, fmt.Errorf("%w: a field of %d bytes, %d left", errMalformed, skip, len(m))
		}
		m = m[skip:]
	}
	return status, nil
}

// uvarint reads one varint off m.
func uvarint(m []byte) (uint64, []byte, error) {
	v, n := binary.Uvarint(m)
	if n <= 0 {
		return 0, nil, fmt.Errorf("%w: truncated varint", errMalformed)
	}
	return v, m[n:], nil
}
