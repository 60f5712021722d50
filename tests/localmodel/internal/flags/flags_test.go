package flags_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/internal/flags"
)

func TestParse(t *testing.T) {
	t.Parallel()
	cases := []struct {
		args    []string
		rel     string
		app     bool
		pos     []string
		wantErr string
	}{
		{args: []string{"-r", "3", "key"}, rel: "3", pos: []string{"key"}},
		{args: []string{"-r=3"}, rel: "3"},
		{args: []string{"key", "--relation", "db:3", "unit/0"}, rel: "db:3", pos: []string{"key", "unit/0"}},
		{args: []string{"--relation=4", "--app"}, rel: "4", app: true},
		{args: []string{"--app=false", "x"}, pos: []string{"x"}},
		{args: []string{"--", "-r", "3"}, pos: []string{"-r", "3"}},
		{args: []string{"-"}, pos: []string{"-"}},
		{args: []string{"--foo"}, wantErr: "option provided but not defined: --foo"},
		{args: []string{"-x=1"}, wantErr: "option provided but not defined: -x"},
		{args: []string{"-r"}, wantErr: "option needs an argument: -r"},
		{args: []string{"--app=maybe"}, wantErr: `invalid boolean value "maybe" for option --app: strconv.ParseBool: parsing "maybe": invalid syntax`},
	}
	for _, c := range cases {
		fs := flags.NewSet()
		var rel string
		var app bool
		fs.String(&rel, "", "r", "relation")
		fs.Bool(&app, "app")
		pos, err := fs.Parse(c.args)
		if c.wantErr != "" {
			require.EqualError(t, err, c.wantErr, "%q", c.args)
			continue
		}
		require.NoError(t, err, "%q", c.args)
		require.Equal(t, c.rel, rel, "%q", c.args)
		require.Equal(t, c.app, app, "%q", c.args)
		require.Equal(t, c.pos, pos, "%q", c.args)
	}
}

func TestHelp(t *testing.T) {
	t.Parallel()
	_, err := flags.NewSet().Parse([]string{"--help"})
	require.ErrorIs(t, err, flags.ErrHelp)
}
