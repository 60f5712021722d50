package hooktools

import (
	"encoding/base64"
	"fmt"
	"strings"
)

// secretGet follows internal/worker/uniter/runner/jujuc/secret-get.go:
// Init takes the first argument as the URI (with --label too), then needs
// a URI or a label, then refuses --peek with --refresh, then takes one
// key; a missing key is core/secrets' KeyValue error.
func secretGet(c *inv) error {
	var label string
	var peek, refresh bool
	c.formatFlags("yaml", allFormats...)
	c.fs.String(&label, "", "label")
	c.fs.Bool(&peek, "peek")
	c.fs.Bool(&refresh, "refresh")
	pos, err := c.parse()
	if err != nil {
		return err
	}
	var id, key string
	if len(pos) > 0 {
		if !looksLikeSecretID(pos[0]) {
			return usagef("secret URI %q not valid", pos[0])
		}
		id, pos = pos[0], pos[1:]
	}
	if id == "" && label == "" {
		return usagef("require either a secret URI or label")
	}
	if peek && refresh {
		return usagef("specify one of --peek or --refresh but not both")
	}
	if len(pos) > 0 {
		key, pos = pos[0], pos[1:]
	}
	if len(pos) > 0 {
		return unrecognized(pos)
	}
	content, err := c.ctx.SecretGet(id, label, peek, refresh)
	if err != nil {
		return err
	}
	if key == "" {
		return c.write(content)
	}
	b64 := strings.HasSuffix(key, "#base64")
	key = strings.TrimSuffix(key, "#base64")
	v, ok := content[key]
	if !ok {
		return fmt.Errorf("secret key value %q not found", key)
	}
	if b64 {
		v = base64.StdEncoding.EncodeToString([]byte(v))
	}
	return c.write(v)
}
