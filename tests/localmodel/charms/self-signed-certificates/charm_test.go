package selfsigned

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
	"github.com/temporal-k8s/temporal-k8s/internal/juju/jujutest"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/tlscerts"
)

const (
	testUnit = "self-signed-certificates/0"
	testApp  = "self-signed-certificates"
	certsRel = "certificates:5"
)

func defaultConfig() map[string]any {
	return map[string]any{"ca-common-name": "self-signed-certificates-operator", "root-ca-validity": "365d", "certificate-validity": "1m", "certificate-limit": json.Number("99")}
}

// requirer is one requirer unit: its key and CSR.
type requirer struct {
	key *rsa.PrivateKey
	csr string
}

func newRequirer(t *testing.T, name string) requirer {
	t.Helper()
	text, err := tlscerts.NewPrivateKey(rand.Reader)
	require.NoError(t, err)
	key, err := tlscerts.ParsePrivateKey(text)
	require.NoError(t, err)
	csr, err := tlscerts.NewCSR(rand.Reader, key, tlscerts.Subject{CommonName: name, DNSNames: []string{name}})
	require.NoError(t, err)
	return requirer{key: key, csr: csr}
}

func unitData(t *testing.T, csrs ...string) map[string]string {
	t.Helper()
	return tlscerts.UnitData(csrs...)
}

// harness runs events against one model, committing each hook's writes
// as Juju does when the hook succeeds.
type harness struct {
	t   *testing.T
	m   *jujutest.Model
	now time.Time
}

func newHarness(t *testing.T, leader bool, cfg map[string]any, rels ...*jujutest.Relation) *harness {
	return &harness{t: t, m: jujutest.New(jujutest.State{Unit: testUnit, Leader: leader, Config: cfg, Relations: rels}), now: time.Now().UTC().Truncate(time.Second)}
}

func (h *harness) run(kind juju.Kind, relation, relID string) error {
	h.t.Helper()
	ev := juju.Event{Kind: kind, Name: string(kind), Unit: testUnit, App: testApp, Relation: relation, RelationID: relID}
	if relation != "" {
		ev.Name = relation + "-" + string(kind)
	}
	c := &Charm{Juju: juju.NewClient(h.m), Event: ev, Now: func() time.Time { return h.now }, Rand: rand.Reader}
	err := c.Run(context.Background())
	if err != nil {
		h.m.Rollback()
		return err
	}
	require.NoError(h.t, h.m.Commit())
	return nil
}

func (h *harness) action(name string) (map[string]string, *string) {
	h.t.Helper()
	// Juju runs an action with its parameters: none here.
	h.m.Update(func(s *jujutest.State) { s.ActionParams = map[string]any{} })
	defer h.m.Update(func(s *jujutest.State) { s.ActionParams = nil })
	c := &Charm{Juju: juju.NewClient(h.m), Event: juju.Event{Kind: juju.Action, Name: name, Unit: testUnit, App: testApp}, Now: func() time.Time { return h.now }, Rand: rand.Reader}
	require.NoError(h.t, c.Run(context.Background()))
	return h.m.ActionResults()
}

func (h *harness) issued(relID string) []tlscerts.Provided {
	h.t.Helper()
	for _, r := range h.m.State().Relations {
		if r.ID == relID {
			certs, err := tlscerts.ParseProvider(r.LocalAppData)
			require.NoError(h.t, err)
			return certs
		}
	}
	h.t.Fatalf("no relation %s", relID)
	return nil
}

func (h *harness) setUnitData(relID, unit string, data map[string]string) {
	h.m.Update(func(s *jujutest.State) {
		for _, r := range s.Relations {
			if r.ID == relID {
				if r.RemoteUnitData == nil {
					r.RemoteUnitData = map[string]map[string]string{}
				}
				r.RemoteUnitData[unit] = data
				for _, u := range r.RemoteUnits {
					if u == unit {
						return
					}
				}
				r.RemoteUnits = append(r.RemoteUnits, unit)
			}
		}
	})
}

func TestIssuesAsTheRealCharm(t *testing.T) {
	t.Parallel()
	fe0 := newRequirer(t, "temporal-k8s-0.temporal-k8s-endpoints.m.svc.cluster.local")
	h := newHarness(t, true, defaultConfig(), &jujutest.Relation{
		ID: certsRel, RemoteApp: "temporal-k8s", RemoteUnits: []string{"temporal-k8s/0"},
		RemoteUnitData: map[string]map[string]string{"temporal-k8s/0": unitData(t, fe0.csr)},
	}, &jujutest.Relation{ID: "send-ca-cert:6", RemoteApp: "temporal-admin-k8s", RemoteUnits: []string{"temporal-admin-k8s/0"}})

	// The first configure makes the CA and issues nothing yet, as
	// _configure returns after _generate_root_certificate.
	require.NoError(t, h.run(juju.ConfigChanged, "", ""))
	require.Equal(t, juju.StatusActive, h.m.State().UnitStatus.Name)
	require.Empty(t, h.issued(certsRel))
	secrets := h.m.State().Secrets
	require.Len(t, secrets, 1)
	require.Equal(t, CALabel, secrets[0].Label)
	require.Equal(t, jujutest.OwnerApplication, secrets[0].Owner)
	caPEM := secrets[0].Revisions[0][CACertField]
	ca, err := LoadCA(caPEM, secrets[0].Revisions[0][CAKeyField])
	require.NoError(t, err)
	require.Equal(t, "self-signed-certificates-operator", ca.Cert.Subject.CommonName)

	// A relation-created or -joined does not configure.
	require.NoError(t, h.run(juju.RelationJoined, CertificatesEndpoint, certsRel))
	require.Empty(t, h.issued(certsRel))

	// The next configure signs the request, and sends the CA.
	require.NoError(t, h.run(juju.UpdateStatus, "", ""))
	issued := h.issued(certsRel)
	require.Len(t, issued, 1)
	got, err := tlscerts.Find(issued, fe0.csr, fe0.key)
	require.NoError(t, err)
	require.Equal(t, caPEM, got.CAPEM)
	require.WithinDuration(t, h.now.Add(time.Minute), got.Leaf.NotAfter, 0)
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	_, err = got.Leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: "temporal-k8s-0.temporal-k8s-endpoints.m.svc.cluster.local", CurrentTime: h.now})
	require.NoError(t, err)
	transfer := h.m.State().Relations[1].LocalAppData
	require.JSONEq(t, `[`+mustJSON(t, caPEM)+`]`, transfer["certificates"])

	// Nothing outstanding: nothing re-signed.
	require.NoError(t, h.run(juju.UpdateStatus, "", ""))
	require.Equal(t, issued, h.issued(certsRel))

	// A second unit asks: it gets its own, the first keeps its.
	fe1 := newRequirer(t, "temporal-k8s-1.temporal-k8s-endpoints.m.svc.cluster.local")
	h.setUnitData(certsRel, "temporal-k8s/1", unitData(t, fe1.csr))
	require.NoError(t, h.run(juju.RelationChanged, CertificatesEndpoint, certsRel))
	now := h.issued(certsRel)
	require.Len(t, now, 2)
	require.Equal(t, issued[0], now[0])
	_, err = tlscerts.Find(now, fe1.csr, fe1.key)
	require.NoError(t, err)

	// A renewal: the first unit's new CSR (same key) is signed, and the
	// old entry goes with its request (the library's
	// _remove_certificates_for_which_no_csr_exists).
	renewed := newRequirer(t, "temporal-k8s-0.temporal-k8s-endpoints.m.svc.cluster.local")
	renewed.key = fe0.key
	renewed.csr, err = tlscerts.NewCSR(rand.Reader, fe0.key, tlscerts.Subject{CommonName: "temporal-k8s-0.temporal-k8s-endpoints.m.svc.cluster.local"})
	require.NoError(t, err)
	h.setUnitData(certsRel, "temporal-k8s/0", unitData(t, renewed.csr))
	require.NoError(t, h.run(juju.RelationChanged, CertificatesEndpoint, certsRel))
	require.Len(t, h.issued(certsRel), 2)
	_, err = tlscerts.Find(h.issued(certsRel), renewed.csr, renewed.key)
	require.NoError(t, err)
	_, err = tlscerts.Find(h.issued(certsRel), fe0.csr, fe0.key)
	require.ErrorIs(t, err, tlscerts.ErrNotIssued)

	// The CA as the action gives it.
	res, failed := h.action("get-ca-certificate")
	require.Nil(t, failed)
	require.Equal(t, caPEM, res["ca-certificate"])
	res, failed = h.action("get-issued-certificates")
	require.Nil(t, failed)
	var listed []tlscerts.Provided
	require.NoError(t, json.Unmarshal([]byte(res["certificates"]), &listed))
	require.Len(t, listed, 2)
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

func TestRevokedIsIssuedAgain(t *testing.T) {
	t.Parallel()
	fe0 := newRequirer(t, "a.example")
	h := newHarness(t, true, defaultConfig(), &jujutest.Relation{
		ID: certsRel, RemoteApp: "temporal-k8s", RemoteUnits: []string{"temporal-k8s/0"},
		RemoteUnitData: map[string]map[string]string{"temporal-k8s/0": unitData(t, fe0.csr)},
	})
	require.NoError(t, h.run(juju.ConfigChanged, "", ""))
	require.NoError(t, h.run(juju.UpdateStatus, "", ""))
	first := h.issued(certsRel)
	require.Len(t, first, 1)
	h.m.Update(func(s *jujutest.State) { s.Relations[0].LocalAppData = AppData(RevokeAll(first)) })
	_, err := tlscerts.Find(h.issued(certsRel), fe0.csr, fe0.key)
	require.ErrorIs(t, err, tlscerts.ErrRevoked)
	require.NoError(t, h.run(juju.UpdateStatus, "", ""))
	again := h.issued(certsRel)
	require.Len(t, again, 1, "set_relation_certificate replaces the entry of the same CSR")
	require.NotEqual(t, first[0].Certificate, again[0].Certificate)
	_, err = tlscerts.Find(again, fe0.csr, fe0.key)
	require.NoError(t, err)
}

func TestLimit(t *testing.T) {
	t.Parallel()
	cfg := defaultConfig()
	cfg["certificate-limit"] = json.Number("1")
	a, b := newRequirer(t, "a.example"), newRequirer(t, "b.example")
	h := newHarness(t, true, cfg, &jujutest.Relation{
		ID: certsRel, RemoteApp: "temporal-k8s", RemoteUnits: []string{"temporal-k8s/0", "temporal-k8s/1"},
		RemoteUnitData: map[string]map[string]string{"temporal-k8s/0": unitData(t, a.csr), "temporal-k8s/1": unitData(t, b.csr)},
	})
	require.NoError(t, h.run(juju.ConfigChanged, "", ""))
	require.NoError(t, h.run(juju.UpdateStatus, "", ""))
	require.Len(t, h.issued(certsRel), 1)
	_, err := tlscerts.Find(h.issued(certsRel), a.csr, a.key)
	require.NoError(t, err, "units in order")
}

func TestStatuses(t *testing.T) {
	t.Parallel()
	h := newHarness(t, false, defaultConfig())
	require.NoError(t, h.run(juju.ConfigChanged, "", ""))
	require.Equal(t, juju.Status{Name: juju.StatusBlocked, Message: "Scaling is not implemented for this charm"}, h.m.State().UnitStatus)
	require.Empty(t, h.m.State().Secrets, "only the leader makes the CA")

	for name, cfg := range map[string]map[string]any{
		"root shorter than twice": {"ca-common-name": "x", "root-ca-validity": "1h", "certificate-validity": "31m"},
		"seconds are not a unit":  {"ca-common-name": "x", "root-ca-validity": "365d", "certificate-validity": "30s"},
		"zero":                    {"ca-common-name": "x", "root-ca-validity": "365d", "certificate-validity": "0"},
	} {
		h := newHarness(t, true, cfg)
		require.NoError(t, h.run(juju.ConfigChanged, "", ""), name)
		require.Equal(t, juju.Status{Name: juju.StatusBlocked, Message: "The following configuration values are not valid: ['certificate-validity', 'root-ca-validity']"}, h.m.State().UnitStatus, name)
		require.Empty(t, h.m.State().Secrets, name)
	}
	h = newHarness(t, true, map[string]any{"ca-common-name": "", "root-ca-validity": "365d", "certificate-validity": "90d"})
	require.NoError(t, h.run(juju.ConfigChanged, "", ""))
	require.Equal(t, "The following configuration values are not valid: ['ca-common-name']", h.m.State().UnitStatus.Message)

	// A CA of other options is kept, and the unit says so.
	h = newHarness(t, true, defaultConfig())
	require.NoError(t, h.run(juju.ConfigChanged, "", ""))
	h.m.Update(func(s *jujutest.State) { s.Config["ca-common-name"] = "other" })
	require.NoError(t, h.run(juju.ConfigChanged, "", ""))
	require.Equal(t, juju.StatusBlocked, h.m.State().UnitStatus.Name)
	require.Contains(t, h.m.State().UnitStatus.Message, "keeps its first CA (self-signed-certificates-operator, valid 8760h0m0s)")
	require.Len(t, h.m.State().Secrets, 1)

	// Before a CA, the action says so as the charm does.
	h = newHarness(t, true, defaultConfig())
	_, failed := h.action("get-ca-certificate")
	require.NotNil(t, failed)
	require.Equal(t, "Root Certificate is not yet generated", *failed)
}
