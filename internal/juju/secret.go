package juju

import (
	"regexp"
	"strings"
)

// Juju's secret id is 20 characters of base32hex, lower case; a full URI
// names the model by its UUID.
var (
	secretXIDRE = regexp.MustCompile(`^[0-9a-v]{20}$`)
	modelUUIDRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
)

// ValidSecretURI accepts the forms Juju's secrets.ParseURI does:
// secret:<id>, secret://<model-uuid>/<id> and a bare id. secret-get
// exits 2 on anything else, which would fail every hook.
func ValidSecretURI(uri string) bool {
	rest, scheme := strings.CutPrefix(uri, "secret:")
	if after, ok := strings.CutPrefix(rest, "//"); ok && scheme {
		model, id, found := strings.Cut(after, "/")
		if !found || !modelUUIDRE.MatchString(model) {
			return false
		}
		rest = id
	}
	return secretXIDRE.MatchString(rest)
}
