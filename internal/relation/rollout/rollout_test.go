package rollout_test

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/internal/relation/rollout"
)

const (
	plain = rollout.Plain
	acc   = rollout.AcceptTLS
	up    = rollout.TLSAcceptPlain
	tls   = rollout.TLS
)

func rng(lo, hi rollout.Stage) rollout.Range { return rollout.Range{Min: lo, Max: hi, Known: true} }

func TestNext(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		cur, target rollout.Stage
		cluster     rollout.Range
		want        rollout.Stage
	}{
		{"there already", tls, tls, rng(up, tls), tls},
		{"plain stays plain", plain, plain, rng(plain, plain), plain},
		{"the proxy needs nobody", plain, tls, rng(plain, plain), acc},
		{"TLS once all are behind a proxy", acc, tls, rng(acc, up), up},
		{"not while one is not", acc, tls, rng(plain, acc), acc},
		{"refuse plaintext once all speak TLS", up, tls, rng(up, tls), tls},
		{"not while one dials plaintext", up, tls, rng(acc, up), up},
		{"accepting plaintext again needs nobody", tls, plain, rng(tls, tls), up},
		{"plaintext once none refuses it", up, plain, rng(acc, up), acc},
		{"not while one refuses it", up, plain, rng(up, tls), up},
		{"the proxy goes once none speaks TLS", acc, plain, rng(plain, acc), plain},
		{"not while one dials TLS", acc, plain, rng(acc, up), acc},
		{"unknown: the proxy", plain, tls, rollout.Range{}, acc},
		{"unknown: no further", acc, tls, rollout.Range{}, acc},
		{"unknown: accept plaintext", tls, plain, rollout.Range{}, up},
		{"unknown: no further down", up, plain, rollout.Range{}, up},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, rollout.Next(tt.cur, tt.target, tt.cluster))
		})
	}
}

func TestStart(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		target  rollout.Stage
		cluster rollout.Range
		want    rollout.Stage
		ok      bool
	}{
		{"a TLS cluster: TLS", tls, rng(tls, tls), tls, true},
		{"a cluster switching: one above its lowest", tls, rng(acc, up), up, true},
		{"a plain cluster: behind the proxy", tls, rng(plain, plain), acc, true},
		{"no certificate, plain cluster", plain, rng(plain, plain), plain, true},
		{"no certificate, a cluster behind proxies", plain, rng(plain, acc), plain, true},
		{"no certificate, a cluster that dials TLS", plain, rng(up, tls), plain, false},
		{"unknown, with a certificate", tls, rollout.Range{}, acc, true},
		{"unknown, without", plain, rollout.Range{}, plain, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := rollout.Start(tt.target, tt.cluster)
			require.Equal(t, tt.ok, ok)
			if ok {
				require.Equal(t, tt.want, got)
			}
		})
	}
}

// talks reports whether a unit at a can reach one at b and back: each
// dials with its server's protocol, and the other's listener (its
// proxy, or its server without one) must take it.
func talks(a, b rollout.Stage) bool {
	return takes(b, a.ServerTLS()) && takes(a, b.ServerTLS())
}

func takes(s rollout.Stage, tls bool) bool {
	switch s {
	case rollout.Plain:
		return !tls
	case rollout.AcceptTLS, rollout.TLSAcceptPlain:
		return true
	default:
		return tls
	}
}

// Units stepping in any order, each one step at a time with what it
// knows of the cluster, never leave two units that cannot talk, and all
// get where they are sent: on, then off.
func TestRolloutNeverSplitsTheCluster(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		n := 1 + r.IntN(7)
		units := make([]rollout.Stage, n)
		for _, target := range []rollout.Stage{tls, plain} {
			for steps := 0; ; steps++ {
				require.Less(t, steps, 1000, "the rollout stalled at %v", units)
				i := r.IntN(n)
				units[i] = rollout.Next(units[i], target, rollout.Of(units...))
				for _, a := range units {
					for _, b := range units {
						require.True(t, talks(a, b), "%v: %d and %d cannot talk", units, a, b)
					}
				}
				if rollout.Of(units...) == rng(target, target) {
					break
				}
			}
		}
	}
	// And what the proof rests on: neighbours talk, two apart do not.
	require.True(t, talks(plain, acc))
	require.True(t, talks(acc, up))
	require.True(t, talks(up, tls))
	require.False(t, talks(plain, up))
	require.False(t, talks(acc, tls))
}

func TestEncoding(t *testing.T) {
	t.Parallel()
	for _, s := range []rollout.Stage{plain, acc, up, tls} {
		got, err := rollout.ParseStage(s.String())
		require.NoError(t, err)
		require.Equal(t, s, got)
	}
	require.Empty(t, plain.String(), "a plain unit writes nothing")
	for _, bad := range []string{"4", "-1", "x", " 1"} {
		_, err := rollout.ParseStage(bad)
		require.Error(t, err, bad)
	}
	_, err := rollout.ParseStage("9")
	require.EqualError(t, err, `cannot parse internode-stage "9": want 0 to 3, or nothing`)

	for _, r := range []rollout.Range{rng(plain, plain), rng(plain, acc), rng(up, tls), rng(tls, tls)} {
		got, err := rollout.ParseRange(r.String())
		require.NoError(t, err)
		require.Equal(t, r, got)
		got, err = rollout.ParseCluster(rollout.FormatCluster(r))
		require.NoError(t, err)
		require.Equal(t, r, got)
	}
	require.Empty(t, rng(plain, plain).String(), "an application without TLS writes nothing")
	require.Equal(t, "0 0", rollout.FormatCluster(rng(plain, plain)), "the hub says a plain cluster is known")
	require.Empty(t, rollout.FormatCluster(rollout.Range{}))
	unknown, err := rollout.ParseCluster("")
	require.NoError(t, err)
	require.False(t, unknown.Known, "the hub says nothing until it has heard from every service")
	for _, bad := range []string{"2 1", "1", "1 2 3", "a b", "1 9"} {
		_, err := rollout.ParseRange(bad)
		require.Error(t, err, bad)
		_, err = rollout.ParseCluster(bad)
		require.Error(t, err, bad)
	}
	_, err = rollout.ParseCluster("2 1")
	require.EqualError(t, err, `cannot parse internode-cluster-stages "2 1": want two stages, lowest first`)
}

func TestRange(t *testing.T) {
	t.Parallel()
	require.Equal(t, rollout.Range{}, rollout.Of())
	require.Equal(t, rng(acc, tls), rollout.Of(tls, acc, up))
	require.Equal(t, rng(plain, tls), rng(plain, acc).Union(rng(up, tls)))
	require.Equal(t, rng(up, tls), rollout.Range{}.Union(rng(up, tls)))
	require.Equal(t, rng(up, tls), rng(up, tls).Union(rollout.Range{}))
	require.Empty(t, rollout.Missing([]string{"worker", "frontend", "matching", "history"}))
	require.Equal(t, []string{"history", "worker"}, rollout.Missing([]string{"frontend", "matching"}))
	for s, want := range map[rollout.Stage][2]bool{plain: {false, false}, acc: {true, false}, up: {true, true}, tls: {true, true}} {
		require.Equal(t, want, [2]bool{s.Proxied(), s.ServerTLS()}, s)
		require.NotEmpty(t, s.Describe())
	}
}
