package model_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/model"
)

// Juju retries a failed hook after 5 s, doubling up to 5 min, each step
// off by up to 3 % (juju/utils BackoffTimer with Jitter).
func TestRetryBackoffHasJitter(t *testing.T) {
	t.Parallel()
	constant := func(v float64) func() float64 { return func() float64 { return v } }
	const first, limit = 5 * time.Second, 5 * time.Minute
	require.Equal(t, first, model.RetryBackoff(0, first, limit, constant(0)))
	require.Equal(t, 10*time.Second, model.RetryBackoff(1, first, limit, constant(0.5)))
	require.Equal(t, 20*time.Second, model.RetryBackoff(2, first, limit, constant(0.5)))
	require.Equal(t, time.Duration(float64(10*time.Second)*0.97), model.RetryBackoff(1, first, limit, constant(0)))
	require.Equal(t, time.Duration(float64(10*time.Second)*1.03), model.RetryBackoff(1, first, limit, constant(1)))
	require.Equal(t, limit, model.RetryBackoff(20, first, limit, constant(1)))
	require.NotEqual(t, model.RetryBackoff(3, first, limit, constant(0.1)), model.RetryBackoff(3, first, limit, constant(0.9)))
}
