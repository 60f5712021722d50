package catransfer_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/charms/internal/catransfer"
)

func TestPEMs(t *testing.T) {
	t.Parallel()
	require.Equal(t, []string{"A", "B"}, catransfer.PEMs(map[string]string{"certificates": `["A","B"]`}))
	require.Nil(t, catransfer.PEMs(map[string]string{"certificates": `A`}))
	require.Nil(t, catransfer.PEMs(nil))
}
