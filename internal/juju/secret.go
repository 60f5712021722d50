package juju

import (
	"net/url"
	"regexp"
	"strings"
)

// The patterns of Juju 3.6.25's core/secrets/secret.go. validUUID is not
// anchored there: ParseURI accepts a host that merely contains a UUID.
var (
	secretUUIDRE = regexp.MustCompile(`[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}`)
	secretURIRE  = regexp.MustCompile(`^((?P<source>[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12})/)?(?P<id>[0-9a-z]{20})$`)
	secretIDIdx  = secretURIRE.SubexpIndex("id")
)

// secretXIDRE is what github.com/rs/xid's FromString accepts (id.go,
// UnmarshalText and decode): 20 characters of its lower-case base32hex
// alphabet, 0-9a-v, encoding 12 bytes. 20 characters hold 100 bits, so
// the last one carries 4 bits of nothing; decode rebuilds it from the
// one bit that counts (its 16s bit) and refuses the id unless it
// round-trips, which leaves "0" and "g".
var secretXIDRE = regexp.MustCompile(`^[0-9a-v]{19}[0g]$`)

// ValidSecretURI reports whether Juju's secrets.ParseURI accepts uri
// (core/secrets/secret.go in Juju 3.6.25), step for step: net/url parses
// it; the scheme, if any, is "secret" (any case); a host must contain a
// model UUID; the path without its leading slashes, or else the opaque
// part, is an optional "<model-uuid>/" and an id that xid.FromString
// accepts. So secret:<id>, secret://<model-uuid>/<id>, a bare <id> and a
// few looser spellings pass. secret-get, secret-set and secret-grant exit
// 2 on anything else, which would fail every hook.
func ValidSecretURI(uri string) bool {
	u, err := url.Parse(uri)
	if err != nil {
		return false
	}
	if u.Scheme != "" && u.Scheme != "secret" {
		return false
	}
	if u.Host != "" && !secretUUIDRE.MatchString(u.Host) {
		return false
	}
	id := strings.TrimLeft(u.Path, "/")
	if id == "" {
		id = u.Opaque
	}
	m := secretURIRE.FindStringSubmatch(id)
	if m == nil {
		return false
	}
	return secretXIDRE.MatchString(m[secretIDIdx])
}
