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
