package grpchealth

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"strconv"
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
}

func serve(t *testing.T, a answer) (addr string, got chan []byte) {
	t.Helper()
	got = make(chan []byte, 1)
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
	srv := &http.Server{Handler: h, Protocols: &p}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return l.Addr().String(), got
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
		{"status left out is UNKNOWN", answer{body: frame(nil)}, Unknown, ""},
		{"unknown service", answer{trailersOnly: true, code: 5}, Unknown, "grpc status 5: unknown service"},
		{"error after a message", answer{body: statusMessage(Serving), code: 14}, Unknown, "grpc status 14"},
		{"not a grpc server", answer{httpStatus: http.StatusNotFound}, Unknown, "HTTP status 404 Not Found"},
		{"no grpc-status", answer{body: statusMessage(Serving), code: -1}, Unknown, `grpc-status ""`},
		{"short frame", answer{body: []byte{0, 0, 0}}, Unknown, "malformed grpc message: 3 bytes"},
		{"compressed", answer{body: []byte{1, 0, 0, 0, 0}}, Unknown, "compressed"},
		{"length past the body", answer{body: []byte{0, 0, 0, 0, 9, 8}}, Unknown, "length 9, 1 bytes follow"},
		{"truncated varint", answer{body: frame([]byte{1 << 3, 0x80})}, Unknown, "malformed grpc message"},
		{"unknown wire type", answer{body: frame([]byte{1<<3 | 3})}, Unknown, "wire type 3"},
		{"truncated string", answer{body: frame([]byte{2<<3 | 2, 9, 'a'})}, Unknown, "malformed grpc message"},
		{"truncated fixed64", answer{body: frame([]byte{2<<3 | 1, 1})}, Unknown, "malformed grpc message"},
		{"truncated fixed32", answer{body: frame([]byte{2<<3 | 5, 1})}, Unknown, "malformed grpc message"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			addr, got := serve(t, tt.answer)
			c := New(nil)
			defer c.Close()
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

func TestCheckRefused(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	l.Close()
	_, err = New(nil).Check(context.Background(), addr, Service["matching"])
	require.ErrorContains(t, err, "connection refused")
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
