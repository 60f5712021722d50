package hooktools

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"
	"time"
)

var secretKeyRE = regexp.MustCompile(`^([a-z](?:-?[a-z0-9]){2,})$`)

var rotatePolicies = []string{"never", "hourly", "daily", "weekly", "monthly", "quarterly", "yearly"}

// secretOpts are the options secret-add and secret-set share, as given;
// secretArgs checks them the way Init does
// (internal/worker/uniter/runner/jujuc/secret-add.go,
// secretUpsertCommand.Init).
type secretOpts struct {
	expire, rotate, description, label, file, owner string
	set                                             map[string]bool
}

// secretFlags adds the flags secret-add and secret-set share. --owner is
// secret-add's; secret-set accepts it and ignores it.
func (c *inv) secretFlags(o *secretOpts) {
	o.set = map[string]bool{}
	for name, p := range map[string]*string{
		"expire": &o.expire, "rotate": &o.rotate, "description": &o.description,
		"label": &o.label, "file": &o.file, "owner": &o.owner,
	} {
		c.fs.Func(func(s string) error { *p = s; o.set[name] = true; return nil }, name)
	}
}

// secretArgs checks the options in Init's order (expiry, rotate policy,
// owner) and then reads the content: the key=value arguments, then the
// --file map, which wins (core/secrets: CreateSecretData and
// ReadSecretData). Empty options count as not given, as in marshallArg.
func (c *inv) secretArgs(o *secretOpts, args []string) (SecretArgs, error) {
	var a SecretArgs
	if o.expire != "" {
		t, err := parseExpiry(o.expire)
		if err != nil {
			return a, err
		}
		a.Expire = &t
	}
	if o.rotate != "" {
		ok := false
		for _, p := range rotatePolicies {
			ok = ok || p == o.rotate
		}
		if !ok {
			return a, usagef("rotate policy %q not valid", o.rotate)
		}
		a.Rotate = &o.rotate
	}
	a.Owner = "application"
	if o.set["owner"] {
		if o.owner != "application" && o.owner != "unit" {
			return a, usagef("secret owner %q not valid", o.owner)
		}
		a.Owner = o.owner
	}
	if o.label != "" {
		a.Label = &o.label
	}
	if o.description != "" {
		a.Description = &o.description
	}
	content, err := c.secretContent(args, o.file)
	if err != nil {
		return a, err
	}
	a.Content = content
	return a, nil
}

// parseExpiry is Init's: an RFC 3339 time, with or without a zone, else a
// positive duration from now.
func parseExpiry(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return time.Time{}, usagef("expire time or duration %q not valid", s)
	}
	if d <= 0 {
		return time.Time{}, usagef("negative expire duration %q not valid", s)
	}
	return time.Now().Add(d).UTC(), nil
}

// secretContent parses the content as core/secrets does
// (createsecret.go): key=value arguments, where a trailing "=" is base64
// padding and not a separator, key#file=path reading a file, then the
// --file map (JSON or YAML), whose entries win; key#base64 values are
// decoded, and every key must match keyRegExp. The --file is a path: "-"
// is not stdin (ReadSecretData reads it with os.ReadFile).
func (c *inv) secretContent(args []string, file string) (map[string]string, error) {
	raw := map[string]string{}
	for _, a := range args {
		k := strings.IndexByte(strings.TrimRight(a, "="), '=')
		if k < 1 {
			return nil, usagef("key value %q not valid", a)
		}
		key, value := a[:k], a[k+1:]
		if name, ok := strings.CutSuffix(key, "#file"); ok {
			data, err := c.file(value)
			if err != nil || value == "-" {
				if err == nil {
					err = fmt.Errorf("open %s: no such file or directory", value)
				}
				return nil, usagef("reading content for secret key %q: %v", name, err)
			}
			key, value = name, string(data)
		}
		raw[key] = value
	}
	content, err := decodeSecretContent(raw)
	if err != nil {
		return nil, err
	}
	if file == "" {
		return content, nil
	}
	if file == "-" {
		return nil, usagef("open -: no such file or directory")
	}
	data, err := c.file(file)
	if err != nil {
		return nil, usagef("%v", err)
	}
	fromFile, err := parseYAMLStrings(data)
	if err != nil {
		return nil, usagef("%v", err)
	}
	decoded, err := decodeSecretContent(fromFile)
	if err != nil {
		return nil, err
	}
	for k, v := range decoded {
		content[k] = v
	}
	return content, nil
}

// decodeSecretContent decodes key#base64 values and checks the keys
// (core/secrets/createsecret.go, encodeBase64).
func decodeSecretContent(raw map[string]string) (map[string]string, error) {
	content := map[string]string{}
	for key, v := range raw {
		if name, ok := strings.CutSuffix(key, "#base64"); ok {
			b, err := base64.StdEncoding.DecodeString(v)
			if err != nil {
				return nil, usagef("invalid base64 value for key %q", name)
			}
			key, v = name, string(b)
		}
		if !secretKeyRE.MatchString(key) {
			return nil, usagef("key %q not valid", key)
		}
		content[key] = v
	}
	return content, nil
}

// xidRE is an xid (github.com/rs/xid): 20 characters of lower-case
// base32hex encoding 12 bytes, so that the last one carries no padding
// bits and is "0" or "g" (decode checks it).
var xidRE = regexp.MustCompile(`^[0-9a-v]{19}[0g]$`)

// looksLikeSecretID accepts what core/secrets.ParseURI does:
// secret:<xid>, secret://<model-uuid>/<xid> and a bare <xid>.
func looksLikeSecretID(s string) bool {
	switch {
	case strings.HasPrefix(s, "secret://"):
		rest := strings.TrimPrefix(s, "secret://")
		k := strings.LastIndexByte(rest, '/')
		return k > 0 && xidRE.MatchString(rest[k+1:])
	case strings.HasPrefix(s, "secret:"):
		return xidRE.MatchString(strings.TrimPrefix(s, "secret:"))
	}
	return xidRE.MatchString(s)
}

// SecretXID returns the bare id of any accepted secret id form.
func SecretXID(s string) (string, bool) {
	if !looksLikeSecretID(s) {
		return "", false
	}
	if k := strings.LastIndexAny(s, "/:"); k >= 0 {
		return s[k+1:], true
	}
	return s, true
}

func (c *inv) secretID(pos []string) (string, []string, error) {
	if len(pos) == 0 {
		return "", nil, usagef("missing secret URI")
	}
	if !looksLikeSecretID(pos[0]) {
		// core/secrets.ParseURI's error.
		return "", nil, usagef("secret URI %q not valid", pos[0])
	}
	return pos[0], pos[1:], nil
}

// parseSecretID parses the flags of a tool whose only argument is a
// secret ID.
func (c *inv) parseSecretID() (string, error) {
	pos, err := c.parse()
	if err != nil {
		return "", err
	}
	uri, pos, err := c.secretID(pos)
	if err != nil {
		return "", err
	}
	if len(pos) > 0 {
		return "", unrecognized(pos)
	}
	return uri, nil
}
