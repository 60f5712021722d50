package grpchealth

import (
	"context"
	"encoding/binary"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The wire format is pinned here against a server written to gRPC's
// HTTP/2 protocol document; tests/localmodel/realcheck asks grpc-go's own
// health server, and the e2e suite Temporal's.

// answer is how the test server replies to a Check.
type answer struct {
	// hang keeps the request open until the client gives up.
	hang bool
	// trailersOnly answers grpc-status in the headers, with no body.
	trailersOnly bool
	code         int
	body         []byte
	// httpStatus, when set, answers as a plain HTTP server would.
	httpStatus int
	// abort resets the stream after part of the answer.
	abort bool
}

func serve(t *testing.T, a answer) (addr string, got chan []byte) {
	addr, got, _ = serveConns(t, a)
	return addr, got
}

// serveConns is serve, also giving the Grpc-Timeout of each call and
// the connections' states as they change.
func serveConns(t *testing.T, a answer) (addr string, got chan []byte, timeouts chan string) {
	t.Helper()
	got = make(chan []byte, 1)
	timeouts = make(chan string, 100)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor != 2 || r.URL.Path != "/grpc.health.v1.Health/Check" ||
			r.Header.Get("Content-Type") != "application/grpc" || r.Header.Get("TE") != "trailers" {
			http.Error(w, "not a grpc health call", http.StatusBadRequest)
			return
		}
		body, _ := io.ReadAll(r.Body)
		select {
		case got <- body:
		default: // only the first is kept
		}
		if a.httpStatus != 0 {
			http.Error(w, "no grpc here", a.httpStatus)
			return
		}
		timeouts <- r.Header.Get("Grpc-Timeout")
		if a.abort {
			w.Header().Set("Content-Type", "application/grpc")
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write([]byte{0, 0, 0, 0, 9, 1})
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler)
		}
		if a.hang {
			<-r.Context().Done()
			return
		}
		w.Header().Set("Content-Type", "application/grpc")
		if a.trailersOnly {
			w.Header().Set("Grpc-Status", strconv.Itoa(a.code))
			w.Header().Set("Grpc-Message", "unknown service")
			w.WriteHeader(http.StatusOK)
			return
		}
		w.Header().Set("Trailer", "Grpc-Status, Grpc-Message")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(a.body)
		if a.code >= 0 {
			w.Header().Set("Grpc-Status", strconv.Itoa(a.code))
		}
		w.Header().Set("Grpc-Message", "")
	})
	var p http.Protocols
	p.SetUnencryptedHTTP2(true)
	srv := &http.Server{Handler: h, Protocols: &p, ErrorLog: log.New(io.Discard, "", 0)}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return l.Addr().String(), got, timeouts
}

func statusMessage(s Status) []byte {
	return frame(binary.AppendUvarint([]byte{1 << 3}, uint64(s)))
}

func TestCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		answer  answer
		want    Status
		wantErr string
	}{
		{"serving", answer{body: statusMessage(Serving)}, Serving, ""},
		{"not serving", answer{body: statusMessage(NotServing)}, NotServing, ""},
		{"unknown fields are skipped", answer{body: frame([]byte{2<<3 | 2, 3, 'a', 'b', 'c', 3 << 3, 7, 4<<3 | 1, 1, 2, 3, 4, 5, 6, 7, 8, 5<<3 | 5, 1, 2, 3, 4, 1 << 3, 1})}, Serving, ""},
		{"a varint field after the status", answer{body: frame([]byte{1 << 3, 1, 3 << 3, 7})}, Serving, ""},
		{"status left out is UNKNOWN", answer{body: frame(nil)}, Unknown, ""},
		{"unknown service", answer{trailersOnly: true, code: 5}, Unknown, "grpc status 5: unknown service"},
		{"error after a message", answer{body: statusMessage(Serving), code: 14}, Unknown, "grpc status 14"},
		{"not a grpc server", answer{httpStatus: http.StatusNotFound}, Unknown, "HTTP status 404 Not Found"},
		{"no grpc-status", answer{body: statusMessage(Serving), code: -1}, Unknown, `grpc-status ""`},
		{"short frame", answer{body: []byte{0, 0, 0}}, Unknown, "malformed grpc message: 3 bytes"},
		{"compressed", answer{body: []byte{1, 0, 0, 0, 0}}, Unknown, "compressed"},
		{"length past the body", answer{body: []byte{0, 0, 0, 0, 9, 8}}, Unknown, "length 9, 1 bytes follow"},
		{"truncated value", answer{body: frame([]byte{1 << 3, 0x80})}, Unknown, "malformed grpc message: truncated varint"},
		{"truncated key", answer{body: frame([]byte{0x80})}, Unknown, "malformed grpc message: truncated varint"},
		{"truncated length", answer{body: frame([]byte{2<<3 | 2, 0x80})}, Unknown, "malformed grpc message: truncated varint"},
		{"unknown wire type", answer{body: frame([]byte{1<<3 | 3})}, Unknown, "wire type 3"},
		// Each skipped field exactly fills what is left, then is one
		// byte short.
		{"string to the end", answer{body: frame([]byte{1 << 3, 1, 2<<3 | 2, 2, 'a', 'b'})}, Serving, ""},
		{"string past the end", answer{body: frame([]byte{2<<3 | 2, 3, 'a', 'b'})}, Unknown, "a field of 3 bytes, 2 left"},
		{"fixed64 to the end", answer{body: frame([]byte{1 << 3, 1, 2<<3 | 1, 1, 2, 3, 4, 5, 6, 7, 8})}, Serving, ""},
		{"fixed64 past the end", answer{body: frame([]byte{2<<3 | 1, 1, 2, 3, 4, 5, 6, 7})}, Unknown, "a field of 8 bytes, 7 left"},
		{"fixed32 to the end", answer{body: frame([]byte{1 << 3, 1, 2<<3 | 5, 1, 2, 3, 4})}, Serving, ""},
		{"fixed32 past the end", answer{body: frame([]byte{2<<3 | 5, 1, 2, 3})}, Unknown, "a field of 4 bytes, 3 left"},
		{"a huge length", answer{body: frame([]byte{2<<3 | 2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})}, Unknown, "a field of 18446744073709551615 bytes"},
		{"an answer cut short", answer{abort: true}, Unknown, "stream error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			addr, got := serve(t, tt.answer)
			c := New(nil)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			s, err := c.Check(ctx, addr, Service["history"])
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
			} else {
				require.NoError(t, err)
			}
			require.Equal(t, tt.want, s)
			require.Equal(t, frame(append([]byte{1<<3 | 2, byte(len(Service["history"]))}, Service["history"]...)), <-got)
		})
	}
}

func TestCheckStatusError(t *testing.T) {
	t.Parallel()
	addr, _ := serve(t, answer{trailersOnly: true, code: 5})
	_, err := New(nil).Check(context.Background(), addr, "x")
	var se *StatusError
	require.ErrorAs(t, err, &se)
	require.Equal(t, &StatusError{Code: 5, Message: "unknown service"}, se)
}

// A server that accepts and never answers (a stopped process's socket,
// or a wedged one) costs the caller its deadline and no more.
func TestCheckHonoursTheDeadline(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"answers nothing", "accepts and says nothing"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var addr string
			if name == "answers nothing" {
				addr, _ = serve(t, answer{hang: true})
			} else {
				// The listen backlog accepts the connection for
				// the kernel; nobody reads.
				l, err := net.Listen("tcp", "127.0.0.1:0")
				require.NoError(t, err)
				t.Cleanup(func() { l.Close() })
				addr = l.Addr().String()
			}
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			start := time.Now()
			s, err := New(nil).Check(ctx, addr, Service["frontend"])
			require.ErrorIs(t, err, context.DeadlineExceeded)
			require.Equal(t, Unknown, s)
			require.Less(t, time.Since(start), 2*time.Second)
		})
	}
}

// closedAddr is a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

func TestStatusString(t *testing.T) {
	t.Parallel()
	for s, want := range map[Status]string{Unknown: "UNKNOWN", Serving: "SERVING", NotServing: "NOT_SERVING", ServiceUnknown: "SERVICE_UNKNOWN", 9: "status 9"} {
		require.Equal(t, want, s.String())
	}
}

func TestRequestEncoding(t *testing.T) {
	t.Parallel()
	require.Nil(t, request(""), "the empty service is the server's overall health")
	long := string(make([]byte, 200))
	require.Equal(t, []byte{1<<3 | 2, 0xc8, 0x01}, request(long)[:3], "lengths past 127 take a varint")
}

// The caller's deadline goes to the server as Grpc-Timeout, so that the
// server gives up when the caller does; without one, none is sent.
func TestCheckSendsTheDeadline(t *testing.T) {
	t.Parallel()
	addr, _, timeouts := serveConns(t, answer{body: statusMessage(Serving)})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := New(nil).Check(ctx, addr, "x")
	require.NoError(t, err)
	got := <-timeouts
	require.Regexp(t, `^[0-9]+m$`, got)
	ms, err := strconv.Atoi(strings.TrimSuffix(got, "m"))
	require.NoError(t, err)
	require.InDelta(t, 5000, ms, 1000)

	_, err = New(nil).Check(context.Background(), addr, "x")
	require.NoError(t, err)
	require.Empty(t, <-timeouts)
}

// Connections come from the dialer the caller gives, and each is closed
// with its call.
func TestCheckDialsThroughTheDialerAndClosesTheConnection(t *testing.T) {
	t.Parallel()
	addr, _ := serve(t, answer{body: statusMessage(Serving)})
	var mu sync.Mutex
	var conns []net.Conn
	dial := func(ctx context.Context, network, _ string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		mu.Lock()
		conns = append(conns, c)
		mu.Unlock()
		return c, err
	}
	s, err := New(dial).Check(context.Background(), "health.invalid:7234", "x")
	require.NoError(t, err)
	require.Equal(t, Serving, s)
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, conns, 1)
	// Closed by the client: a second close says so.
	require.ErrorIs(t, conns[0].Close(), net.ErrClosed)
}

func TestCheckBadAddress(t *testing.T) {
	t.Parallel()
	_, err := New(nil).Check(context.Background(), "bad host:1", "x")
	require.ErrorContains(t, err, "cannot ask bad host:1: ")
}

func TestCheckRefusedSaysWhy(t *testing.T) {
	t.Parallel()
	addr := closedAddr(t)
	_, err := New(nil).Check(context.Background(), addr, "x")
	// The URL is the client's own: only the cause is said.
	require.EqualError(t, err, "cannot ask "+addr+": dial tcp "+addr+": connect: connection refused")
}
