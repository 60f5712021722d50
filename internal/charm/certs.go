package charm

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/temporal-k8s/temporal-k8s/internal/config"
	"github.com/temporal-k8s/temporal-k8s/internal/juju"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/tlscerts"
	"github.com/temporal-k8s/temporal-k8s/internal/temporal"
)

// certificateKey and csrKey are the content of the unit-owned secret the
// charm keeps an issued certificate in, as the library does: the
// secret's expiry is when the certificate is renewed.
const (
	certificateKey = "certificate"
	csrKey         = "csr"
)

// certRel is what a tls-certificates relation gave this unit.
type certRel struct {
	relID string
	// app is the provider's app data, nil where the application uses
	// no certificate of the endpoint; provided its certificates.
	app      map[string]string
	provided []tlscerts.Provided
	// serve is the certificate the server is to use; nil: none.
	serve *temporal.Cert
	// note is what the status says of the relation; empty when the
	// server uses the certificate it asked for.
	note juju.Status
}

// unitNumber is the number of this unit (app/N).
func (c *Charm) unitNumber() int {
	_, n, _ := strings.Cut(c.event.Unit, "/")
	i, _ := strconv.Atoi(n)
	return i
}

// certKey reads this unit's private key, or makes one: it lives in a
// unit-owned secret under the library's label, so a refresh from the
// Python charm keeps it.
func (c *Charm) certKey(ctx context.Context, endpoint string) (*rsa.PrivateKey, string, error) {
	label := tlscerts.PrivateKeyLabel(c.unitNumber(), endpoint)
	content, err := c.Juju.SecretGetByLabel(ctx, label)
	switch {
	case err == nil:
		keyPEM := content[tlscerts.PrivateKeyField]
		key, err := tlscerts.ParsePrivateKey(keyPEM)
		if err != nil {
			return nil, "", fmt.Errorf("cannot use the key in secret %q: %w", label, err)
		}
		return key, keyPEM, nil
	case !errors.Is(err, juju.ErrNotFound):
		return nil, "", fmt.Errorf("cannot read the %s private key: %w", endpoint, err)
	}
	key, keyPEM, err := tlscerts.GenerateKey(c.Rand)
	if err != nil {
		return nil, "", err
	}
	// Committed with the hook, as the request made with it, whose
	// write marks the hook as one that wrote.
	if _, err := c.Juju.SecretAdd(ctx, map[string]string{tlscerts.PrivateKeyField: keyPEM}, juju.SecretOptions{Label: label, Owner: "unit"}); err != nil {
		return nil, "", fmt.Errorf("cannot keep the %s private key: %w", endpoint, err)
	}
	return key, keyPEM, nil
}

// ensureRenewal keeps the issued certificate in a unit-owned secret that
// expires when the library renews it, 90 % of the way to its expiry:
// Juju then runs secret-expired, which asks for a new one.
func (c *Charm) ensureRenewal(ctx context.Context, known *string, csr string, cert tlscerts.Certificate) error {
	label := tlscerts.CertificateLabel(c.unitNumber(), csr)
	if *known == label {
		return nil
	}
	_, err := c.Juju.SecretGetByLabel(ctx, label)
	switch {
	case err == nil:
		*known = label
		return nil
	case !errors.Is(err, juju.ErrNotFound):
		return fmt.Errorf("cannot read the certificate secret: %w", err)
	}
	c.wrote = true
	_, err = c.Juju.SecretAdd(ctx, map[string]string{certificateKey: cert.PEM, csrKey: csr}, juju.SecretOptions{
		Label: label, Owner: "unit", Expire: tlscerts.RenewAt(cert.Leaf, c.Clock.Now()),
	})
	if err != nil {
		return fmt.Errorf("cannot keep the certificate for its renewal: %w", err)
	}
	// Known only once a later hook reads it back: the secret is
	// committed with this hook.
	return nil
}

// certEndpoint is a tls-certificates relation this unit asks a
// certificate on, and what the server does with it.
type certEndpoint struct {
	name string
	// unused says why this application uses no certificate of the
	// endpoint; "" when it does.
	unused func(cfg config.Config) string
	// subject is what this unit asks for.
	subject func(cfg config.Config) tlscerts.Subject
	// renewal is where the cache keeps the label of the secret that
	// renews the certificate.
	renewal func(ca *cache) *string
	// serving reports whether the running server uses the endpoint's
	// certificate, whose chain and CA its container holds at certPath
	// and caPath.
	serving          func(in *inputs) bool
	certPath, caPath string
	// what the certificate is, and what the server does while it has
	// none, for the status.
	what, without string
}

// gatherCert reads a tls-certificates relation, and keeps this unit's
// side of it: a private key in a unit-owned secret, a CSR for the names
// the endpoint asks for in its databag (a new one when the names change,
// the certificate was revoked, or its renewal is due), and a secret whose
// expiry is the renewal time of the certificate issued. It runs after the
// workload is read: while a renewal is outstanding the server goes on
// using the certificate its container holds. nil: not related.
func (c *Charm) gatherCert(ctx context.Context, ca *cache, in *inputs, ep certEndpoint) (*certRel, error) {
	// Listed once per cache (listSide); a relation going is gone from
	// the list in its own relation-broken hook, and the server goes
	// back to running without TLS.
	relID := ""
	for id, name := range ca.Side {
		if name == ep.name {
			relID = id
		}
	}
	if relID == "" {
		return nil, nil
	}
	cr := &certRel{relID: relID}
	if why := ep.unused(in.cfg); why != "" {
		cr.note = juju.Status{Name: juju.StatusActive, Message: ep.name + " is related but " + why}
		return cr, nil
	}
	app, err := c.remoteApp(ctx, ca, relID)
	if err != nil {
		return nil, err
	}
	if cr.app, err = c.Juju.RelationGet(ctx, relID, app, true); err != nil {
		return nil, fmt.Errorf("cannot read %s data of %s: %w", relID, app, err)
	}
	if cr.provided, err = tlscerts.ParseProvider(cr.app); err != nil {
		cr.note = juju.Status{Name: juju.StatusBlocked, Message: fmt.Sprintf("cannot use %s (%s): %v", ep.name, relID, err)}
		return cr, nil
	}
	key, keyPEM, err := c.certKey(ctx, ep.name)
	if err != nil {
		return nil, err
	}
	own, err := c.Juju.RelationGet(ctx, relID, c.event.Unit, false)
	if err != nil {
		return nil, fmt.Errorf("cannot read own data on %s: %w", relID, err)
	}
	// A databag this unit cannot read is asked for again.
	csr, _ := tlscerts.OwnCSR(own)

	renew := c.event.Kind == juju.SecretExpired &&
		c.event.SecretLabel == tlscerts.CertificateLabel(c.unitNumber(), csr)
	subject := ep.subject(in.cfg)
	cert, findErr := tlscerts.Find(cr.provided, csr, key)
	switch {
	case csr == "":
	case len(in.problems) > 0:
		// An invalid option asks for nothing new.
	case !tlscerts.Fits(csr, key, subject), renew, errors.Is(findErr, tlscerts.ErrRevoked):
		csr = ""
	}
	if csr == "" {
		if csr, err = tlscerts.NewCSR(c.Rand, key, subject); err != nil {
			return nil, err
		}
		if err := c.ensureUnitData(ctx, ca, relID, tlscerts.UnitData(csr)); err != nil {
			return nil, err
		}
		cert, findErr = tlscerts.Certificate{}, tlscerts.ErrNotIssued
	}
	if findErr == nil && subject.Mutual {
		findErr = tlscerts.Mutual(cert.Leaf)
	}
	switch {
	case findErr == nil:
		cr.serve = &temporal.Cert{Chain: cert.ChainPEM, Key: keyPEM, CA: cert.CAPEM}
		return cr, c.ensureRenewal(ctx, ep.renewal(ca), csr, cert)
	case errors.Is(findErr, tlscerts.ErrNotIssued), errors.Is(findErr, tlscerts.ErrRevoked):
		cr.serve = c.servedCert(ctx, in, ep, key, keyPEM, cr.provided)
		if cr.serve == nil {
			cr.note = juju.Status{Name: juju.StatusActive, Message: fmt.Sprintf("waiting for %s to issue this unit's %s: %s", app, ep.what, ep.without)}
		}
	default:
		cr.serve = c.servedCert(ctx, in, ep, key, keyPEM, cr.provided)
		cr.note = juju.Status{Name: juju.StatusBlocked, Message: fmt.Sprintf("cannot use the certificate %s issued on %s: %v", app, relID, findErr)}
	}
	return cr, nil
}

// removeExpired removes the certificate secret whose expiry ran this
// hook: renewed, or no longer this unit's, Juju runs secret-expired again
// until the secret goes.
func (c *Charm) removeExpired(ctx context.Context) error {
	if c.event.Kind != juju.SecretExpired || !strings.HasPrefix(c.event.SecretLabel, tlscerts.LibID+"-certificate-") {
		return nil
	}
	c.wrote = true
	if err := c.Juju.SecretRemove(ctx, c.event.SecretID); err != nil && !errors.Is(err, juju.ErrNotFound) {
		return fmt.Errorf("cannot remove the expired certificate secret: %w", err)
	}
	return nil
}

// servedCert is the certificate the container holds for the endpoint
// while the running server uses it, it certifies this unit's key, is
// valid and is not revoked: a renewal outstanding keeps the server on
// TLS with it. nil: none to use.
func (c *Charm) servedCert(ctx context.Context, in *inputs, ep certEndpoint, key *rsa.PrivateKey, keyPEM string, provided []tlscerts.Provided) *temporal.Cert {
	if in.pebbleErr != nil || !ep.serving(in) {
		return nil
	}
	// A certificate that cannot be read certifies nothing.
	chain, _ := c.Container.Pull(ctx, ep.certPath)
	caPEM, err := c.Container.Pull(ctx, ep.caPath)
	if err != nil {
		return nil
	}
	if !tlscerts.Certifies(string(chain), key, c.Clock.Now()) || tlscerts.RevokedCertificate(provided, string(chain)) {
		return nil
	}
	return &temporal.Cert{Chain: string(chain), Key: keyPEM, CA: string(caPEM)}
}

// served is the certificate to use, nil without one or a relation.
func (cr *certRel) served() *temporal.Cert {
	if cr == nil {
		return nil
	}
	return cr.serve
}
