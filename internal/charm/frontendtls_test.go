package charm_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
	"github.com/temporal-k8s/temporal-k8s/internal/juju/jujutest"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/tlscerts"
	"github.com/temporal-k8s/temporal-k8s/internal/temporal"
	"github.com/temporal-k8s/temporal-k8s/internal/workload"
)

// tlsCA signs requests as the library's provider does: the request's
// names, and its other extensions copied, the extended key usage among
// them (_generate_certificate_request_extensions).
type tlsCA struct {
	cert *x509.Certificate
	key  *rsa.PrivateKey
	pem  string
	// issued is the provider's app data list.
	issued []tlscerts.Provided
	// usage, when set, replaces the request's extended key usage, as a
	// provider that decides it would.
	usage []x509.ExtKeyUsage
}

var (
	oidSubjectAltName = asn1.ObjectIdentifier{2, 5, 29, 17}
	oidExtKeyUsage    = asn1.ObjectIdentifier{2, 5, 29, 37}
)

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
		NotBefore: now, NotAfter: now.Add(life), ExtKeyUsage: ca.usage,
	}
	for _, e := range req.Extensions {
		if !e.Id.Equal(oidSubjectAltName) && (ca.usage == nil || !e.Id.Equal(oidExtKeyUsage)) {
			tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, e)
		}
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

// file is what the charm pushed to path in the workload container, which
// only the server's user may read.
func (f *fixture) file(t *testing.T, path string) string {
	t.Helper()
	file, ok := f.box.File(path)
	require.True(t, ok, path)
	require.Equal(t, uint32(0o600), file.Permissions, path)
	return string(file.Content)
}

// requireNoKeyInRelationData checks no private key is in any databag
// this unit writes.
func (f *fixture) requireNoKeyInRelationData(t *testing.T) {
	t.Helper()
	for _, r := range f.model.State().Relations {
		for _, bag := range []map[string]string{r.LocalAppData, r.LocalUnitData} {
			for k, v := range bag {
				require.NotContains(t, v, "PRIVATE KEY", "%s %s", r.ID, k)
			}
		}
	}
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
	route := sideRelation("ingress:22", "traefik-k8s")
	f.model.Update(func(s *jujutest.State) { s.Relations = append(s.Relations, rel, hostInfo, route) })
	f.mustRun(t, tlsEvent(juju.RelationCreated, hostInfo))
	f.mustRun(t, tlsEvent(juju.RelationCreated, route))
	scheme := func() string { return f.relationByID(route.ID).LocalAppData["scheme"] }
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
	require.Equal(t, `"h2c"`, scheme())
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
	require.Equal(t, `"https"`, scheme(), "the ingress reaches it over TLS")
	renewal := f.secretByLabel(tlscerts.CertificateLabel(0, csr))
	require.NotNil(t, renewal, "the certificate is kept for its renewal")
	require.Equal(t, now.Add(90*time.Hour).UTC().Format(time.RFC3339), renewal.Expire, "renewed 90 % of the way to its expiry")
	f.requireNoKeyInRelationData(t)

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
	require.Equal(t, active, f.status(), "serving TLS while the renewal is outstanding: nothing to say")
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
	require.Equal(t, `"h2c"`, scheme(), "back to cleartext with the server")
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

// tlsMaterial is a unit's key, its request for the default names in model
// tlsModel and a certificate issued for it: the same for every run of a
// scenario.
type tlsMaterial struct {
	keyPEM, csr string
	ca          *tlsCA
	data        map[string]string
}

func newTLSMaterial(t *testing.T) tlsMaterial {
	t.Helper()
	keyPEM, err := tlscerts.NewPrivateKey(rand.Reader)
	require.NoError(t, err)
	key, err := tlscerts.ParsePrivateKey(keyPEM)
	require.NoError(t, err)
	fqdn := "temporal-k8s-0.temporal-k8s-endpoints." + tlsModel + ".svc.cluster.local"
	csr, err := tlscerts.NewCSR(rand.Reader, key, tlscerts.Subject{CommonName: fqdn, DNSNames: []string{fqdn, "temporal-k8s." + tlsModel + ".svc.cluster.local"}})
	require.NoError(t, err)
	now := time.Unix(1_700_000_000, 0)
	ca := newTLSCA(t, now)
	ca.sign(t, csr, now, 100*time.Hour)
	return tlsMaterial{keyPEM: keyPEM, csr: csr, ca: ca, data: ca.data(t)}
}

const tlsRelID = "frontend-certificates:20"

var renewalURI = secretURI("renewal")

// state is a frontend unit related to the provider: with its key and
// request once asked, the certificate once issued, and the renewal secret
// once kept.
func (m tlsMaterial) state(t *testing.T, leader, asked, issued, kept bool) func() jujutest.State {
	return func() jujutest.State {
		s := ready(leader, map[string]any{"services": "frontend"})
		rel := &jujutest.Relation{ID: tlsRelID, RemoteApp: "self-signed-certificates", RemoteUnits: []string{"self-signed-certificates/0"},
			RemoteAppData: map[string]string{}, LocalUnitData: map[string]string{}}
		if asked {
			s.Secrets = append(s.Secrets, &jujutest.Secret{URI: secretURI("key"), Owner: jujutest.OwnerUnit,
				Label: tlscerts.PrivateKeyLabel(0, "frontend-certificates"), Revisions: []map[string]string{{tlscerts.PrivateKeyField: m.keyPEM}}})
			rel.LocalUnitData = tlscerts.UnitData(m.csr)
		}
		if issued {
			rel.RemoteAppData = m.data
		}
		if kept {
			s.Secrets = append(s.Secrets, &jujutest.Secret{URI: renewalURI, Owner: jujutest.OwnerUnit,
				Label: tlscerts.CertificateLabel(0, m.csr), Revisions: []map[string]string{{"certificate": "C", "csr": m.csr}}})
		}
		s.Relations = append(s.Relations, rel)
		return s
	}
}

func tlsRelationEvent(kind juju.Kind) juju.Event {
	return juju.Event{Kind: kind, Name: "frontend-certificates-relation-" + string(kind), Relation: "frontend-certificates",
		RelationID: tlsRelID, RemoteApp: "self-signed-certificates", Model: tlsModel}
}

// Every hook-tool call of the certificate's life is needed: when one
// fails, the hook fails with it (Juju retries it, nothing is committed).
func TestFrontendCertificateToolFailuresFailTheHook(t *testing.T) {
	t.Parallel()
	m := newTLSMaterial(t)
	expired := juju.Event{Kind: juju.SecretExpired, Model: tlsModel, SecretID: renewalURI, SecretLabel: tlscerts.CertificateLabel(0, m.csr)}
	for _, sc := range []struct {
		name  string
		state func() jujutest.State
		event juju.Event
	}{
		{"the first request", m.state(t, true, false, false, false), tlsRelationEvent(juju.RelationCreated)},
		{"a non-leader's first request", m.state(t, false, false, false, false), tlsRelationEvent(juju.RelationCreated)},
		{"the certificate issued", m.state(t, true, true, true, false), tlsRelationEvent(juju.RelationChanged)},
		{"the renewal", m.state(t, true, true, true, true), expired},
	} {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			requireEveryCallFails(t, sc.state, sc.event, nil)
		})
	}
}

// Only the certificate secret's own secret-expired renews, and only an
// expired certificate secret is removed.
func TestFrontendCertificateSecretEvents(t *testing.T) {
	t.Parallel()
	m := newTLSMaterial(t)
	label := tlscerts.CertificateLabel(0, m.csr)
	for _, tc := range []struct {
		name            string
		event           juju.Event
		renews, removes bool
	}{
		{"its secret-expired", juju.Event{Kind: juju.SecretExpired, Model: tlsModel, SecretID: renewalURI, SecretLabel: label}, true, true},
		{"secret-remove of it", juju.Event{Kind: juju.SecretRemove, Model: tlsModel, SecretID: renewalURI, SecretLabel: label}, false, false},
		{"secret-rotate of it", juju.Event{Kind: juju.SecretRotate, Model: tlsModel, SecretID: renewalURI, SecretLabel: label}, false, false},
		{"an older certificate's secret-expired", juju.Event{Kind: juju.SecretExpired, Model: tlsModel, SecretID: renewalURI, SecretLabel: tlscerts.CertificateLabel(0, "an older request")}, false, true},
		{"another secret's secret-expired", juju.Event{Kind: juju.SecretExpired, Model: tlsModel, SecretID: renewalURI, SecretLabel: "something-else"}, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := m.servingTLS(t)
			f.model.Calls()
			f.mustRun(t, tc.event)
			rel := f.relationByID(tlsRelID)
			csr, err := tlscerts.OwnCSR(rel.LocalUnitData)
			require.NoError(t, err)
			require.Equal(t, tc.renews, csr != m.csr, "a new request")
			removed := true
			for _, s := range f.model.State().Secrets {
				if s.URI == renewalURI {
					removed = false
				}
			}
			require.Equal(t, tc.removes, removed, "the secret removed")
			if tc.removes {
				// Juju commits the removal after the hook: the next
				// hook reads everything again.
				f.model.Calls()
				f.mustRun(t, juju.Event{Kind: juju.UpdateStatus, Model: tlsModel})
				require.Contains(t, callNames(f.model.Calls()), "relation-ids")
			}
		})
	}
}

// The relation going takes the frontend back to serving without TLS, in
// one restart, and its status note goes.
func TestFrontendCertificatesBroken(t *testing.T) {
	t.Parallel()
	m := newTLSMaterial(t)
	f := m.servingTLS(t)
	starts := f.box.Starts(temporal.ServiceName)
	f.mustRun(t, tlsRelationEvent(juju.RelationBroken))
	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus, Model: tlsModel})
	require.NotContains(t, f.configFile(t), "certFile:")
	require.Equal(t, starts+1, f.box.Starts(temporal.ServiceName))
	require.Equal(t, active, f.status())
}

// failingReader is a source of randomness that has run dry.
type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("entropy exhausted") }

// A key that cannot be made or read fails the hook, naming why, and asks
// for nothing.
func TestFrontendCertificateKeyFailures(t *testing.T) {
	t.Parallel()
	m := newTLSMaterial(t)
	f := newFixture(t, m.state(t, true, false, false, false)())
	f.rand = failingReader{}
	// Go makes RSA keys from its own source whatever reader it is given
	// (crypto/rsa, GenerateKey): the request is what the reader fails.
	require.ErrorContains(t, f.run(t, tlsRelationEvent(juju.RelationCreated)), "cannot make a unique identifier: entropy exhausted")
	require.Empty(t, f.relationByID(tlsRelID).LocalUnitData)

	g := newFixture(t, m.state(t, true, true, false, false)())
	g.model.Update(func(s *jujutest.State) {
		for _, sec := range s.Secrets {
			if sec.Label == tlscerts.PrivateKeyLabel(0, "frontend-certificates") {
				sec.Revisions = []map[string]string{{tlscerts.PrivateKeyField: "junk"}}
			}
		}
	})
	require.ErrorContains(t, g.run(t, tlsRelationEvent(juju.RelationChanged)), `cannot use the key in secret "`+tlscerts.PrivateKeyLabel(0, "frontend-certificates")+`"`)
}

// The renewal secret is read back once and then known; one lost with a
// failed commit is added again by the next hook.
func TestFrontendCertificateRenewalSecret(t *testing.T) {
	t.Parallel()
	m := newTLSMaterial(t)
	label := tlscerts.CertificateLabel(0, m.csr)
	f := newFixture(t, m.state(t, true, true, true, false)())
	f.runCommitFails(t, tlsRelationEvent(juju.RelationChanged))
	require.Nil(t, f.secretByLabel(label), "lost with the commit")
	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus, Model: tlsModel})
	require.NotNil(t, f.secretByLabel(label), "the next hook adds it again")
	for range 2 {
		f.mustRun(t, juju.Event{Kind: juju.UpdateStatus, Model: tlsModel})
	}
	f.model.Calls()
	f.model.Update(func(s *jujutest.State) { s.Config["global-rps-limit"] = 10 })
	f.mustRun(t, juju.Event{Kind: juju.ConfigChanged, Model: tlsModel})
	var gets []string
	for _, c := range f.model.Calls() {
		if c.Name == "secret-get" {
			gets = append(gets, strings.Join(c.Args, " "))
		}
	}
	require.NotEmpty(t, gets, "a full reconcile")
	for _, g := range gets {
		require.NotContains(t, g, label, "the renewal secret is known")
	}
}

// Certificate files left in the container by an earlier relation are not
// served to a new one: only a renewal outstanding keeps serving what the
// container holds.
func TestFrontendCertificateStaleFilesNotServed(t *testing.T) {
	t.Parallel()
	m := newTLSMaterial(t)
	f := m.servingTLS(t)
	f.mustRun(t, tlsRelationEvent(juju.RelationBroken))
	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus, Model: tlsModel})
	require.NotContains(t, f.configFile(t), "certFile:")
	// Related again, to a provider that has issued nothing yet.
	f.setProviderData(map[string]string{})
	f.mustRun(t, tlsRelationEvent(juju.RelationCreated))
	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus, Model: tlsModel})
	require.NotContains(t, f.configFile(t), "certFile:")
	require.Contains(t, f.status().Message, "waiting for self-signed-certificates to issue")
}

// pullFails fails every Pull of one path, as a file gone from the
// container would.
type pullFails struct {
	workload.Container
	path string
}

func (p pullFails) Pull(ctx context.Context, path string) ([]byte, error) {
	if path == p.path {
		return nil, errors.New("no such file")
	}
	return p.Container.Pull(ctx, path)
}

// While a renewal is outstanding, a certificate or CA the container no
// longer holds is not served: the frontend goes back to no TLS.
func TestFrontendCertificateServedFilesGone(t *testing.T) {
	t.Parallel()
	m := newTLSMaterial(t)
	for _, path := range []string{temporal.FrontendCertPath, temporal.FrontendCAPath} {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			f := m.servingTLS(t)
			// The renewal is asked for and the provider drops the old
			// entry.
			f.mustRun(t, juju.Event{Kind: juju.SecretExpired, Model: tlsModel, SecretID: renewalURI, SecretLabel: tlscerts.CertificateLabel(0, m.csr)})
			f.setProviderData(map[string]string{tlscerts.CertificatesKey: "[]"})
			f.container = pullFails{Container: f.box, path: path}
			f.mustRun(t, tlsRelationEvent(juju.RelationChanged))
			f.mustRun(t, juju.Event{Kind: juju.UpdateStatus, Model: tlsModel})
			require.NotContains(t, f.configFile(t), "certFile:")
		})
	}
}

// Certificates from the provider that do not read block with the reason;
// the server runs on as it was.
func TestFrontendCertificatesUnreadable(t *testing.T) {
	t.Parallel()
	m := newTLSMaterial(t)
	f := newFixture(t, m.state(t, true, true, false, false)())
	f.setProviderData(map[string]string{tlscerts.CertificatesKey: "{"})
	f.mustRun(t, tlsRelationEvent(juju.RelationChanged))
	require.Equal(t, juju.StatusBlocked, f.status().Name)
	require.Contains(t, f.status().Message, "cannot use frontend-certificates (frontend-certificates:20): cannot read the provider's certificates")
	require.Equal(t, 1, f.box.Starts(temporal.ServiceName), "the server runs, without TLS")
}

// A renewed certificate's secret lost with a failed commit (the hook
// wrote nothing else: the files change, nothing restarts) is added again
// by the next hook, which must therefore run in full.
func TestFrontendCertificateRenewedSecretLost(t *testing.T) {
	t.Parallel()
	m := newTLSMaterial(t)
	f := m.servingTLS(t)
	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus, Model: tlsModel})
	f.mustRun(t, juju.Event{Kind: juju.SecretExpired, Model: tlsModel, SecretID: renewalURI, SecretLabel: tlscerts.CertificateLabel(0, m.csr)})
	renewed, err := tlscerts.OwnCSR(f.relationByID(tlsRelID).LocalUnitData)
	require.NoError(t, err)
	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus, Model: tlsModel})
	m.ca.issued = nil
	m.ca.sign(t, renewed, f.clock.Now(), 100*time.Hour)
	f.setProviderData(m.ca.data(t))
	starts := f.box.Starts(temporal.ServiceName)
	label := tlscerts.CertificateLabel(0, renewed)
	f.runCommitFails(t, tlsRelationEvent(juju.RelationChanged))
	require.Nil(t, f.secretByLabel(label))
	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus, Model: tlsModel})
	require.NotNil(t, f.secretByLabel(label), "added again")
	require.Equal(t, starts, f.box.Starts(temporal.ServiceName))
}

// setProviderData sets the provider's app data on the certificates
// relation.
func (f *fixture) setProviderData(data map[string]string) {
	f.model.Update(func(s *jujutest.State) {
		for _, r := range s.Relations {
			if r.ID == tlsRelID {
				r.RemoteAppData = data
			}
		}
	})
}

// servingTLS is a unit of the fully related state once it serves the
// provider's certificate.
func (m *tlsMaterial) servingTLS(t *testing.T) *fixture {
	t.Helper()
	f := newFixture(t, m.state(t, true, true, true, true)())
	f.mustRun(t, tlsRelationEvent(juju.RelationChanged))
	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus, Model: tlsModel})
	require.Contains(t, f.configFile(t), "certFile:")
	return f
}
