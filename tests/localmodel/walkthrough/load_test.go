package walkthrough

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestPercentile(t *testing.T) {
	t.Parallel()
	require.Zero(t, percentile(nil, 0.99))
	var d []time.Duration
	for i := 1; i <= 200; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	require.Equal(t, 100*time.Millisecond, percentile(d, 0.50))
	require.Equal(t, 198*time.Millisecond, percentile(d, 0.99))
	require.Equal(t, 200*time.Millisecond, percentile(d, 1))
	require.Equal(t, 7*time.Millisecond, percentile([]time.Duration{7 * time.Millisecond}, 0.99))
}

func TestLoadResultString(t *testing.T) {
	t.Parallel()
	r := LoadResult{Started: 10, Refused: 2, Completed: 9, Failed: []string{"x"}, P50: 12 * time.Millisecond, P99: 1500 * time.Millisecond, RefusalWindow: 3 * time.Second}
	require.Equal(t, "10 started, 2 refused (window 3s), 9 completed, 1 not completed; start latency p50 12ms, p99 1.5s", r.String())
}

func TestSteadySince(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	from := now.Add(-10 * time.Second)
	ms := time.Millisecond
	fast := func(ago time.Duration) sample { return sample{asked: now.Add(-ago), took: 20 * ms} }
	for _, tc := range []struct {
		name     string
		samples  []sample
		inFlight []time.Duration // how long ago each was asked for
		ok       bool
		p50, p99 time.Duration
	}{
		{"every start fast", []sample{fast(9 * time.Second), fast(5 * time.Second), {asked: now.Add(-time.Second), took: 900 * ms}}, nil, true, 20 * ms, 900 * ms},
		{"nothing ended yet says nothing", nil, nil, false, 0, 0},
		{"one slow start", []sample{fast(9 * time.Second), {asked: now.Add(-5 * time.Second), took: time.Second}}, nil, false, 20 * ms, time.Second},
		{"one refused start", []sample{fast(9 * time.Second), {asked: now.Add(-5 * time.Second), took: 30 * ms, err: "refused"}}, nil, false, 20 * ms, 30 * ms},
		{"a slow start before the window does not count", []sample{{asked: now.Add(-11 * time.Second), took: 5 * time.Second}, fast(time.Second)}, nil, true, 20 * ms, 20 * ms},
		{"a start waiting longer than the bound", []sample{fast(time.Second)}, []time.Duration{2 * time.Second}, false, 20 * ms, 20 * ms},
		{"a start waiting less than the bound", []sample{fast(time.Second)}, []time.Duration{500 * ms}, true, 20 * ms, 20 * ms},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := &Load{samples: tc.samples, inFlight: map[string]time.Time{}}
			for i, ago := range tc.inFlight {
				l.inFlight[string(rune('a'+i))] = now.Add(-ago)
			}
			ok, p50, p99 := l.steadySince(from, now, time.Second)
			require.Equal(t, tc.ok, ok)
			require.Equal(t, tc.p50, p50)
			require.Equal(t, tc.p99, p99)
		})
	}
}
