package jujuapitest

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"
)

// Want is an expected facade call. Args is either a JSON string, compared
// as JSON, or a params value: the recorded JSON is then decoded into that
// type and compared field by field, which keeps long structs (deploy
// arguments, charm origins) readable.
type Want struct {
	Facade  string
	Version int
	Method  string
	Args    any
}

// RequireCalls checks the recorded calls against want, in order.
func RequireCalls(t testing.TB, got []Call, want ...Want) {
	t.Helper()
	require.Len(t, got, len(want), "calls: %+v", got)
	for i, w := range want {
		g := got[i]
		require.Equal(t, w.Facade+"."+w.Method, g.Facade+"."+g.Method, "call %d", i)
		require.Equal(t, w.Version, g.Version, "call %d (%s.%s) facade version", i, g.Facade, g.Method)
		if s, ok := w.Args.(string); ok {
			require.JSONEq(t, s, g.Args, "call %d (%s.%s) args", i, g.Facade, g.Method)
			continue
		}
		decoded := reflect.New(reflect.TypeOf(w.Args))
		require.NoError(t, json.Unmarshal([]byte(g.Args), decoded.Interface()), "call %d (%s.%s) args", i, g.Facade, g.Method)
		require.Equal(t, w.Args, decoded.Elem().Interface(), "call %d (%s.%s) args", i, g.Facade, g.Method)
	}
}
