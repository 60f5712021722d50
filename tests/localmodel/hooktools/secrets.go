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

// secretFlags adds the flags secret-add and secret-set share.
func (c *inv) secretFlags(a *SecretArgs, file *string) {
	c.fs.Func(func(s string) error { a.Label = &s; return nil }, "label")
	c.fs.Func(func(s string) error { a.Description = &s; return nil }, "description")
	c.fs.Func(func(s string) error {
		for _, p := range rotatePolicies {
			if p == s {
				a.Rotate = &s
				return nil
			}
		}
		return fmt.Errorf("rotate policy %q not valid", s)
	}, "rotate")
	c.fs.Func(func(s string) error {
		t, err := parseExpiry(s)
		if err != nil {
			return err
		}
		a.Expire = &t
		return nil
	}, "expire")
	c.fs.Func(func(s string) error {
		if s != "application" && s != "unit" {
			return fmt.Errorf("secret owner %q not valid", s)
		}
		a.Owner = s
		return nil
	}, "owner")
	c.fs.String(file, "", "file")
}

func parseExpiry(s string) (time.Time, error) {
	if d, err := time.ParseDuration(s); err == nil {
		return time.Now().Add(d).UTC(), nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("expire time or duration %q not valid", s)
}

// secretContent parses key=value, key#base64=value and key#file=path
// arguments, after the --file YAML.
func (c *inv) secretContent(args []string, file string) (map[string]string, error) {
	raw := map[string]string{}
	if file != "" {
		data, err := c.file(file)
		if err != nil {
			return nil, err
		}
		fromFile, err := parseYAMLStrings(data)
		if err != nil {
			return nil, fmt.Errorf("invalid YAML in secret file: %w", err)
		}
		for k, v := range fromFile {
			raw[k] = v
		}
	}
	for _, a := range args {
		k := strings.IndexByte(a, '=')
		if k <= 0 {
			return nil, usagef("invalid key value %q", a)
		}
		raw[a[:k]] = a[k+1:]
	}
	content := map[string]string{}
	for key, v := range raw {
		switch {
		case strings.HasSuffix(key, "#base64"):
			key = strings.TrimSuffix(key, "#base64")
			b, err := base64.StdEncoding.DecodeString(v)
			if err != nil {
				return nil, usagef("invalid base64 value for key %q", key)
			}
			v = string(b)
		case strings.HasSuffix(key, "#file"):
			key = strings.TrimSuffix(key, "#file")
			data, err := c.file(v)
			if err != nil {
				return nil, fmt.Errorf("cannot read file for key %q: %w", key, err)
			}
			v = string(data)
		}
		if !secretKeyRE.MatchString(key) {
			return nil, usagef("key %q not valid", key)
		}
		if v == "" {
			return nil, usagef("empty secret value not valid")
		}
		content[key] = v
	}
	return content, nil
}

var xidRE = regexp.MustCompile(`^[0-9a-v]{20}$`)

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
		return "", nil, usagef("invalid secret URI %q", pos[0])
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
