package juju_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
)

// TestValidSecretURI pins ValidSecretURI to what Juju 3.6.25's
// secrets.ParseURI (core/secrets/secret.go) accepts, ids checked by
// github.com/rs/xid v1.6.0's FromString (id.go, decode).
func TestValidSecretURI(t *testing.T) {
	t.Parallel()
	const (
		uuid = "3d1e4bb8-4b8e-4b61-8a3b-3e8d7a5c1f00"
		id   = "d0ufq1ivn8stmtsv1kc0"
	)
	for _, c := range []struct {
		uri   string
		valid bool
	}{
		// The forms Juju prints and the charm is given.
		{"secret:" + id, true},
		{"secret://" + uuid + "/" + id, true},
		{id, true},
		// An xid's last character carries 4 padding bits and one bit of
		// the id: "0" or "g", nothing else (xid: decode).
		{"secret:d0ufq1ivn8stmtsv1kcg", true},
		{"secret:vvvvvvvvvvvvvvvvvvvg", true},
		{"secret:00000000000000000000", true},
		{"secret:d0ufq1ivn8stmtsv1kc1", false},
		{"secret:d0ufq1ivn8stmtsv1kcf", false},
		{"secret:d0ufq1ivn8stmtsv1kch", false},
		{"secret:d0ufq1ivn8stmtsv1kcv", false},
		{"secret:aaaaaaaaaaaaaaaaaaaa", false},
		// ParseURI's pattern allows [0-9a-z]; xid's alphabet stops at v.
		{"secret:d0ufq1ivn8stmtsv1kw0", false},
		{"secret:d0ufq1ivn8stmtsv1kz0", false},
		{"secret:wwwwwwwwwwwwwwwwwwwg", false},
		{"secret:D0UFQ1IVN8STMTSV1KC0", false},
		{"secret:d0ufq1ivn8stmtsv1k0", false},   // 19
		{"secret:d0ufq1ivn8stmtsv1kc00", false}, // 21
		{"secret:bogus", false},
		// Looser spellings ParseURI lets through: the model in the
		// opaque part or schemeless, an empty host, a host that only
		// contains a UUID (validUUID is not anchored), leading slashes,
		// an upper-case scheme (net/url lowers it), an escaped path, a
		// query or fragment, user info.
		{"secret:" + uuid + "/" + id, true},
		{uuid + "/" + id, true},
		{"//" + uuid + "/" + id, true},
		{"secret:///" + id, true},
		{"/" + id, true},
		{"secret://x" + uuid + "y/" + id, true},
		{"secret://" + uuid + "//" + id, true},
		{"secret://" + uuid + "/" + uuid + "/" + id, true},
		{"SECRET:" + id, true},
		{"secret://" + uuid + "/%64" + id[1:], true},
		{"secret:" + id + "?x=1", true},
		{"secret:" + id + "#f", true},
		{"secret://admin@" + uuid + "/" + id, true},
		// Rejected shapes.
		{"", false},
		{"secret:", false},
		{"secret://" + id, false},
		{"secret://model/" + id, false},
		{"secret://" + uuid + "/model/" + id, false},
		{"secret:model/" + id, false},
		{"secret://" + uuid + "/", false},
		{"secret://3D1E4BB8-4B8E-4B61-8A3B-3E8D7A5C1F00/" + id, false},
		{"secret:/" + uuid + "/x/" + id, false},
		{"http://" + uuid + "/" + id, false},
		{"file:" + id, false},
		{"secret:%64" + id[1:], false}, // the opaque part is not unescaped
		{"secret://" + uuid + "/%zz", false},
		{"secret:" + id + " ", false},
	} {
		require.Equal(t, c.valid, juju.ValidSecretURI(c.uri), c.uri)
	}
}
