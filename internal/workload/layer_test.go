package workload_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/internal/workload"
)

// A service in backoff is one Pebble keeps restarting: running, for the
// charm, which must neither start it again nor leave it out of a stop.
func TestServiceRunning(t *testing.T) {
	t.Parallel()
	for current, want := range map[string]bool{
		workload.ServiceActive:   true,
		workload.ServiceBackoff:  true,
		workload.ServiceInactive: false,
		workload.ServiceError:    false,
	} {
		require.Equal(t, want, workload.ServiceInfo{Current: current}.Running(), current)
	}
}
