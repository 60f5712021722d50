package jujutest

import (
	"crypto/rand"
	"encoding/base32"
	"regexp"
	"strings"
)

// Secret owners, as secret-add's --owner names them.
const (
	OwnerApplication = "application"
	OwnerUnit        = "unit"
)

// Secret is a secret visible to the unit. Revisions[i] is revision i+1.
type Secret struct {
	URI       string
	Revisions []map[string]string
	// Tracked is the revision this unit has seen (0: never read).
	Tracked int
	Granted bool
	// Owner is OwnerApplication when this unit's application owns the
	// secret, OwnerUnit when this unit does, and "" when someone else
	// does. The owner (for an application, its leader) manages the
	// secret and reads its latest revision; a unit of the owning
	// application may read it too.
	Owner       string
	Label       string
	Description string
	// Expire is secret-add's --expire as given ("" for none).
	Expire string
}

// secretUpdate is one staged secret-set.
type secretUpdate struct {
	xid         string
	content     map[string]string
	label       *string
	description *string
}

func xid(uri string) string {
	return uri[strings.LastIndexAny(uri, ":/")+1:]
}

// secretXIDEncoding is the xid alphabet (github.com/rs/xid).
var secretXIDEncoding = base32.NewEncoding("0123456789abcdefghijklmnopqrstuv").WithPadding(base32.NoPadding)

var (
	secretXIDRE = regexp.MustCompile(`^[0-9a-v]{20}$`)
	modelUUIDRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
)

// parseSecretURI accepts what core/secrets.ParseURI does: secret:<id>,
// secret://<model-uuid>/<id> and a bare <id>, where the id is an xid (20
// characters of lower-case base32hex whose last one carries no padding
// bits, github.com/rs/xid: decode). It returns the URI as Juju prints it
// (URI.String): secret:<id> without a model.
func parseSecretURI(s string) (string, bool) {
	rest, scheme := strings.CutPrefix(s, "secret:")
	source := ""
	if after, ok := strings.CutPrefix(rest, "//"); ok && scheme {
		model, id, found := strings.Cut(after, "/")
		if !found || !modelUUIDRE.MatchString(model) {
			return "", false
		}
		source, rest = model, id
	} else if strings.Contains(rest, ":") || strings.HasPrefix(rest, "//") {
		return "", false
	}
	if !secretXIDRE.MatchString(rest) {
		return "", false
	}
	if last := rest[19]; last != '0' && last != 'g' {
		return "", false
	}
	if source == "" {
		return "secret:" + rest, true
	}
	return "secret://" + source + "/" + rest, true
}

func (m *Model) modelUUID() string {
	if m.state.ModelUUID != "" {
		return m.state.ModelUUID
	}
	return DefaultModelUUID
}

func (m *Model) secretByXID(id string) *Secret {
	for _, s := range m.pendingCreates {
		if xid(s.URI) == id {
			return s
		}
	}
	for _, s := range m.state.Secrets {
		if xid(s.URI) == id {
			return s
		}
	}
	return nil
}

// manages reports whether this unit manages s: it owns it, or leads the
// application that does.
func (m *Model) manages(s *Secret) bool {
	return s.Owner == OwnerUnit || (s.Owner == OwnerApplication && m.state.Leader)
}

func (m *Model) newSecretURI() string {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return "secret://" + m.modelUUID() + "/" + secretXIDEncoding.EncodeToString(b[:])
}
