package cluster_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/internal/cluster"
)

// The encoder below writes protobuf by hand, as Temporal's generated code
// would for the fields Decode reads; tests/localmodel checks Decode
// against the real generated messages.
func key(num, wire int) []byte { return binary.AppendUvarint(nil, uint64(num<<3|wire)) }

func field(num int, b []byte) []byte {
	out := append(key(num, 2), binary.AppendUvarint(nil, uint64(len(b)))...)
	return append(out, b...)
}

func varint(num int, v uint64) []byte { return append(key(num, 0), binary.AppendUvarint(nil, v)...) }

func ring(role string, count int) []byte {
	out := append(field(1, []byte(role)), varint(2, uint64(count))...)
	for i := 0; i < count; i++ {
		out = append(out, field(3, field(1, []byte(role+"-"+string(rune('a'+i)))))...)
	}
	return out
}

func response() []byte {
	membership := append(field(1, []byte("current-host")), field(2, []byte("10.0.0.1:6933"))...)
	membership = append(membership, field(3, ring("frontend", 2))...)
	membership = append(membership, field(3, ring("history", 1))...)
	membership = append(membership, field(3, ring("matching", 0))...)
	var msg []byte
	msg = append(msg, field(1, field(1, []byte("temporal-cli")))...)
	msg = append(msg, field(2, []byte("1.31.2"))...)
	msg = append(msg, field(3, membership)...)
	msg = append(msg, field(4, []byte("c1d2"))...)
	msg = append(msg, varint(6, 512)...)
	msg = append(msg, key(10, 1)...)
	msg = append(msg, make([]byte, 8)...)
	msg = append(msg, key(15, 5)...)
	msg = append(msg, make([]byte, 4)...)
	return msg
}

func TestDecode(t *testing.T) {
	t.Parallel()
	d, err := cluster.Decode(response())
	require.NoError(t, err)
	require.Equal(t, cluster.Description{
		ClusterID: "c1d2", HistoryShardCount: 512,
		Rings:   map[string]int{"frontend": 2, "history": 1, "matching": 0},
		Members: map[string][]string{"frontend": {"frontend-a", "frontend-b"}, "history": {"history-a"}},
	}, d)
}

func TestDecodeRejectsMalformed(t *testing.T) {
	t.Parallel()
	good := response()
	for name, msg := range map[string][]byte{
		"truncated":       good[:len(good)-3],
		"bad key":         {0x80},
		"length too long": append(key(4, 2), 0x7f),
		"group wire type": key(4, 3),
	} {
		_, err := cluster.Decode(msg)
		require.Error(t, err, name)
	}
}

// serve answers gRPC calls over HTTP/2 without TLS, as the frontend does.
func serve(t *testing.T, handler http.HandlerFunc) string {
	t.Helper()
	var protocols http.Protocols
	protocols.SetUnencryptedHTTP2(true)
	srv := &http.Server{Handler: handler, Protocols: &protocols}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String()
}

func TestDescribeOverGRPC(t *testing.T) {
	t.Parallel()
	addr := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/temporal.server.api.adminservice.v1.AdminService/DescribeCluster" ||
			r.Header.Get("Content-Type") != "application/grpc" || r.Header.Get("TE") != "trailers" || r.ProtoMajor != 2 {
			w.Header().Set("Grpc-Status", "12")
			return
		}
		answerBody(framed(response()))(w, r)
	})
	d, err := cluster.Describe(context.Background(), addr, nil)
	require.NoError(t, err)
	require.Equal(t, 512, d.HistoryShardCount)
	require.Equal(t, 1, d.Rings["history"])
}

func TestDescribeReportsGRPCErrors(t *testing.T) {
	t.Parallel()
	addr := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/grpc")
		w.Header().Set("Grpc-Status", "14")
		w.Header().Set("Grpc-Message", "unavailable")
	})
	_, err := cluster.Describe(context.Background(), addr, nil)
	require.ErrorContains(t, err, `grpc-status "14"`)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = cluster.Describe(ctx, addr, nil)
	require.Error(t, err, "a cancelled context stops the call")
}

// With internode mutual TLS internal-frontend answers over TLS, and only
// a client that shows a certificate: Describe asks over TLS with the
// config it is given, and without one it cannot ask.
func TestDescribeOverMutualTLS(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor != 2 || r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
			w.Header().Set("Grpc-Status", "16")
			return
		}
		answerBody(framed(response()))(w, r)
	}))
	srv.EnableHTTP2 = true
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.TLS = &tls.Config{ClientAuth: tls.RequireAnyClientCert, MinVersion: tls.VersionTLS12}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	addr := srv.Listener.Addr().String()
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	// The test server's own certificate doubles as the client's.
	client := &tls.Config{RootCAs: roots, ServerName: "example.com", Certificates: srv.TLS.Certificates, MinVersion: tls.VersionTLS12}

	d, err := cluster.Describe(context.Background(), addr, client)
	require.NoError(t, err)
	require.Equal(t, 512, d.HistoryShardCount)
	_, err = cluster.Describe(context.Background(), addr, nil)
	require.ErrorContains(t, err, "cannot describe the cluster", "no TLS, no answer")
	noCert := client.Clone()
	noCert.Certificates = nil
	_, err = cluster.Describe(context.Background(), addr, noCert)
	require.ErrorContains(t, err, "cannot describe the cluster", "no certificate, no answer")
}

// framed is msg as one uncompressed gRPC message.
func framed(msg []byte) []byte {
	return append(append([]byte{0}, binary.BigEndian.AppendUint32(nil, uint32(len(msg)))...), msg...)
}

// answerBody writes body as the whole response of a gRPC call with
// status 0: what a frontend would send, or a broken framing of it.
func answerBody(body []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/grpc")
		w.Header().Set("Trailer", "Grpc-Status")
		_, _ = w.Write(body)
		w.Header().Set("Grpc-Status", "0")
	}
}

// A response whose gRPC framing is not one uncompressed message of the
// length it says is refused, naming why; so is a call the server cannot
// finish, and a server that never answers costs no more than the
// client's timeout.
func TestDescribeRefusesBrokenAnswers(t *testing.T) {
	t.Parallel()
	msg := response()
	frame := func(flag byte, n int) []byte {
		return append(append([]byte{flag}, binary.BigEndian.AppendUint32(nil, uint32(n))...), msg...)
	}
	tests := []struct {
		name string
		body []byte
		want string
		// shards is what a good answer holds.
		shards int
	}{
		{"the frame", frame(0, len(msg)), "", 512},
		{"an empty message: every field at its default", []byte{0, 0, 0, 0, 0}, "", 0},
		{"compressed", frame(1, len(msg)), "not an uncompressed gRPC message", 0},
		{"no message", []byte{0, 0, 0}, "not an uncompressed gRPC message", 0},
		{"an empty answer", nil, "not an uncompressed gRPC message", 0},
		{"longer than said", frame(0, len(msg)-1), fmt.Sprintf("message of %d bytes, %d read", len(msg)-1, len(msg)), 0},
		{"shorter than said", frame(0, len(msg)+1), fmt.Sprintf("message of %d bytes, %d read", len(msg)+1, len(msg)), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d, err := cluster.Describe(context.Background(), serve(t, answerBody(tt.body)), nil)
			if tt.want == "" {
				require.NoError(t, err)
				require.Equal(t, tt.shards, d.HistoryShardCount)
				return
			}
			require.EqualError(t, err, "cannot describe the cluster: "+tt.want)
		})
	}

	// An address no URL can hold.
	_, err := cluster.Describe(context.Background(), "127.0.0.1:1/%zz", nil)
	require.ErrorContains(t, err, "cannot describe the cluster: parse")

	// The message is fine but the response ends early: its body
	// cannot be read whole.
	cut := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/grpc")
		w.Header().Set("Content-Length", "100")
		_, _ = w.Write([]byte{0, 0})
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler)
	})
	_, err = cluster.Describe(context.Background(), cut, nil)
	require.ErrorContains(t, err, "cannot read the cluster description")

	// A frontend that accepts but never answers: the client gives up.
	hung := serve(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	start := time.Now()
	_, err = cluster.Describe(context.Background(), hung, nil)
	require.ErrorContains(t, err, "cannot describe the cluster")
	require.Less(t, time.Since(start), 7*time.Second, "the client's own timeout, without a deadline from the caller")
}
