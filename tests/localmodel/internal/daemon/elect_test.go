package daemon

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestElector(t *testing.T) {
	t.Parallel()
	units := []string{"a/0", "a/1", "a/2"}
	for _, c := range []struct{ name, want, err string }{
		{name: "", want: "random"},
		{name: "random", want: "random"},
		{name: "lowest", want: "a/0"},
		{name: "highest", want: "a/2"},
		{name: "oldest", err: `invalid --elect "oldest": want random, lowest or highest`},
	} {
		elect, err := Elector(c.name)
		if c.err != "" {
			require.EqualError(t, err, c.err)
			continue
		}
		require.NoError(t, err)
		if c.want == "random" {
			require.Nil(t, elect, "%q leaves the pick to the model's seeded random choice", c.name)
			continue
		}
		require.Equal(t, c.want, elect(units), c.name)
	}
}
