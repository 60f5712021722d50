package charm_test

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/temporal-k8s/temporal-k8s/internal/cluster"
	"github.com/temporal-k8s/temporal-k8s/internal/juju"
	"github.com/temporal-k8s/temporal-k8s/internal/juju/jujutest"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/peer"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/rollout"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/tlscerts"
	"github.com/temporal-k8s/temporal-k8s/internal/temporal"
	"github.com/temporal-k8s/temporal-k8s/internal/workload"
)

// internodeTLS is the server config's global.tls.internode, nil without.
func (f *fixture) internodeTLS(t *testing.T) map[string]any {
	t.Helper()
	var cfg struct {
		Global struct {
			TLS map[string]any `yaml:"tls"`
		} `yaml:"global"`
	}
	require.NoError(t, yaml.Unmarshal([]byte(f.configFile(t)), &cfg))
	require.NotContains(t, cfg.Global.TLS, "frontend", "no frontend certificate here")
	group, _ := cfg.Global.TLS["internode"].(map[string]any)
	return group
}

// ringpopTLS is what the dynamic config says of membership's TLS.
func (f *fixture) ringpopTLS(t *testing.T) bool {
	t.Helper()
	file, ok := f.box.File(temporal.DynamicConfigPath)
	require.True(t, ok)
	var dc map[string][]struct {
		Value any `yaml:"value"`
	}
	require.NoError(t, yaml.Unmarshal(file.Content, &dc))
	v, ok := dc["system.enableRingpopTLS"]
	return ok && len(v) == 1 && v[0].Value == true
}

// joinRolloutHub relates the application to a hub on
// internode-rollout-hub: the cluster's other applications run the
// services this one does not.
func (f *fixture) joinRolloutHub(t *testing.T) *jujutest.Relation {
	t.Helper()
	rel := &jujutest.Relation{ID: "internode-rollout-hub:40", RemoteApp: "temporal", RemoteUnits: []string{"temporal/0"}, RemoteAppData: map[string]string{}}
	f.model.Update(func(s *jujutest.State) { s.Relations = append(s.Relations, rel) })
	f.mustRun(t, tlsEvent(juju.RelationCreated, rel))
	return rel
}

// rollWithHub runs the hub's relation-changed with the hub saying the
// cluster is where this application says it is, as a hub whose other
// members keep pace does, until the unit has had every hook it needs.
func (f *fixture) rollWithHub(t *testing.T, hub *jujutest.Relation) {
	t.Helper()
	for range 8 {
		f.model.Update(func(s *jujutest.State) {
			r, err := rollout.ParseRange(s.Relations[0].LocalAppData[rollout.StagesKey])
			require.NoError(t, err)
			hub.RemoteAppData = map[string]string{rollout.ClusterKey: rollout.FormatCluster(r)}
		})
		f.mustRun(t, tlsEvent(juju.RelationChanged, hub))
	}
}

// stage is the unit's stage of internode TLS as its peer data says it.
func (f *fixture) stage(t *testing.T) rollout.Stage {
	t.Helper()
	s, err := rollout.ParseStage(f.relation(t, "peer:0").LocalUnitData[rollout.UnitKey])
	require.NoError(t, err)
	return s
}

func internodeRelation() *jujutest.Relation {
	return &jujutest.Relation{ID: "internode-certificates:30", RemoteApp: "self-signed-certificates",
		RemoteUnits: []string{"self-signed-certificates/0"}, RemoteAppData: map[string]string{}}
}

// internode-certificates in every application, the frontend's too (its
// internal-frontend and its clients of history and matching use it): the
// unit asks with a key of its own for a certificate for both ends of
// mutual TLS, named for what its peers check and for the unit; until it
// comes the server runs as it did, without a restart; once issued, one
// restart into mutual TLS on every internode service and membership,
// whose check (and the charm's probe) shows the pod's certificate; a
// renewal restarts nothing; the relation going takes it back in one
// restart.
func TestInternodeCertificates(t *testing.T) {
	t.Parallel()
	for _, services := range []string{"history", "frontend", "matching,worker"} {
		t.Run(services, func(t *testing.T) {
			t.Parallel()
			f := settled(t, ready(true, map[string]any{"services": services}))
			hub := f.joinRolloutHub(t)
			now := f.clock.Now()
			ca := newTLSCA(t, now)
			rel := internodeRelation()
			f.model.Update(func(s *jujutest.State) { s.Relations = append(s.Relations, rel) })
			starts := f.box.Starts(temporal.ServiceName)

			f.mustRun(t, tlsEvent(juju.RelationCreated, rel))
			keySecret := f.secretByLabel(tlscerts.PrivateKeyLabel(0, "internode-certificates"))
			require.NotNil(t, keySecret, "a key of its own, under the library's label for the endpoint")
			require.Equal(t, jujutest.OwnerUnit, keySecret.Owner)
			key, err := tlscerts.ParsePrivateKey(keySecret.Revisions[0][tlscerts.PrivateKeyField])
			require.NoError(t, err)
			csr := f.ownCSR(t, rel)
			subject := tlscerts.Subject{CommonName: "temporal-internode",
				DNSNames: []string{"temporal-internode", "temporal-k8s-0.temporal-k8s-endpoints.m.svc.cluster.local"}, Mutual: true}
			require.True(t, tlscerts.Fits(csr, key, subject), "the shared name, the unit's FQDN, both ends")
			require.Equal(t, juju.Status{Name: juju.StatusActive, Message: "waiting for self-signed-certificates to issue this unit's internode certificate: internode traffic stays without TLS"}, f.status())
			require.Equal(t, starts, f.box.Starts(temporal.ServiceName), "nothing to use yet: no restart")
			require.Nil(t, f.internodeTLS(t))
			require.False(t, f.ringpopTLS(t))

			cert := ca.sign(t, csr, now, 100*time.Hour)
			f.model.Update(func(*jujutest.State) { rel.RemoteAppData = ca.data(t) })
			f.mustRun(t, tlsEvent(juju.RelationChanged, rel))
			f.rollWithHub(t, hub)
			require.Equal(t, starts+2, f.box.Starts(temporal.ServiceName), "two restarts into mutual TLS: behind the proxy, then TLS")
			require.Equal(t, rollout.TLS, f.stage(t))
			require.Equal(t, "strict\n", f.file(t, temporal.ProxyModePath), "the proxy refuses plaintext")
			require.Equal(t, active, f.status(), "the probe shows the pod's certificate and is answered")
			block, _ := pem.Decode([]byte(cert))
			leaf, err := x509.ParseCertificate(block.Bytes)
			require.NoError(t, err)
			require.Equal(t, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}, leaf.ExtKeyUsage, "the provider copies the request's usage")
			require.Equal(t, strings.TrimSpace(cert)+"\n"+strings.TrimSpace(ca.pem)+"\n", f.file(t, temporal.InternodeCertPath))
			require.Equal(t, keySecret.Revisions[0][tlscerts.PrivateKeyField], f.file(t, temporal.InternodeKeyPath))
			require.Equal(t, strings.TrimSpace(ca.pem)+"\n", f.file(t, temporal.InternodeCAPath))
			require.Equal(t, map[string]any{
				"server": map[string]any{"certFile": temporal.InternodeCertPath, "keyFile": temporal.InternodeKeyPath,
					"requireClientAuth": true, "clientCaFiles": []any{temporal.InternodeCAPath}},
				"client": map[string]any{"serverName": "temporal-internode", "rootCaFiles": []any{temporal.InternodeCAPath}},
			}, f.internodeTLS(t))
			require.True(t, f.ringpopTLS(t), "membership runs over TLS too")
			plan, err := f.box.Plan(t.Context())
			require.NoError(t, err)
			require.True(t, temporal.ServesInternodeTLS(plan))
			check := plan.Checks[temporal.CheckName].Exec.Command
			if services == "frontend" {
				require.NotContains(t, check, ",cert=", "the frontend's check asks the frontend only")
			} else {
				require.Contains(t, check, ",ca="+temporal.InternodeCAPath+",cert="+temporal.InternodeCertPath+",key="+temporal.InternodeKeyPath)
			}
			f.requireNoKeyInRelationData(t)

			// A renewal swaps the files: the server reads them again.
			renewal := f.secretByLabel(tlscerts.CertificateLabel(0, csr))
			require.NotNil(t, renewal)
			starts = f.box.Starts(temporal.ServiceName)
			f.mustRun(t, juju.Event{Kind: juju.SecretExpired, Model: tlsModel, SecretID: renewal.URI, SecretLabel: renewal.Label})
			renewed := f.ownCSR(t, rel)
			require.NotEqual(t, csr, renewed)
			require.True(t, tlscerts.Fits(renewed, key, subject))
			require.Nil(t, f.secretByLabel(renewal.Label))
			newCert := ca.sign(t, renewed, now.Add(90*time.Hour), 100*time.Hour)
			f.clock.now = now.Add(90 * time.Hour)
			f.model.Update(func(*jujutest.State) { rel.RemoteAppData = ca.data(t) })
			f.mustRun(t, tlsEvent(juju.RelationChanged, rel))
			f.mustRun(t, juju.Event{Kind: juju.UpdateStatus, Model: tlsModel})
			require.Equal(t, strings.TrimSpace(newCert)+"\n"+strings.TrimSpace(ca.pem)+"\n", f.file(t, temporal.InternodeCertPath))
			require.Equal(t, starts, f.box.Starts(temporal.ServiceName), "a renewal restarts nothing")
			require.Equal(t, active, f.status())

			// Gone: back without TLS, in two restarts, showing peers
			// the certificate the container holds on the way.
			f.model.Update(func(s *jujutest.State) { s.Relations = s.Relations[:len(s.Relations)-1] })
			f.mustRun(t, juju.Event{Kind: juju.RelationBroken, Name: "internode-certificates-relation-broken", Relation: "internode-certificates",
				RelationID: rel.ID, RemoteApp: rel.RemoteApp, Model: tlsModel})
			require.Equal(t, rollout.TLSAcceptPlain, f.stage(t), "plaintext accepted again at once")
			require.Equal(t, "accept-plaintext\n", f.file(t, temporal.ProxyModePath))
			require.Equal(t, starts, f.box.Starts(temporal.ServiceName))
			f.rollWithHub(t, hub)
			require.Nil(t, f.internodeTLS(t))
			require.False(t, f.ringpopTLS(t))
			require.Equal(t, rollout.Plain, f.stage(t))
			require.Equal(t, starts+2, f.box.Starts(temporal.ServiceName))
			plan, err = f.box.Plan(t.Context())
			require.NoError(t, err)
			require.False(t, temporal.ServesProxy(plan), "the proxy idles: the server binds the pod again")
			require.Contains(t, f.configFile(t), "bindOnIP: 0.0.0.0")
			require.Equal(t, active, f.status())
		})
	}
}

// A certificate that cannot authenticate a client (a provider that sets
// serverAuth alone) would have every peer refuse the unit: it is not
// used, and the status says why.
func TestInternodeCertificateForOneEndIsRefused(t *testing.T) {
	t.Parallel()
	f := settled(t, ready(true, map[string]any{"services": "history"}))
	ca := newTLSCA(t, f.clock.Now())
	ca.usage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	rel := internodeRelation()
	f.model.Update(func(s *jujutest.State) { s.Relations = append(s.Relations, rel) })
	f.mustRun(t, tlsEvent(juju.RelationCreated, rel))
	starts := f.box.Starts(temporal.ServiceName)
	ca.sign(t, f.ownCSR(t, rel), f.clock.Now(), 100*time.Hour)
	f.model.Update(func(*jujutest.State) { rel.RemoteAppData = ca.data(t) })
	f.mustRun(t, tlsEvent(juju.RelationChanged, rel))
	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus, Model: tlsModel})
	require.Equal(t, juju.Status{Name: juju.StatusBlocked, Message: "cannot use the certificate self-signed-certificates issued on internode-certificates:30: the certificate is not for both ends of mutual TLS: its extended key usage has no clientAuth"}, f.status())
	require.Nil(t, f.internodeTLS(t))
	require.Equal(t, starts, f.box.Starts(temporal.ServiceName))
}

// A unit that waits for the restart lock to turn internode TLS on keeps
// the membership TLS its server started with in the dynamic config (which
// it writes at once): a start by Pebble meanwhile would otherwise run
// membership over TLS without the certificate, and fail.
func TestInternodeWaitingForTheLockKeepsMembershipAsStarted(t *testing.T) {
	t.Parallel()
	f := threeUnits(t, false)
	hub := f.joinRolloutHub(t)
	ca := newTLSCA(t, f.clock.Now())
	rel := internodeRelation()
	f.model.Update(func(s *jujutest.State) { s.Relations = append(s.Relations, rel) })
	f.mustRun(t, tlsEvent(juju.RelationCreated, rel))
	ca.sign(t, f.ownCSR(t, rel), f.clock.Now(), 100*time.Hour)
	f.model.Update(func(s *jujutest.State) {
		rel.RemoteAppData = ca.data(t)
		s.Config["log-level"] = "debug"
	})
	starts := f.box.Starts(temporal.ServiceName)
	f.mustRun(t, tlsEvent(juju.RelationChanged, rel))
	require.Equal(t, starts, f.box.Starts(temporal.ServiceName), "not its turn")
	require.NotEmpty(t, f.request(t))
	// Its turn to go behind the proxy, which needs no membership TLS.
	f.model.Update(func(s *jujutest.State) {
		s.Relations[0].LocalAppData = (peer.Grant{Unit: app + "/0", At: f.clock.Now()}).Data()
	})
	ev := peerChanged
	ev.Model = tlsModel
	f.mustRun(t, ev)
	require.Equal(t, starts+1, f.box.Starts(temporal.ServiceName))
	require.Equal(t, rollout.AcceptTLS, f.stage(t))
	require.False(t, f.ringpopTLS(t))
	// The leader frees the lock, and says every unit is behind its
	// proxy: the server may speak TLS, in its turn.
	f.model.Update(func(s *jujutest.State) {
		s.Relations[0].LocalAppData = map[string]string{rollout.StagesKey: "1 1"}
		hub.RemoteAppData = map[string]string{rollout.ClusterKey: "1 1"}
		s.Config["log-level"] = "info"
	})
	starts = f.box.Starts(temporal.ServiceName)
	f.mustRun(t, ev)
	require.Equal(t, starts, f.box.Starts(temporal.ServiceName), "not its turn")
	require.NotEmpty(t, f.request(t))
	require.False(t, f.ringpopTLS(t), "as it started")
	file, _ := f.box.File(temporal.DynamicConfigPath)
	require.Contains(t, string(file.Content), "matching.longPollExpirationInterval", "the rest of the dynamic config is written")
	_, ok := f.box.File(temporal.InternodeCertPath)
	require.True(t, ok, "the certificate is there for the restart")

	// Its turn: membership over TLS with the certificate.
	f.model.Update(func(s *jujutest.State) {
		s.Relations[0].LocalAppData = (peer.Grant{Unit: app + "/0", At: f.clock.Now()}).Data()
		s.Relations[0].LocalAppData[rollout.StagesKey] = "1 1"
	})
	f.mustRun(t, ev)
	require.Equal(t, starts+1, f.box.Starts(temporal.ServiceName))
	require.True(t, f.ringpopTLS(t))
	require.NotNil(t, f.internodeTLS(t))
}

// With internode TLS internal-frontend asks for a certificate: the
// cluster check and the describe-cluster action show the one the pod
// holds and check the shared name against its CA; without, they ask
// without TLS.
func TestInternodeDescribeShowsThePodCertificate(t *testing.T) {
	t.Parallel()
	f := settled(t, ready(true, map[string]any{"services": "frontend"}))
	cl := &fakeCluster{d: cluster.Description{ClusterID: "c-1", HistoryShardCount: 512, Rings: fullRings}}
	f.describe = cl.describe
	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus, Model: tlsModel})
	require.Len(t, cl.tls, 1)
	require.Nil(t, cl.tls[0], "no internode TLS: none")

	ca := f.issueInternode(t)
	f.model.Update(func(s *jujutest.State) { s.ActionParams = map[string]any{} })
	f.mustRun(t, juju.Event{Kind: juju.Action, Name: "describe-cluster", Model: tlsModel})
	results, failed := f.model.ActionResults()
	require.Nil(t, failed)
	require.Equal(t, "c-1", results["cluster-id"])

	block, _ := pem.Decode([]byte(f.file(t, temporal.InternodeCertPath)))
	for _, cfg := range cl.tls[len(cl.tls)-2:] {
		require.NotNil(t, cfg)
		require.Equal(t, "temporal-internode", cfg.ServerName)
		require.Equal(t, block.Bytes, cfg.Certificates[0].Certificate[0], "the pod's certificate")
		_, err := ca.cert.Verify(x509.VerifyOptions{Roots: cfg.RootCAs, CurrentTime: f.clock.Now()})
		require.NoError(t, err, "the pod's CA")
	}
	require.Equal(t, []string{"127.0.0.1:7236"}, slices.Compact(cl.calls()))
}

// pullGives answers every Pull of one path with data, as a file
// overwritten by hand would.
type pullGives struct {
	workload.Container
	path string
	data []byte
}

func (p pullGives) Pull(ctx context.Context, path string) ([]byte, error) {
	if path == p.path {
		return p.data, nil
	}
	return p.Container.Pull(ctx, path)
}

// issueInternode relates the unit to a CA on internode-certificates, has
// it issue the certificate the unit asks for, and runs the hooks that
// follow; it returns the CA.
func (f *fixture) issueInternode(t *testing.T) *tlsCA {
	t.Helper()
	hub := f.joinRolloutHub(t)
	ca := f.issueInternodeCert(t)
	f.rollWithHub(t, hub)
	require.Equal(t, rollout.TLS, f.stage(t))
	return ca
}

// issueInternodeCert relates the unit to a CA on internode-certificates
// and has it issue the certificate the unit asks for; it returns the CA.
func (f *fixture) issueInternodeCert(t *testing.T) *tlsCA {
	t.Helper()
	ca := newTLSCA(t, f.clock.Now())
	rel := internodeRelation()
	f.model.Update(func(s *jujutest.State) { s.Relations = append(s.Relations, rel) })
	f.mustRun(t, tlsEvent(juju.RelationCreated, rel))
	ca.sign(t, f.ownCSR(t, rel), f.clock.Now(), 100*time.Hour)
	f.model.Update(func(*jujutest.State) { rel.RemoteAppData = ca.data(t) })
	f.mustRun(t, tlsEvent(juju.RelationChanged, rel))
	return ca
}

// servingInternodeTLS is a frontend unit whose server runs with internode
// TLS, and its cluster.
func servingInternodeTLS(t *testing.T) (*fixture, *fakeCluster) {
	t.Helper()
	f := settled(t, ready(true, map[string]any{"services": "frontend,history"}))
	cl := &fakeCluster{d: cluster.Description{ClusterID: "c-1", HistoryShardCount: 512, Rings: fullRings}}
	f.describe = cl.describe
	f.issueInternode(t)
	require.Equal(t, active, f.status())
	return f, cl
}

// The certificate, key and CA the server holds are what the charm shows
// its internode services: one it cannot read or use is named in the
// status (the probe cannot ask) and in the describe-cluster action's
// failure, and the cluster is not asked without it.
func TestInternodeFilesUnreadable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		container func(workload.Container) workload.Container
		want      string
	}{
		{"certificate gone", func(c workload.Container) workload.Container {
			return pullFails{Container: c, path: temporal.InternodeCertPath}
		}, "cannot read the internode certificate: no such file"},
		{"key gone", func(c workload.Container) workload.Container {
			return pullFails{Container: c, path: temporal.InternodeKeyPath}
		}, "cannot read the internode key: no such file"},
		{"CA gone", func(c workload.Container) workload.Container {
			return pullFails{Container: c, path: temporal.InternodeCAPath}
		}, "cannot read the internode CA: no such file"},
		{"a key of another certificate", func(c workload.Container) workload.Container {
			key, err := tlscerts.NewPrivateKey(rand.Reader)
			require.NoError(t, err)
			return pullGives{Container: c, path: temporal.InternodeKeyPath, data: []byte(key)}
		}, "cannot use the internode certificate: tls: private key does not match public key"},
		{"a CA that holds none", func(c workload.Container) workload.Container {
			return pullGives{Container: c, path: temporal.InternodeCAPath, data: []byte("junk")}
		}, "cannot use the internode CA: no PEM certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, cl := servingInternodeTLS(t)
			asked := len(cl.calls())
			f.container = tt.container(f.box)
			f.mustRun(t, juju.Event{Kind: juju.UpdateStatus, Model: tlsModel})
			require.Equal(t, juju.Status{Name: juju.StatusWaiting, Message: "temporal-server is not serving yet: " + tt.want}, f.status())
			require.Len(t, cl.calls(), asked, "the cluster is not asked without the certificate")
			f.model.Update(func(s *jujutest.State) { s.ActionParams = map[string]any{} })
			f.mustRun(t, juju.Event{Kind: juju.Action, Name: "describe-cluster", Model: tlsModel})
			_, failed := f.model.ActionResults()
			require.NotNil(t, failed)
			require.Equal(t, tt.want, *failed)
		})
	}
}

// pullCount counts the Pulls of one path.
type pullCount struct {
	workload.Container
	path string
	n    *int
}

func (p pullCount) Pull(ctx context.Context, path string) ([]byte, error) {
	if path == p.path {
		*p.n++
	}
	return p.Container.Pull(ctx, path)
}

// The probe of history and the cluster check through internal-frontend
// both show the pod's certificate, read from the container once a hook.
func TestInternodeFilesReadOncePerHook(t *testing.T) {
	t.Parallel()
	f, cl := servingInternodeTLS(t)
	asked := len(cl.calls())
	n := 0
	f.container = pullCount{Container: f.box, path: temporal.InternodeKeyPath, n: &n}
	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus, Model: tlsModel})
	require.Equal(t, active, f.status())
	require.Len(t, cl.calls(), asked+1, "the cluster was asked")
	require.Equal(t, 1, n)
}
