package charm_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
	"github.com/temporal-k8s/temporal-k8s/internal/juju/jujutest"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/tlscerts"
	"github.com/temporal-k8s/temporal-k8s/internal/temporal"
)

// tlsCA signs requests as the provider on frontend-certificates does.
type tlsCA struct {
	cert *x509.Certificate
	key  *rsa.PrivateKey
	pem  string
	// issued is the provider's app data list.
	issued []tlscerts.Provided
}

func newTLSCA(t *testing.T, now time.Time) *tlsCA {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "self-signed-certificates-operator"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(365 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return &tlsCA{cert: cert, key: key, pem: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))}
}

// sign issues a certificate for csr valid from now for life, replacing
// the entry of the same request.
func (ca *tlsCA) sign(t *testing.T, csr string, now time.Time, life time.Duration) string {
	t.Helper()
	block, _ := pem.Decode([]byte(csr))
	req, err := x509.ParseCertificateRequest(block.Bytes)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(now.UnixNano() + int64(len(ca.issued))), Subject: req.Subject, DNSNames: req.DNSNames,
		NotBefore: now, NotAfter: now.Add(life), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, req.PublicKey, ca.key)
	require.NoError(t, err)
	certPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	ca.issued = append(ca.issued, tlscerts.Provided{CA: ca.pem, CSR: csr, Certificate: certPEM, Chain: []string{certPEM, ca.pem}})
	return certPEM
}

func (ca *tlsCA) data(t *testing.T) map[string]string {
	t.Helper()
	b, err := json.Marshal(ca.issued)
	require.NoError(t, err)
	return map[string]string{tlscerts.CertificatesKey: string(b)}
}

const tlsModel = "m"

func tlsEvent(kind juju.Kind, rel *jujutest.Relation) juju.Event {
	ev := relationEvent(kind, rel)
	ev.Model = tlsModel
	if kind == juju.RelationChanged {
		ev.RemoteUnit = rel.RemoteApp + "/0"
	}
	return ev
}

func (f *fixture) relationByID(id string) *jujutest.Relation {
	for _, r := range f.model.State().Relations {
		if r.ID == id {
			return r
		}
	}
	return nil
}

// ownCSR is the request in this unit's databag on rel.
func (f *fixture) ownCSR(t *testing.T, rel *jujutest.Relation) string {
	t.Helper()
	csr, err := tlscerts.OwnCSR(f.relationByID(rel.ID).LocalUnitData)
	require.NoError(t, err)
	return csr
}

func (f *fixture) secretByLabel(label string) *jujutest.Secret {
	for _, s := range f.model.State().Secrets {
		if s.Label == label {
			return s
		}
	}
	return nil
}

func (f *fixture) file(t *testing.T, path string) string {
	t.Helper()
	file, ok := f.box.File(path)
	require.True(t, ok, path)
	require.Equal(t, uint32(0o600), file.Permissions, path)
	return string(file.Content)
}

// frontend-certificates from the first request to a renewal: the unit
// asks with its own key for its FQDN and the application's Service, the
// frontend goes on serving without TLS until the certificate comes, then
// restarts once into TLS; host-info says so; the renewal Juju's
// secret-expired calls for asks again with the same key and swaps the
// files without a restart, serving the old certificate meanwhile; a
// revoked certificate is not served.
func TestFrontendCertificates(t *testing.T) {
	t.Parallel()
	f := settled(t, ready(true, map[string]any{"services": "frontend"}))
	now := f.clock.Now()
	ca := newTLSCA(t, now)
	rel := &jujutest.Relation{ID: "frontend-certificates:20", RemoteApp: "self-signed-certificates", RemoteUnits: []string{"self-signed-certificates/0"}, RemoteAppData: map[string]string{}}
	hostInfo := &jujutest.Relation{ID: "temporal-host-info:21", RemoteApp: "temporal-ui-k8s", RemoteUnits: []string{"temporal-ui-k8s/0"}, RemoteAppData: map[string]string{}}
	f.model.Update(func(s *jujutest.State) { s.Relations = append(s.Relations, rel, hostInfo) })
	f.mustRun(t, tlsEvent(juju.RelationCreated, hostInfo))
	starts := f.box.Starts(temporal.ServiceName)

	f.mustRun(t, tlsEvent(juju.RelationCreated, rel))
	keySecret := f.secretByLabel(tlscerts.PrivateKeyLabel(0, "frontend-certificates"))
	require.NotNil(t, keySecret, "the key is kept under the library's label")
	require.Equal(t, jujutest.OwnerUnit, keySecret.Owner)
	key, err := tlscerts.ParsePrivateKey(keySecret.Revisions[0][tlscerts.PrivateKeyField])
	require.NoError(t, err)
	csr := f.ownCSR(t, rel)
	subject := tlscerts.Subject{CommonName: "temporal-k8s-0.temporal-k8s-endpoints.m.svc.cluster.local",
		DNSNames: []string{"temporal-k8s-0.temporal-k8s-endpoints.m.svc.cluster.local", "temporal-k8s.m.svc.cluster.local"}}
	require.True(t, tlscerts.Fits(csr, key, subject), "the default names, with the unit's key")
	require.Equal(t, juju.Status{Name: juju.StatusActive, Message: "waiting for self-signed-certificates to issue this unit's certificate: the frontend serves without TLS"}, f.status())
	require.Equal(t, starts, f.box.Starts(temporal.ServiceName), "nothing to serve yet: no restart")
	require.Equal(t, "false", f.relationByID(hostInfo.ID).LocalAppData["tls"])
	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus, Model: tlsModel})
	require.Equal(t, csr, f.ownCSR(t, rel), "the same request stands")

	// Issued: the next relation-changed serves it, in one restart.
	cert := ca.sign(t, csr, now, 100*time.Hour)
	f.model.Update(func(*jujutest.State) { rel.RemoteAppData = ca.data(t) })
	f.mustRun(t, tlsEvent(juju.RelationChanged, rel))
	for range 3 {
		f.mustRun(t, juju.Event{Kind: juju.UpdateStatus, Model: tlsModel})
	}
	require.Equal(t, starts+1, f.box.Starts(temporal.ServiceName), "one restart into TLS")
	require.Equal(t, active, f.status())
	require.Equal(t, strings.TrimSpace(cert)+"\n"+strings.TrimSpace(ca.pem)+"\n", f.file(t, temporal.FrontendCertPath))
	require.Equal(t, keySecret.Revisions[0][tlscerts.PrivateKeyField], f.file(t, temporal.FrontendKeyPath))
	require.Equal(t, strings.TrimSpace(ca.pem)+"\n", f.file(t, temporal.FrontendCAPath))
	require.Contains(t, f.configFile(t), "certFile: "+temporal.FrontendCertPath)
	require.Equal(t, "true", f.relationByID(hostInfo.ID).LocalAppData["tls"], "host-info says TLS once served")
	renewal := f.secretByLabel(tlscerts.CertificateLabel(0, csr))
	require.NotNil(t, renewal, "the certificate is kept for its renewal")
	require.Equal(t, now.Add(90*time.Hour).UTC().Format(time.RFC3339), renewal.Expire, "renewed 90 % of the way to its expiry")
	for _, r := range f.model.State().Relations {
		for _, bag := range []map[string]string{r.LocalAppData, r.LocalUnitData} {
			for k, v := range bag {
				require.NotContains(t, v, "PRIVATE KEY", "%s %s", r.ID, k)
			}
		}
	}

	// Renewal: the same key asks again; the old certificate is served
	// until the new one comes, which needs no restart.
	starts = f.box.Starts(temporal.ServiceName)
	f.mustRun(t, juju.Event{Kind: juju.SecretExpired, Model: tlsModel, SecretID: renewal.URI, SecretLabel: renewal.Label})
	renewed := f.ownCSR(t, rel)
	require.NotEqual(t, csr, renewed)
	require.True(t, tlscerts.Fits(renewed, key, subject), "the same key, the same names")
	require.Nil(t, f.secretByLabel(renewal.Label), "the expired secret goes, or Juju runs secret-expired again")
	// The provider drops the entry of a request no longer made.
	ca.issued = nil
	f.model.Update(func(*jujutest.State) { rel.RemoteAppData = ca.data(t) })
	f.mustRun(t, tlsEvent(juju.RelationChanged, rel))
	require.Equal(t, strings.TrimSpace(cert)+"\n"+strings.TrimSpace(ca.pem)+"\n", f.file(t, temporal.FrontendCertPath), "the old certificate is served meanwhile")
	require.Equal(t, "true", f.relationByID(hostInfo.ID).LocalAppData["tls"])
	newCert := ca.sign(t, renewed, now.Add(90*time.Hour), 100*time.Hour)
	f.clock.now = now.Add(90 * time.Hour)
	f.model.Update(func(*jujutest.State) { rel.RemoteAppData = ca.data(t) })
	f.mustRun(t, tlsEvent(juju.RelationChanged, rel))
	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus, Model: tlsModel})
	require.Equal(t, strings.TrimSpace(newCert)+"\n"+strings.TrimSpace(ca.pem)+"\n", f.file(t, temporal.FrontendCertPath))
	require.Equal(t, starts, f.box.Starts(temporal.ServiceName), "a renewal restarts nothing: the server reads the files again")
	require.NotNil(t, f.secretByLabel(tlscerts.CertificateLabel(0, renewed)))

	// Revoked: asked again, and not served meanwhile.
	ca.issued[0].Revoked = true
	f.model.Update(func(*jujutest.State) { rel.RemoteAppData = ca.data(t) })
	f.mustRun(t, tlsEvent(juju.RelationChanged, rel))
	for range 3 {
		f.mustRun(t, juju.Event{Kind: juju.UpdateStatus, Model: tlsModel})
	}
	require.NotEqual(t, renewed, f.ownCSR(t, rel))
	require.NotContains(t, f.configFile(t), "certFile:", "a revoked certificate is not served")
	require.Equal(t, starts+1, f.box.Starts(temporal.ServiceName))
	require.Equal(t, "false", f.relationByID(hostInfo.ID).LocalAppData["tls"])
	require.Equal(t, juju.StatusActive, f.status().Name)
	require.Contains(t, f.status().Message, "waiting for self-signed-certificates to issue")
}

// The options name what the request asks for; a change asks again.
func TestFrontendCertificateNames(t *testing.T) {
	t.Parallel()
	f := settled(t, ready(true, map[string]any{"services": "frontend"}))
	rel := &jujutest.Relation{ID: "frontend-certificates:20", RemoteApp: "self-signed-certificates", RemoteUnits: []string{"self-signed-certificates/0"}, RemoteAppData: map[string]string{}}
	f.model.Update(func(s *jujutest.State) {
		s.Relations = append(s.Relations, rel)
		s.Config["frontend-cert-common-name"] = "temporal.example.com"
		s.Config["frontend-cert-sans-dns"] = "temporal.example.com,api.example.com"
	})
	f.mustRun(t, tlsEvent(juju.RelationCreated, rel))
	key, err := tlscerts.ParsePrivateKey(f.secretByLabel(tlscerts.PrivateKeyLabel(0, "frontend-certificates")).Revisions[0][tlscerts.PrivateKeyField])
	require.NoError(t, err)
	csr := f.ownCSR(t, rel)
	require.True(t, tlscerts.Fits(csr, key, tlscerts.Subject{CommonName: "temporal.example.com", DNSNames: []string{"temporal.example.com", "api.example.com"}}))

	// The common name leads the names once, whether listed or not.
	f.model.Update(func(s *jujutest.State) { s.Config["frontend-cert-sans-dns"] = "api.example.com" })
	f.mustRun(t, juju.Event{Kind: juju.ConfigChanged, Model: tlsModel})
	require.Equal(t, csr, f.ownCSR(t, rel), "the same names: the same request")
	f.model.Update(func(s *jujutest.State) { s.Config["frontend-cert-sans-dns"] = "other.example.com" })
	f.mustRun(t, juju.Event{Kind: juju.ConfigChanged, Model: tlsModel})
	require.True(t, tlscerts.Fits(f.ownCSR(t, rel), key, tlscerts.Subject{CommonName: "temporal.example.com", DNSNames: []string{"temporal.example.com", "other.example.com"}}))
	require.NotEqual(t, csr, f.ownCSR(t, rel), "a new request for the new names")

	// An invalid name asks for nothing new and says which option.
	csr = f.ownCSR(t, rel)
	f.model.Update(func(s *jujutest.State) { s.Config["frontend-cert-sans-dns"] = "not a name" })
	f.mustRun(t, juju.Event{Kind: juju.ConfigChanged, Model: tlsModel})
	require.Equal(t, csr, f.ownCSR(t, rel))
	require.Equal(t, juju.StatusBlocked, f.status().Name)
	require.Contains(t, f.status().Message, `invalid frontend-cert-sans-dns "not a name"`)

	// An app without a frontend asks for nothing and says why.
	g := settled(t, ready(true, map[string]any{"services": "history"}))
	rel = &jujutest.Relation{ID: "frontend-certificates:20", RemoteApp: "self-signed-certificates", RemoteUnits: []string{"self-signed-certificates/0"}, RemoteAppData: map[string]string{}}
	g.model.Update(func(s *jujutest.State) { s.Relations = append(s.Relations, rel) })
	g.mustRun(t, tlsEvent(juju.RelationCreated, rel))
	require.Empty(t, g.relationByID(rel.ID).LocalUnitData)
	require.Equal(t, juju.Status{Name: juju.StatusActive, Message: "frontend-certificates is related but this application runs no frontend"}, g.status())
}
