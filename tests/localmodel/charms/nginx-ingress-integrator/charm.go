package integrator

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"strings"
	"time"

	"github.com/canonical/pebble/client"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/charms/internal/nginx"
	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/charms/internal/relations"
	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/charms/internal/workload"
)

// Charm handles one event.
type Charm struct{ *workload.Charm }

// Dispatch runs the event named by the environment.
func Dispatch(ctx context.Context, getenv func(string) string) error {
	return workload.Dispatch(ctx, getenv, ContainerName, func(ctx context.Context, w *workload.Charm) error {
		return (&Charm{w}).reconcile(ctx)
	})
}

func (c *Charm) reconcile(ctx context.Context) error {
	ids, err := relations.Live(ctx, c.Juju, c.Event, Endpoint)
	if err != nil {
		return err
	}
	var routes []nginx.Route
	var problems []string
	tls := false
	for _, id := range ids {
		data, err := relations.RemoteAppData(ctx, c.Juju, id)
		if err != nil {
			return err
		}
		units, err := c.Juju.RelationList(ctx, id)
		if err != nil {
			return err
		}
		// The charm acts once the requirer wrote and has units.
		if len(data) == 0 || len(units) == 0 {
			continue
		}
		r, err := ParseRoute(data, c.Event.Model)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		p := r.Proxy()
		tls = tls || p.TLS
		routes = append(routes, p)
	}
	sort.Strings(problems)
	if !c.Container.Ready() {
		return c.Status(ctx, juju.StatusWaiting, "waiting for Pebble in the "+ContainerName+" container")
	}
	var files []nginx.File
	if tls {
		if files, err = c.fakeCertificate(time.Now()); err != nil {
			return err
		}
	}
	if err := nginx.Apply(ctx, c.Container, nginx.Render(routes), files); err != nil {
		return c.Status(ctx, juju.StatusBlocked, err.Error())
	}
	for _, port := range []int{nginx.HTTPPort, nginx.HTTPSPort} {
		if err := c.Juju.OpenPort(ctx, juju.Port{Number: port, Protocol: "tcp"}); err != nil {
			return err
		}
	}
	if len(problems) > 0 {
		return c.Status(ctx, juju.StatusBlocked, strings.Join(problems, "; "))
	}
	return c.Status(ctx, juju.StatusActive, "")
}

// fakeCertificate is what ingress-nginx serves for a TLS host whose
// secret is missing: a self-signed certificate for no name of the host's,
// which clients that verify refuse. It is made once per container, as
// ingress-nginx makes it once per start.
func (c *Charm) fakeCertificate(now time.Time) ([]nginx.File, error) {
	var heldCert, heldKey strings.Builder
	if c.Container.Client.Pull(&client.PullOptions{Path: FakeCertFile, Target: &heldCert}) == nil &&
		c.Container.Client.Pull(&client.PullOptions{Path: FakeKeyFile, Target: &heldKey}) == nil {
		return []nginx.File{{Path: FakeCertFile, Content: heldCert.String()}, {Path: FakeKeyFile, Content: heldKey.String(), Private: true}}, nil
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("cannot make the fake certificate: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "Kubernetes Ingress Controller Fake Certificate", Organization: []string{"Acme Co"}},
		DNSNames:     []string{"ingress.local"},
		NotBefore:    now.Add(-time.Hour), NotAfter: now.Add(365 * 24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("cannot make the fake certificate: %w", err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, errors.Join(errors.New("cannot make the fake certificate"), err)
	}
	return []nginx.File{
		{Path: FakeCertFile, Content: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))},
		{Path: FakeKeyFile, Content: string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})), Private: true},
	}, nil
}
