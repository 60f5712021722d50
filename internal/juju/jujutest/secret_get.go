package jujutest

import (
	"encoding/base64"
	"strings"
)

// secretGet follows secret-get.go: Init parses the URI, then needs a URI
// or label, then refuses --peek with --refresh. A secret this unit
// manages reads its latest revision (a pending secret-add or secret-set
// of the hook included: runner/context/context.go, GetSecret); any other
// reader gets the revision it tracks, the latest on its first read, until
// --refresh (--peek reads the latest once). A missing secret is reported
// by the controller with the URI as given (state/secrets.go,
// checkExists); a missing key as core/secrets' KeyValue does.
func (m *Model) secretGet(argv []string) ([]byte, error) {
	const name = "secret-get"
	a, err := parse(name, argv, []string{"format", "label"}, []string{"refresh", "peek"})
	if err != nil {
		return nil, err
	}
	pos := a.pos
	uri := ""
	if len(pos) > 0 {
		var ok bool
		if uri, ok = parseSecretURI(pos[0]); !ok {
			return nil, usage(name, "secret URI %q not valid", pos[0])
		}
		pos = pos[1:]
	}
	label := a.flags["label"]
	if uri == "" && label == "" {
		return nil, usage(name, "require either a secret URI or label")
	}
	if a.flags["refresh"] == "true" && a.flags["peek"] == "true" {
		return nil, usage(name, "specify one of --peek or --refresh but not both")
	}
	key := ""
	if len(pos) > 0 {
		key = pos[0]
		if len(pos) > 1 {
			return nil, unrecognized(name, pos[1:])
		}
	}
	var sec *Secret
	if uri != "" {
		sec = m.secretByXID(xid(uri))
		if sec == nil {
			return nil, failure(name, "secret %q not found", uri)
		}
	} else {
		for _, s := range append(append([]*Secret{}, m.pendingCreates...), m.state.Secrets...) {
			if s.Label == label && s.Owner != "" {
				sec = s
				break
			}
		}
		if sec == nil {
			return nil, failure(name, "consumer label %q not found", label)
		}
	}
	var content map[string]string
	switch {
	case m.manages(sec):
		content = m.ownerContent(sec, a.flags["refresh"] == "true" || a.flags["peek"] == "true")
	case sec.Granted || sec.Owner == OwnerApplication:
		latest := len(sec.Revisions)
		rev := sec.Tracked
		switch {
		case a.flags["peek"] == "true":
			rev = latest
		case a.flags["refresh"] == "true" || rev == 0:
			sec.Tracked = latest
			rev = latest
		}
		content = sec.Revisions[rev-1]
	default:
		return nil, failure(name, "permission denied")
	}
	if key == "" {
		return output(a.flags["format"], content)
	}
	k := strings.TrimSuffix(key, "#base64")
	v, ok := content[k]
	if !ok {
		return nil, failure(name, "secret key value %q not found", k)
	}
	if k != key {
		v = base64.StdEncoding.EncodeToString([]byte(v))
	}
	return output(a.flags["format"], v)
}

// ownerContent is the owner's view: the latest revision, or what a
// secret-set of this hook staged when asked with --refresh or --peek
// (runner/context/context.go, getPendingSecretValue: a pending update is
// only seen that way).
func (m *Model) ownerContent(s *Secret, latest bool) map[string]string {
	content := s.Revisions[len(s.Revisions)-1]
	if !latest {
		return content
	}
	for _, up := range m.pendingUpdates {
		if up.xid == xid(s.URI) && up.content != nil {
			content = up.content
		}
	}
	return content
}
