package selfsigned

import (
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/internal/relation/tlscerts"
)

func TestSignForTheRequirer(t *testing.T) {
	t.Parallel()
	now := time.Now().Truncate(time.Second)
	ca, err := NewCA(rand.Reader, "self-signed-certificates-operator", now, 365*24*time.Hour)
	require.NoError(t, err)
	require.True(t, ca.Cert.IsCA)

	// The CA survives being kept as PEM.
	again, err := LoadCA(ca.PEM, ca.KeyPEM())
	require.NoError(t, err)
	require.True(t, again.Cert.Equal(ca.Cert))

	keyPEM, err := tlscerts.NewPrivateKey(rand.Reader)
	require.NoError(t, err)
	key, err := tlscerts.ParsePrivateKey(keyPEM)
	require.NoError(t, err)
	name := "temporal-k8s-0.temporal-k8s-endpoints.m.svc.cluster.local"
	csr, err := tlscerts.NewCSR(rand.Reader, key, tlscerts.Subject{CommonName: name, DNSNames: []string{name, "temporal-k8s.m.svc.cluster.local"}, IPs: []net.IP{net.ParseIP("10.1.0.7")}})
	require.NoError(t, err)

	certPEM, chain, err := again.Sign(rand.Reader, csr, now, 30*time.Second)
	require.NoError(t, err)
	require.Equal(t, []string{certPEM, ca.PEM}, chain)

	// What the requirer finds, and what a client with the CA accepts.
	got, err := tlscerts.Find([]tlscerts.Provided{{CA: ca.PEM, CSR: csr, Certificate: certPEM, Chain: chain}}, csr, key)
	require.NoError(t, err)
	leaf := got.Leaf
	require.False(t, leaf.IsCA)
	require.Equal(t, name, leaf.Subject.CommonName)
	require.Equal(t, ca.Cert.SubjectKeyId, leaf.AuthorityKeyId)
	require.NotEmpty(t, leaf.SubjectKeyId)
	require.WithinDuration(t, now.Add(30*time.Second), leaf.NotAfter, 0)
	require.Empty(t, leaf.ExtKeyUsage, "no usage asked, none added")
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	for _, host := range []string{name, "temporal-k8s.m.svc.cluster.local", "10.1.0.7"} {
		_, err := leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: host, CurrentTime: now.Add(time.Second)})
		require.NoError(t, err, host)
	}
	_, err = leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: "other.example", CurrentTime: now.Add(time.Second)})
	require.Error(t, err)
	_, err = leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: name, CurrentTime: now.Add(time.Minute)})
	require.Error(t, err, "expired after its 30 s")

	// Never past the CA's own life.
	_, chain, err = ca.Sign(rand.Reader, csr, now, 10*365*24*time.Hour)
	require.NoError(t, err)
	block, _ := pem.Decode([]byte(chain[0]))
	long, err := x509.ParseCertificate(block.Bytes)
	require.NoError(t, err)
	require.WithinDuration(t, ca.Cert.NotAfter, long.NotAfter, 0)

	// A request for both ends of mutual TLS gets them: its extended key
	// usage is copied.
	mutual, err := tlscerts.NewCSR(rand.Reader, key, tlscerts.Subject{CommonName: "temporal-internode", DNSNames: []string{"temporal-internode"}, Mutual: true})
	require.NoError(t, err)
	certPEM, _, err = ca.Sign(rand.Reader, mutual, now, time.Hour)
	require.NoError(t, err)
	block, _ = pem.Decode([]byte(certPEM))
	peer, err := x509.ParseCertificate(block.Bytes)
	require.NoError(t, err)
	require.Equal(t, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}, peer.ExtKeyUsage)
	require.Equal(t, []string{"temporal-internode"}, peer.DNSNames)
	require.Equal(t, ca.Cert.SubjectKeyId, peer.AuthorityKeyId)
	require.NoError(t, tlscerts.Mutual(peer))
}

func TestSignRefuses(t *testing.T) {
	t.Parallel()
	now := time.Now()
	ca, err := NewCA(rand.Reader, "ca", now, time.Hour)
	require.NoError(t, err)
	keyPEM, err := tlscerts.NewPrivateKey(rand.Reader)
	require.NoError(t, err)
	key, err := tlscerts.ParsePrivateKey(keyPEM)
	require.NoError(t, err)
	csr, err := tlscerts.NewCSR(rand.Reader, key, tlscerts.Subject{CommonName: "a.example"})
	require.NoError(t, err)
	block, _ := pem.Decode([]byte(csr))
	tampered := block.Bytes
	tampered[len(tampered)-5] ^= 0xff // inside the signature
	for name, in := range map[string]string{
		"not PEM":         "junk",
		"a certificate":   ca.PEM,
		"a bad signature": string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: tampered})),
	} {
		_, _, err := ca.Sign(rand.Reader, in, now, time.Hour)
		require.Error(t, err, name)
	}
}

func TestParseValidity(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]time.Duration{
		"1m": time.Minute, "12h": 12 * time.Hour, "90d": 90 * 24 * time.Hour, "2w": 14 * 24 * time.Hour, "10": 10 * 24 * time.Hour,
	} {
		got, err := ParseValidity("certificate-validity", in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	// The real charm has no seconds, and refuses zero.
	for _, in := range []string{"", "d", "30s", "0d", "0", "-1d", "1y", "1.5d", "d1", " 1d"} {
		_, err := ParseValidity("certificate-validity", in)
		require.ErrorContains(t, err, `certificate-validity="`+in+`"`, in)
	}
}
