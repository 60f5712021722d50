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
	"github.com/temporal-k8s/temporal-k8s/internal/relation/hostinfo"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/tlscerts"
	"github.com/temporal-k8s/temporal-k8s/internal/temporal"
)

// FrontendCertsEndpoint is where the frontend asks for its certificate
// (tls-certificates v4, the Python charm's endpoint name).
const FrontendCertsEndpoint = "frontend-certificates"

// certificateKey and csrKey are the content of the unit-owned secret the
// charm keeps an issued certificate in, as the library does: the
// secret's expiry is when the certificate is renewed.
const (
	certificateKey = "certificate"
	csrKey         = "csr"
)

// frontendCert is what the frontend-certificates relation gave this unit.
type frontendCert struct {
	relID string
	// app is the provider's app data, nil in an application without a
	// frontend (which reads none); provided its certificates.
	app      map[string]string
	provided []tlscerts.Provided
	// serve is the certificate the frontend is to serve; nil: none.
	serve *temporal.FrontendTLS
	// note is what the status says of the relation; empty when the
	// frontend serves the certificate it asked for.
	note juju.Status
}

// unitNumber is the number of this unit (app/N).
func (c *Charm) unitNumber() int {
	_, n, _ := strings.Cut(c.event.Unit, "/")
	i, _ := strconv.Atoi(n)
	return i
}

// certSubject is what this unit's request asks for: the options, or the
// unit's FQDN and the application's Service. The common name leads the
// DNS names too, as clients check those only.
func (c *Charm) certSubject(cfg config.Config) tlscerts.Subject {
	app, model := c.event.App, c.event.Model
	cn := cfg.FrontendCertCommonName
	if cn == "" {
		cn = hostinfo.UnitHost(app, c.unitNumber(), model)
	}
	sans := cfg.FrontendCertSANsDNS
	if len(sans) == 0 {
		sans = []string{hostinfo.ServiceHost(app, model)}
	}
	names := []string{cn}
	for _, s := range sans {
		if s != cn {
			names = append(names, s)
		}
	}
	return tlscerts.Subject{CommonName: cn, DNSNames: names}
}

// gatherFrontendCert reads the frontend-certificates relation, and keeps
// this unit's side of it: a private key in a unit-owned secret, a CSR for
// the names the options ask for in its databag (a new one when the names
// change, the certificate was revoked, or its renewal is due), and a
// secret whose expiry is the renewal time of the certificate issued. It
// runs after the workload is read: while a renewal is outstanding the
// frontend goes on serving the certificate its container holds.
func (c *Charm) gatherFrontendCert(ctx context.Context, ca *cache, in *inputs) error {
	// Listed once per cache (listSide); a relation going is gone from
	// the list in its own relation-broken hook, and the frontend goes
	// back to serving without TLS.
	relID := ""
	for id, ep := range ca.Side {
		if ep == FrontendCertsEndpoint {
			relID = id
		}
	}
	if relID == "" {
		return nil
	}
	fc := &frontendCert{relID: relID}
	in.frontendCert = fc
	if !in.cfg.Has(config.Frontend) {
		fc.note = juju.Status{Name: juju.StatusActive, Message: FrontendCertsEndpoint + " is related but this application runs no frontend"}
		return nil
	}
	app, err := c.remoteApp(ctx, ca, relID)
	if err != nil {
		return err
	}
	if fc.app, err = c.Juju.RelationGet(ctx, relID, app, true); err != nil {
		return fmt.Errorf("cannot read %s data of %s: %w", relID, app, err)
	}
	if fc.provided, err = tlscerts.ParseProvider(fc.app); err != nil {
		fc.note = juju.Status{Name: juju.StatusBlocked, Message: fmt.Sprintf("cannot use %s (%s): %v", FrontendCertsEndpoint, relID, err)}
		return nil
	}
	key, keyPEM, err := c.certKey(ctx)
	if err != nil {
		return err
	}
	own, err := c.Juju.RelationGet(ctx, relID, c.event.Unit, false)
	if err != nil {
		return fmt.Errorf("cannot read own data on %s: %w", relID, err)
	}
	// A databag this unit cannot read is asked for again.
	csr, _ := tlscerts.OwnCSR(own)

	renew := c.event.Kind == juju.SecretExpired &&
		c.event.SecretLabel == tlscerts.CertificateLabel(c.unitNumber(), csr)
	subject := c.certSubject(in.cfg)
	cert, findErr := tlscerts.Find(fc.provided, csr, key)
	switch {
	case csr == "":
	case len(in.problems) > 0:
		// An invalid option asks for nothing new.
	case !tlscerts.Fits(csr, key, subject), renew, errors.Is(findErr, tlscerts.ErrRevoked):
		csr = ""
	}
	if csr == "" {
		if csr, err = tlscerts.NewCSR(c.Rand, key, subject); err != nil {
			return err
		}
		if err := c.ensureUnitData(ctx, ca, relID, tlscerts.UnitData(csr)); err != nil {
			return err
		}
		cert, findErr = tlscerts.Certificate{}, tlscerts.ErrNotIssued
	}
	if c.event.Kind == juju.SecretExpired && strings.HasPrefix(c.event.SecretLabel, tlscerts.LibID+"-certificate-") {
		// Renewed, or no longer this unit's: Juju runs secret-expired
		// again until the secret goes.
		c.wrote = true
		if err := c.Juju.SecretRemove(ctx, c.event.SecretID); err != nil && !errors.Is(err, juju.ErrNotFound) {
			return fmt.Errorf("cannot remove the expired certificate secret: %w", err)
		}
	}
	switch {
	case findErr == nil:
		fc.serve = &temporal.FrontendTLS{Chain: cert.ChainPEM, Key: keyPEM, CA: cert.CAPEM}
		return c.ensureRenewal(ctx, ca, csr, cert)
	case errors.Is(findErr, tlscerts.ErrNotIssued), errors.Is(findErr, tlscerts.ErrRevoked):
		fc.serve = c.servedCert(ctx, in, key, keyPEM, fc.provided)
		if fc.serve == nil {
			fc.note = juju.Status{Name: juju.StatusActive, Message: fmt.Sprintf("waiting for %s to issue this unit's certificate: the frontend serves without TLS", app)}
		}
	default:
		fc.serve = c.servedCert(ctx, in, key, keyPEM, fc.provided)
		fc.note = juju.Status{Name: juju.StatusBlocked, Message: fmt.Sprintf("cannot use the certificate %s issued on %s: %v", app, relID, findErr)}
	}
	return nil
}

// certKey reads this unit's private key, or makes one: it lives in a
// unit-owned secret under the library's label, so a refresh from the
// Python charm keeps it.
func (c *Charm) certKey(ctx context.Context) (*rsa.PrivateKey, string, error) {
	label := tlscerts.PrivateKeyLabel(c.unitNumber(), FrontendCertsEndpoint)
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
		return nil, "", fmt.Errorf("cannot read the frontend's private key: %w", err)
	}
	key, keyPEM, err := tlscerts.GenerateKey(c.Rand)
	if err != nil {
		return nil, "", err
	}
	// Committed with the hook, as the request made with it, whose
	// write marks the hook as one that wrote.
	if _, err := c.Juju.SecretAdd(ctx, map[string]string{tlscerts.PrivateKeyField: keyPEM}, juju.SecretOptions{Label: label, Owner: "unit"}); err != nil {
		return nil, "", fmt.Errorf("cannot keep the frontend's private key: %w", err)
	}
	return key, keyPEM, nil
}

// ensureRenewal keeps the issued certificate in a unit-owned secret that
// expires when the library renews it, 90 % of the way to its expiry:
// Juju then runs secret-expired, which asks for a new one.
func (c *Charm) ensureRenewal(ctx context.Context, ca *cache, csr string, cert tlscerts.Certificate) error {
	label := tlscerts.CertificateLabel(c.unitNumber(), csr)
	if ca.RenewalLabel == label {
		return nil
	}
	_, err := c.Juju.SecretGetByLabel(ctx, label)
	switch {
	case err == nil:
		ca.RenewalLabel = label
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

// servedCert is the certificate the container serves, while it certifies
// this unit's key, is valid and is not revoked: a renewal outstanding
// keeps the frontend on TLS with it. nil: none to serve.
func (c *Charm) servedCert(ctx context.Context, in *inputs, key *rsa.PrivateKey, keyPEM string, provided []tlscerts.Provided) *temporal.FrontendTLS {
	if in.pebbleErr != nil || !in.servesTLS {
		return nil
	}
	// A certificate that cannot be read certifies nothing.
	chain, _ := c.Container.Pull(ctx, temporal.FrontendCertPath)
	caPEM, err := c.Container.Pull(ctx, temporal.FrontendCAPath)
	if err != nil {
		return nil
	}
	if !tlscerts.Certifies(string(chain), key, c.Clock.Now()) || tlscerts.RevokedCertificate(provided, string(chain)) {
		return nil
	}
	return &temporal.FrontendTLS{Chain: string(chain), Key: keyPEM, CA: string(caPEM)}
}

// served is the certificate to serve, nil without one or a relation.
func (fc *frontendCert) served() *temporal.FrontendTLS {
	if fc == nil {
		return nil
	}
	return fc.serve
}
