package postgresql

import (
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The certificate the stand-in serves verifies, with the CA it publishes,
// for the names clients connect by, and for no other.
func TestIssueTLS(t *testing.T) {
	caPEM, certPEM, keyPEM, err := IssueTLS(ServerNames("postgresql-k8s", "lm", 0), time.Now())
	require.NoError(t, err)
	require.Contains(t, string(keyPEM), "PRIVATE KEY")
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(caPEM))
	block, _ := pem.Decode(certPEM)
	cert, err := x509.ParseCertificate(block.Bytes)
	require.NoError(t, err)
	for _, name := range []string{"postgresql-k8s-primary.lm.svc.cluster.local", "postgresql-k8s-replicas.lm.svc.cluster.local", "postgresql-k8s", "postgresql-k8s-0.postgresql-k8s-endpoints"} {
		_, err := cert.Verify(x509.VerifyOptions{Roots: pool, DNSName: name})
		require.NoError(t, err, name)
	}
	_, err = cert.Verify(x509.VerifyOptions{Roots: pool, DNSName: "temporal-k8s.lm.svc.cluster.local"})
	require.Error(t, err)
}

func TestLayerServesTLS(t *testing.T) {
	require.NotContains(t, Layer("/bin", 10, false), "ssl")
	require.True(t, strings.Contains(Layer("/bin", 10, true), " -c ssl=on -c ssl_cert_file="+TLSCertFile+" -c ssl_key_file="+TLSKeyFile+"\n"))
}
