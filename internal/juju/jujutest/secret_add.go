package jujutest

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// secretKeyRE is core/secrets' keyRegExp.
var secretKeyRE = regexp.MustCompile(`^([a-z](?:-?[a-z0-9]){2,})$`)

// secretContent parses the content arguments of secret-add and secret-set
// as core/secrets.CreateSecretData and ReadSecretData do: key=value
// (padding "=" at the end is not a separator), key#base64=value and
// key#file=path, then the --file YAML or JSON map, which wins.
func secretContent(tool string, pos []string, file string) (map[string]string, error) {
	raw := map[string]string{}
	for _, val := range pos {
		stripped := strings.TrimRight(val, "=")
		idx := strings.Index(stripped, "=")
		if idx < 1 {
			return nil, usage(tool, "key value %q not valid", val)
		}
		key, value := val[:idx], val[idx+1:]
		if k, ok := strings.CutSuffix(key, "#file"); ok {
			data, err := os.ReadFile(value)
			if err != nil {
				return nil, usage(tool, "reading content for secret key %q: %v", k, err)
			}
			key, value = k, string(data)
		}
		raw[key] = value
	}
	if file != "" {
		// A path, read by the tool: "-" is not stdin.
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, usage(tool, "%v", err)
		}
		fromFile := map[string]string{}
		if err := json.Unmarshal(data, &fromFile); err != nil {
			fromFile = map[string]string{}
			if err := yaml.Unmarshal(data, &fromFile); err != nil {
				return nil, usage(tool, "%v", err)
			}
		}
		for k, v := range fromFile {
			raw[k] = v
		}
	}
	content := map[string]string{}
	for key, value := range raw {
		if k, ok := strings.CutSuffix(key, "#base64"); ok {
			// Juju stores it as given and decodes it on secret-get.
			decoded, err := base64.StdEncoding.DecodeString(value)
			if err != nil {
				return nil, usage(tool, "%v", err)
			}
			key, value = k, string(decoded)
		}
		if !secretKeyRE.MatchString(key) {
			return nil, usage(tool, "key %q not valid", key)
		}
		content[key] = value
	}
	return content, nil
}

// secretFlags are secret-add's and secret-set's options (secret-add.go,
// SetFlags and Init).
func secretFlags(tool string, argv []string) (args, error) {
	a, err := parse(tool, argv, []string{"expire", "rotate", "description", "label", "file", "owner"}, nil)
	if err != nil {
		return a, err
	}
	if e, ok := a.flags["expire"]; ok && e != "" {
		if _, err := time.Parse(time.RFC3339, e); err != nil {
			if _, err := time.Parse("2006-01-02T15:04:05", e); err != nil {
				d, err := time.ParseDuration(e)
				if err != nil {
					return a, usage(tool, "expire time or duration %q not valid", e)
				}
				if d <= 0 {
					return a, usage(tool, "negative expire duration %q not valid", e)
				}
			}
		}
	}
	if r, ok := a.flags["rotate"]; ok && r != "" {
		switch r {
		case "never", "hourly", "daily", "weekly", "monthly", "quarterly", "yearly":
		default:
			return a, usage(tool, "rotate policy %q not valid", r)
		}
	}
	if o, ok := a.flags["owner"]; ok && o != OwnerApplication && o != OwnerUnit {
		return a, usage(tool, "secret owner %q not valid", o)
	}
	return a, nil
}

// secretAdd follows secret-add.go and runner/context/context.go
// (CreateSecret): an application-owned secret needs the leader; the new
// secret is staged with the hook, its URI printed at once.
func (m *Model) secretAdd(argv []string) ([]byte, error) {
	const name = "secret-add"
	a, err := secretFlags(name, argv)
	if err != nil {
		return nil, err
	}
	if len(a.pos) < 1 && a.flags["file"] == "" {
		return nil, usage(name, "missing secret value or filename")
	}
	content, err := secretContent(name, a.pos, a.flags["file"])
	if err != nil {
		return nil, err
	}
	owner := OwnerApplication
	if o := a.flags["owner"]; o != "" {
		owner = o
	}
	if len(content) == 0 {
		return nil, failure(name, "empty secret value not valid")
	}
	if owner == OwnerApplication && !m.state.Leader {
		return nil, failure(name, "this unit is not the leader")
	}
	s := &Secret{
		URI: m.newSecretURI(), Revisions: []map[string]string{content}, Owner: owner,
		Label: a.flags["label"], Description: a.flags["description"], Expire: a.flags["expire"],
	}
	m.pendingCreates = append(m.pendingCreates, s)
	return []byte(s.URI + "\n"), nil
}
