package juju_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
)

func TestValidSecretURI(t *testing.T) {
	t.Parallel()
	for uri, valid := range map[string]bool{
		"secret:d0ufq1ivn8stmtsv1kc0":                                        true,
		"secret://3d1e4bb8-4b8e-4b61-8a3b-3e8d7a5c1f00/d0ufq1ivn8stmtsv1kc0": true,
		"d0ufq1ivn8stmtsv1kc0":                                               true,
		"//3d1e4bb8-4b8e-4b61-8a3b-3e8d7a5c1f00/d0ufq1ivn8stmtsv1kc0":        false,
		"secret:bogus":                        false,
		"secret:D0UFQ1IVN8STMTSV1KC0":         false,
		"secret:d0ufq1ivn8stmtsv1kcz":         false,
		"secret://model/d0ufq1ivn8stmtsv1kc0": false,
		"secret://d0ufq1ivn8stmtsv1kc0":       false,
		"":                                    false,
	} {
		require.Equal(t, valid, juju.ValidSecretURI(uri), uri)
	}
}
