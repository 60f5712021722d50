package postgresql

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"strings"
	"time"

	"github.com/canonical/pebble/client"
)

// Where the server's TLS files live in the workload, with the data.
const (
	TLSCertFile = StorageDir + "/tls/server.crt"
	TLSKeyFile  = StorageDir + "/tls/server.key"
	TLSCAFile   = StorageDir + "/tls/ca.crt"
)

// ServerNames are the names the server certificate is for: the Services
// clients reach the primary and the replicas by, and the unit's own pod
// name, as the real charm puts them in its certificate request.
func ServerNames(app, model string, unit int) []string {
	var names []string
	for _, svc := range []string{app + "-primary", app + "-replicas", app} {
		names = append(names, svc, svc+"."+model+".svc.cluster.local")
	}
	pod := fmt.Sprintf("%s-%d", app, unit)
	return append(names, pod, pod+"."+app+"-endpoints", pod+"."+app+"-endpoints."+model+".svc.cluster.local")
}

// IssueTLS makes a CA and a server certificate for names, PEM-encoded: the
// stand-in is its own TLS provider (the real charm asks one over
// certificates; the CA reaches clients the same way, in secret-tls).
func IssueTLS(names []string, now time.Time) (caPEM, certPEM, keyPEM []byte, err error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, nil, err
	}
	ca := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "postgresql-k8s stand-in CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(365 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, nil, nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, nil, err
	}
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: names[0]}, DNSNames: names,
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(365 * 24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, nil, nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leafDER}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), nil
}

// ensureTLS writes the server's certificate, key and CA into the
// workload once, and returns the CA. A hook reads it from the workload
// once: the server and every relation's answer need it.
func (c *Charm) ensureTLS() (string, error) {
	if c.tlsCA != "" {
		return c.tlsCA, nil
	}
	var buf bytes.Buffer
	if err := c.container.Client.Pull(&client.PullOptions{Path: TLSCAFile, Target: &buf}); err == nil {
		c.tlsCA = buf.String()
		return c.tlsCA, nil
	}
	unit := 0
	if _, n, ok := strings.Cut(c.event.Unit, "/"); ok {
		fmt.Sscanf(n, "%d", &unit)
	}
	ca, cert, key, err := IssueTLS(ServerNames(c.event.App, c.event.Model, unit), time.Now())
	if err != nil {
		return "", fmt.Errorf("cannot issue the server certificate: %w", err)
	}
	for _, f := range []struct {
		path string
		data []byte
		perm os.FileMode
	}{{TLSKeyFile, key, 0o600}, {TLSCertFile, cert, 0o644}, {TLSCAFile, ca, 0o644}} {
		err := c.container.Client.Push(&client.PushOptions{
			Source: bytes.NewReader(f.data), Path: f.path, MakeDirs: true,
			Permissions: f.perm, User: OSUser, Group: OSUser,
		})
		if err != nil {
			return "", fmt.Errorf("cannot write %s: %w", f.path, err)
		}
	}
	c.tlsCA = string(ca)
	return c.tlsCA, nil
}
