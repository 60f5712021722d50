package charm

import (
	"github.com/temporal-k8s/temporal-k8s/internal/config"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/hostinfo"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/tlscerts"
	"github.com/temporal-k8s/temporal-k8s/internal/temporal"
)

// FrontendCertsEndpoint is where the frontend asks for its certificate
// (tls-certificates v4, the Python charm's endpoint name).
const FrontendCertsEndpoint = "frontend-certificates"

// frontendCerts is the frontend's certificate: served on the frontend's
// gRPC and HTTP ports.
func (c *Charm) frontendCerts() certEndpoint {
	return certEndpoint{
		name: FrontendCertsEndpoint,
		unused: func(cfg config.Config) string {
			if cfg.Has(config.Frontend) {
				return ""
			}
			return "this application runs no frontend"
		},
		subject:  c.certSubject,
		renewal:  func(ca *cache) *string { return &ca.RenewalLabel },
		serving:  func(in *inputs) bool { return in.servesTLS },
		certPath: temporal.FrontendCertPath,
		caPath:   temporal.FrontendCAPath,
		what:     "certificate",
		without:  "the frontend serves without TLS",
	}
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
