package charm

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/temporal-k8s/temporal-k8s/internal/config"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/hostinfo"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/tlscerts"
	"github.com/temporal-k8s/temporal-k8s/internal/temporal"
)

// InternodeCertsEndpoint is where every unit asks for the certificate of
// internode mutual TLS (tls-certificates v4).
const InternodeCertsEndpoint = "internode-certificates"

// internodeCerts is the certificate every server process shows its peers
// and asks of them: history, matching, worker, internal-frontend and
// membership. Every application uses it, the frontend's for its
// internal-frontend and its clients of the others.
func (c *Charm) internodeCerts() certEndpoint {
	return certEndpoint{
		name:     InternodeCertsEndpoint,
		unused:   func(config.Config) string { return "" },
		subject:  c.internodeSubject,
		renewal:  func(ca *cache) *string { return &ca.InternodeRenewalLabel },
		serving:  func(in *inputs) bool { return in.stage.Proxied() },
		certPath: temporal.InternodeCertPath,
		caPath:   temporal.InternodeCAPath,
		what:     "internode certificate",
		without:  "internode traffic stays without TLS",
	}
}

// internodeSubject is the name every unit's certificate holds, which its
// peers check (they reach it by pod address, which no certificate
// names), then the unit's own FQDN; for both ends of mutual TLS.
func (c *Charm) internodeSubject(config.Config) tlscerts.Subject {
	return tlscerts.Subject{
		CommonName: temporal.InternodeServerName,
		DNSNames:   []string{temporal.InternodeServerName, hostinfo.UnitHost(c.event.App, c.unitNumber(), c.event.Model)},
		Mutual:     true,
	}
}

// hookInternodeClient is internodeClient for this hook's server, read
// from the container once per hook: the probe and the cluster check
// both show it.
func (c *Charm) hookInternodeClient(ctx context.Context, in *inputs) (*tls.Config, error) {
	if in.internodeClient == nil {
		client, err := c.internodeClient(ctx, in.servesInternodeTLS)
		if err != nil {
			return nil, err
		}
		in.internodeClient = client
	}
	return in.internodeClient, nil
}

// internodeClient is how a client of this unit's internode services
// connects: nil while its server runs without internode TLS, else with
// the certificate, key and CA the server itself holds (whatever the
// relation says now, they are what its peers accept), checking the name
// every unit's certificate holds.
func (c *Charm) internodeClient(ctx context.Context, serving bool) (*tls.Config, error) {
	if !serving {
		return nil, nil
	}
	// The same three files the proxy and a step down use.
	held, err := c.heldInternodeCert(ctx)
	if err != nil {
		return nil, err
	}
	chain, key, caPEM := []byte(held.Chain), []byte(held.Key), []byte(held.CA)
	pair, err := tls.X509KeyPair(chain, key)
	if err != nil {
		return nil, fmt.Errorf("cannot use the internode certificate: %w", err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(caPEM) {
		return nil, errors.New("cannot use the internode CA: no PEM certificate")
	}
	return &tls.Config{Certificates: []tls.Certificate{pair}, RootCAs: roots, ServerName: temporal.InternodeServerName, MinVersion: tls.VersionTLS12}, nil
}
