package grpchealth

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestRun(t *testing.T) {
	t.Parallel()
	serving, _ := serve(t, answer{body: statusMessage(Serving)})
	draining, _ := serve(t, answer{body: statusMessage(NotServing)})
	hung, _ := serve(t, answer{hang: true})
	hung2, _ := serve(t, answer{hang: true})
	tests := []struct {
		name    string
		args    []string
		wantErr []string
	}{
		{"every role serving", []string{"frontend=" + serving, "history=" + serving}, nil},
		{"one draining", []string{"frontend=" + serving, "matching=" + draining},
			[]string{"matching is not healthy: NOT_SERVING at " + draining}},
		{"two hung, asked at once", []string{"history=" + hung, "worker=" + hung2},
			[]string{"history is not healthy: ", "worker is not healthy: ", "context deadline exceeded"}},
		{"no targets", nil, []string{"usage: temporal-k8s-health ROLE=HOST:PORT[,ca=PATH][,cert=PATH,key=PATH] [ROLE=HOST:PORT[,ca=PATH][,cert=PATH,key=PATH]]"}},
		{"an unknown role", []string{"internal-frontend=" + serving},
			[]string{`"internal-frontend=` + serving + `" is not a role (frontend, history, matching, worker) and an address`}},
		{"no address", []string{"history"}, []string{`"history" is not a role`}},
		{"a bad address", []string{"history=7234"}, []string{`"history=7234": address 7234: missing port in address`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			err := Run(context.Background(), tt.args, nil)
			require.Less(t, time.Since(start), Timeout+time.Second, "targets are asked at once, within one Timeout")
			if tt.wantErr == nil {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			for _, want := range tt.wantErr {
				require.Contains(t, err.Error(), want)
			}
		})
	}
}

func TestMainExitStatus(t *testing.T) {
	t.Parallel()
	serving, _ := serve(t, answer{body: statusMessage(Serving)})
	var out bytes.Buffer
	require.Equal(t, 0, Main(context.Background(), []string{"frontend=" + serving}, &out))
	require.Empty(t, out.String())

	addr := closedAddr(t)
	require.Equal(t, 1, Main(context.Background(), []string{"history=" + addr}, &out))
	require.Contains(t, out.String(), "history is not healthy: cannot ask "+addr)
	require.Contains(t, out.String(), "connection refused")
}

func TestTargetArg(t *testing.T) {
	t.Parallel()
	require.Equal(t, "history=127.0.0.1:7234", Target{Role: "history", Addr: "127.0.0.1:7234"}.Arg())
}
