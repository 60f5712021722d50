package selfsigned

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/tlscerts"
)

// Names from metadata.yaml and the real charm's src/constants.py.
const (
	CertificatesEndpoint = "certificates"
	TransferEndpoint     = "send-ca-cert"
	CALabel              = "active-ca-certificates"
	CAKeyField           = "private-key"
	CACertField          = "ca-certificate"
)

// Charm handles one event.
type Charm struct {
	Juju  *juju.Client
	Event juju.Event
	Now   func() time.Time
	Rand  io.Reader
}

// Dispatch runs the event named by the environment.
func Dispatch(ctx context.Context, getenv func(string) string) error {
	ev, err := juju.ParseEvent(getenv)
	if err != nil {
		return err
	}
	c := &Charm{Juju: juju.NewClient(juju.ExecRunner{}), Event: ev, Now: time.Now, Rand: rand.Reader}
	return c.Run(ctx)
}

// configures are the events the real charm runs _configure on.
func (c *Charm) configures() bool {
	switch c.Event.Kind {
	case juju.UpdateStatus, juju.ConfigChanged, juju.SecretChanged, juju.SecretExpired:
		return true
	case juju.RelationChanged:
		return c.Event.Relation == CertificatesEndpoint
	case juju.RelationJoined:
		return c.Event.Relation == TransferEndpoint
	}
	return false
}

// Run handles the event, then sets the status as the charm's
// collect-status does, on every event.
func (c *Charm) Run(ctx context.Context) error {
	leader, err := c.Juju.IsLeader(ctx)
	if err != nil {
		return err
	}
	if c.Event.Kind == juju.Action {
		return c.action(ctx, leader)
	}
	cfg, cfgErr := c.config(ctx)
	var kept string
	if leader && cfgErr == nil {
		ca, err := c.ca(ctx)
		if err != nil {
			return err
		}
		switch {
		case ca != nil && !matches(ca, cfg):
			// The real charm replaces its CA and revokes every
			// certificate; the stand-in cannot yet (it would need
			// secret-info-get in the model), and says so.
			kept = fmt.Sprintf("the stand-in keeps its first CA (%s, valid %s): changing ca-common-name or root-ca-validity is not modelled",
				ca.Cert.Subject.CommonName, ca.Validity())
		case c.configures():
			if err := c.configure(ctx, ca, cfg); err != nil {
				return err
			}
		}
	}
	switch {
	case !leader:
		return c.status(ctx, juju.StatusBlocked, "Scaling is not implemented for this charm")
	case cfgErr != nil:
		return c.status(ctx, juju.StatusBlocked, cfgErr.Error())
	case kept != "":
		return c.status(ctx, juju.StatusBlocked, kept)
	}
	return c.status(ctx, juju.StatusActive, "")
}

func (c *Charm) status(ctx context.Context, name juju.StatusName, msg string) error {
	return c.Juju.StatusSet(ctx, juju.Status{Name: name, Message: msg}, false)
}

// Config is the charm's options, read.
type Config struct {
	CommonName             string
	RootValidity, Validity time.Duration
	// Limit is the most certificates a relation gets; -1 for no limit.
	Limit int
}

// ErrInvalidConfig carries the real charm's message.
type ErrInvalidConfig struct{ Keys []string }

func (e ErrInvalidConfig) Error() string {
	quoted := make([]string, len(e.Keys))
	for i, k := range e.Keys {
		quoted[i] = "'" + k + "'"
	}
	return "The following configuration values are not valid: [" + strings.Join(quoted, ", ") + "]"
}

func (c *Charm) config(ctx context.Context) (Config, error) {
	raw, err := c.Juju.ConfigGet(ctx)
	if err != nil {
		return Config{}, err
	}
	return ParseConfig(raw)
}

// ParseConfig reads the options as the charm's _invalid_configs judges
// them: a common name, and both validities set, positive, the CA's at
// least twice the certificates'.
func ParseConfig(raw map[string]any) (Config, error) {
	str := func(k string) string { s, _ := raw[k].(string); return s }
	var cfg Config
	var bad []string
	cfg.CommonName = str("ca-common-name")
	if cfg.CommonName == "" {
		bad = append(bad, "ca-common-name")
	}
	root, rerr := ParseValidity("root-ca-validity", str("root-ca-validity"))
	cert, cerr := ParseValidity("certificate-validity", str("certificate-validity"))
	if rerr != nil || cerr != nil || root < 2*cert {
		bad = append(bad, "certificate-validity", "root-ca-validity")
	}
	cfg.RootValidity, cfg.Validity = root, cert
	cfg.Limit = 99
	switch v := raw["certificate-limit"].(type) {
	case json.Number:
		n, err := v.Int64()
		if err == nil {
			cfg.Limit = int(n)
		}
	case float64:
		cfg.Limit = int(v)
	case int:
		cfg.Limit = v
	}
	if len(bad) > 0 {
		return cfg, ErrInvalidConfig{Keys: bad}
	}
	return cfg, nil
}

// ca reads the CA from its secret; nil when there is none yet.
func (c *Charm) ca(ctx context.Context) (*CA, error) {
	content, err := c.Juju.SecretGetByLabel(ctx, CALabel)
	if errors.Is(err, juju.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read the CA secret: %w", err)
	}
	return LoadCA(content[CACertField], content[CAKeyField])
}

// configure is the charm's _configure: without a CA, make one (and, as
// the charm, issue nothing until the next event); else send the CA to
// send-ca-cert and sign every outstanding request.
func (c *Charm) configure(ctx context.Context, ca *CA, cfg Config) error {
	if ca == nil {
		if err := c.revokeAll(ctx); err != nil {
			return err
		}
		ca, err := NewCA(c.Rand, cfg.CommonName, c.Now(), cfg.RootValidity)
		if err != nil {
			return err
		}
		_, err = c.Juju.SecretAdd(ctx, map[string]string{CAKeyField: ca.KeyPEM(), CACertField: ca.PEM}, juju.SecretOptions{Label: CALabel})
		return err
	}
	if err := c.sendCA(ctx, ca); err != nil {
		return err
	}
	return c.issue(ctx, ca, cfg)
}

func matches(ca *CA, cfg Config) bool {
	return ca.Cert.Subject.CommonName == cfg.CommonName && ca.Validity() == cfg.RootValidity
}

func (c *Charm) sendCA(ctx context.Context, ca *CA) error {
	ids, err := c.Juju.RelationIDs(ctx, TransferEndpoint)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := c.Juju.RelationSet(ctx, id, true, TransferData(ca.PEM)); err != nil {
			return err
		}
	}
	return nil
}

// issued is the provider's list on one relation.
func (c *Charm) issued(ctx context.Context, id string) ([]tlscerts.Provided, error) {
	own, err := c.Juju.RelationGet(ctx, id, c.Event.App, true)
	if err != nil {
		return nil, err
	}
	return tlscerts.ParseProvider(own)
}

func (c *Charm) revokeAll(ctx context.Context) error {
	ids, err := c.Juju.RelationIDs(ctx, CertificatesEndpoint)
	if err != nil {
		return err
	}
	for _, id := range ids {
		issued, err := c.issued(ctx, id)
		if err != nil {
			return err
		}
		if len(issued) == 0 {
			continue
		}
		if err := c.Juju.RelationSet(ctx, id, true, AppData(RevokeAll(issued))); err != nil {
			return err
		}
	}
	return nil
}

// requests are every CSR the relation's requirer units (and its
// application) have written, in unit order.
func (c *Charm) requests(ctx context.Context, id string) ([]tlscerts.Request, error) {
	units, err := c.Juju.RelationList(ctx, id)
	if err != nil {
		return nil, err
	}
	slices.Sort(units)
	app, err := c.Juju.RelationApp(ctx, id)
	if err != nil {
		return nil, err
	}
	var reqs []tlscerts.Request
	for _, who := range append([]string{app}, units...) {
		data, err := c.Juju.RelationGet(ctx, id, who, who == app)
		if err != nil {
			return nil, err
		}
		r, err := ParseRequests(data)
		if err != nil {
			// The library skips what it cannot read.
			continue
		}
		reqs = append(reqs, r...)
	}
	return reqs, nil
}

// issue signs the outstanding requests of every relation, up to the
// limit per relation, as _process_outstanding_certificate_requests.
func (c *Charm) issue(ctx context.Context, ca *CA, cfg Config) error {
	ids, err := c.Juju.RelationIDs(ctx, CertificatesEndpoint)
	if err != nil {
		return err
	}
	for _, id := range ids {
		reqs, err := c.requests(ctx, id)
		if err != nil {
			return err
		}
		issued, err := c.issued(ctx, id)
		if err != nil {
			return err
		}
		// The library's _configure runs first, on the same events.
		kept := Prune(issued, reqs)
		pruned := len(kept) != len(issued)
		issued = kept
		todo := Outstanding(reqs, issued)
		if cfg.Limit > -1 && len(todo) > cfg.Limit {
			todo = todo[:cfg.Limit]
		}
		if len(todo) == 0 && !pruned {
			continue
		}
		for _, r := range todo {
			if r.CA {
				// The real charm signs CA requests too; nobody here
				// asks for one.
				return fmt.Errorf("cannot sign a CA request on %s: not modelled", id)
			}
			cert, chain, err := ca.Sign(c.Rand, r.CSR, c.Now(), cfg.Validity)
			if err != nil {
				return fmt.Errorf("cannot sign a request on %s: %w", id, err)
			}
			issued = Set(issued, tlscerts.Provided{CA: ca.PEM, CSR: r.CSR, Certificate: cert, Chain: chain})
		}
		if err := c.Juju.RelationSet(ctx, id, true, AppData(issued)); err != nil {
			return err
		}
	}
	return nil
}

func (c *Charm) action(ctx context.Context, leader bool) error {
	switch c.Event.Name {
	case "get-ca-certificate":
		ca, err := c.ca(ctx)
		if err != nil {
			return err
		}
		if ca == nil {
			return c.Juju.ActionFail(ctx, "Root Certificate is not yet generated")
		}
		return c.Juju.ActionSet(ctx, map[string]string{"ca-certificate": ca.PEM})
	case "get-issued-certificates":
		ids, err := c.Juju.RelationIDs(ctx, CertificatesEndpoint)
		if err != nil {
			return err
		}
		var all []tlscerts.Provided
		for _, id := range ids {
			issued, err := c.issued(ctx, id)
			if err != nil {
				return err
			}
			for _, p := range issued {
				if !p.Revoked {
					all = append(all, p)
				}
			}
		}
		b, _ := json.Marshal(all)
		return c.Juju.ActionSet(ctx, map[string]string{"certificates": string(b)})
	case "rotate-private-key":
		if !leader {
			return c.Juju.ActionFail(ctx, "This action can only be run on the leader unit.")
		}
		return c.Juju.ActionFail(ctx, "the stand-in keeps its first CA: rotating it is not modelled yet")
	}
	return c.Juju.ActionFail(ctx, fmt.Sprintf("unknown action %q", c.Event.Name))
}
