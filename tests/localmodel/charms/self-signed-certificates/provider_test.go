package selfsigned

import (
	"crypto/rand"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/internal/relation/tlscerts"
)

func TestOutstanding(t *testing.T) {
	t.Parallel()
	ca, err := NewCA(rand.Reader, "ca", time.Now(), time.Hour)
	require.NoError(t, err)
	a, b := newRequirer(t, "a.example"), newRequirer(t, "b.example")
	sign := func(csr string) string {
		cert, _, err := ca.Sign(rand.Reader, csr, time.Now(), time.Minute)
		require.NoError(t, err)
		return cert
	}
	reqs := []tlscerts.Request{{CSR: a.csr}, {CSR: b.csr}}
	for _, tc := range []struct {
		name   string
		issued []tlscerts.Provided
		want   []string
	}{
		{"none issued", nil, []string{a.csr, b.csr}},
		{"one issued", []tlscerts.Provided{{CSR: a.csr, Certificate: sign(a.csr)}}, []string{b.csr}},
		{"one revoked", []tlscerts.Provided{{CSR: a.csr, Certificate: sign(a.csr), Revoked: true}, {CSR: b.csr, Certificate: sign(b.csr)}}, []string{a.csr}},
		{"issued for another key", []tlscerts.Provided{{CSR: a.csr, Certificate: sign(b.csr)}}, []string{a.csr, b.csr}},
		{"not a certificate", []tlscerts.Provided{{CSR: a.csr, Certificate: "junk"}}, []string{a.csr, b.csr}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, r := range Outstanding(reqs, tc.issued) {
				got = append(got, r.CSR)
			}
			require.Equal(t, tc.want, got)
		})
	}
}

func TestSetAndRevokeAll(t *testing.T) {
	t.Parallel()
	issued := []tlscerts.Provided{{CSR: "A", Certificate: "1"}, {CSR: "B", Certificate: "2"}}
	require.Equal(t, []tlscerts.Provided{{CSR: "B", Certificate: "2"}, {CSR: " A\n", Certificate: "3"}}, Set(issued, tlscerts.Provided{CSR: " A\n", Certificate: "3"}))
	require.Equal(t, []tlscerts.Provided{{CSR: "A", Certificate: "1"}, {CSR: "B", Certificate: "2"}, {CSR: "C", Certificate: "4"}}, Set(issued, tlscerts.Provided{CSR: "C", Certificate: "4"}))
	revoked := RevokeAll(issued)
	require.True(t, revoked[0].Revoked && revoked[1].Revoked)
	require.False(t, issued[0].Revoked, "the input is not changed")
	require.Equal(t, map[string]string{"certificates": "[]"}, AppData(nil))
	require.JSONEq(t, `[{"ca":"","certificate_signing_request":"A","certificate":"1","chain":null,"revoked":true}]`, AppData(revoked[:1])["certificates"])
	require.JSONEq(t, `["CA\n"]`, TransferData("CA")["certificates"])
}

func TestParseRequests(t *testing.T) {
	t.Parallel()
	reqs, err := ParseRequests(map[string]string{})
	require.NoError(t, err)
	require.Empty(t, reqs)
	reqs, err = ParseRequests(map[string]string{"certificate_signing_requests": `[{"certificate_signing_request":"X","ca":true}]`})
	require.NoError(t, err)
	require.Equal(t, []tlscerts.Request{{CSR: "X", CA: true}}, reqs)
	_, err = ParseRequests(map[string]string{"certificate_signing_requests": `{}`})
	require.Error(t, err)
}

// A certificate whose request is no longer made is dropped, as the
// library's provider does on relation-changed and update-status.
func TestPrune(t *testing.T) {
	t.Parallel()
	issued := []tlscerts.Provided{{CSR: "A", Certificate: "1"}, {CSR: "B", Certificate: "2"}}
	require.Equal(t, []tlscerts.Provided{{CSR: "B", Certificate: "2"}}, Prune(issued, []tlscerts.Request{{CSR: " B\n"}, {CSR: "C"}}))
	require.Equal(t, issued, Prune(issued, []tlscerts.Request{{CSR: "A"}, {CSR: "B"}}))
	require.Empty(t, Prune(issued, nil))
}
