package hooktools

import (
	"regexp"
	"strings"
)

// unitNameRE and appNameRE are github.com/juju/names/v5's: a unit number
// has no leading zero (NumberSnippet).
var unitNameRE = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]*[a-z][a-z0-9]*)*/(?:0|[1-9][0-9]*)$`)

var appNameRE = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]*[a-z][a-z0-9]*)*$`)

func relationGet(c *inv) error {
	var id int
	var app bool
	c.formatFlags("smart", allFormats...)
	c.relationFlag(&id)
	c.fs.Bool(&app, "app")
	pos, err := c.parse()
	if err != nil {
		return err
	}
	key := ""
	if len(pos) > 0 {
		key = pos[0]
		if key == "-" {
			key = ""
		}
	}
	if len(pos) > 2 {
		return unrecognized(pos[2:])
	}
	if _, err := c.needRelation(id); err != nil {
		return err
	}
	var target string
	if len(pos) == 2 {
		target = pos[1]
		if app {
			if k := strings.IndexByte(target, '/'); k >= 0 {
				target = target[:k]
			}
		} else if !strings.Contains(target, "/") {
			if appNameRE.MatchString(target) {
				return usagef("expected unit name, got application name %q", target)
			}
			return usagef("invalid unit name %q", target)
		} else if !unitNameRE.MatchString(target) {
			return usagef("invalid unit name %q", target)
		}
	} else {
		hookID, inHook := c.ctx.HookRelation()
		switch {
		case inHook && hookID == id && c.ctx.RemoteUnit() != "":
			target = c.ctx.RemoteUnit()
			if app {
				target = target[:strings.IndexByte(target, '/')]
			}
		case inHook && hookID == id && c.ctx.RemoteApp() != "":
			target = c.ctx.RemoteApp()
			app = true
		default:
			return usagef("no unit or application specified")
		}
	}
	settings, err := c.ctx.ReadSettings(id, target, app)
	if err != nil {
		return err
	}
	if key != "" {
		v, ok := settings[key]
		if !ok {
			return c.write(nil)
		}
		return c.write(v)
	}
	if settings == nil {
		settings = map[string]string{}
	}
	return c.write(settings)
}
