package hooktools

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/internal/flags"
)

// usageError is an error from parsing or validating arguments: exit code 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// inv is one command invocation.
type inv struct {
	ctx    Context
	req    Request
	fs     *flags.Set
	stdout bytes.Buffer
	stderr bytes.Buffer
	format string
	output string
}

type command func(c *inv) error

var commands = map[string]command{
	"action-fail":             actionFail,
	"action-get":              actionGet,
	"action-log":              actionLog,
	"action-set":              actionSet,
	"application-version-set": applicationVersionSet,
	"close-port":              func(c *inv) error { return portCmd(c, false) },
	"config-get":              configGet,
	"goal-state":              goalState,
	"is-leader":               isLeader,
	"juju-log":                jujuLog,
	"leader-get":              leaderGet,
	"leader-set":              leaderSet,
	"network-get":             networkGet,
	"open-port":               func(c *inv) error { return portCmd(c, true) },
	"opened-ports":            openedPorts,
	"relation-get":            relationGet,
	"relation-ids":            relationIDs,
	"relation-list":           relationList,
	"relation-model-get":      relationModelGet,
	"relation-set":            relationSet,
	"secret-add":              secretAdd,
	"secret-get":              secretGet,
	"secret-grant":            secretGrant,
	"secret-ids":              secretIDs,
	"secret-info-get":         secretInfoGet,
	"secret-remove":           secretRemove,
	"secret-revoke":           secretRevoke,
	"secret-set":              secretSet,
	"state-delete":            stateDelete,
	"state-get":               stateGet,
	"state-set":               stateSet,
	"status-get":              statusGet,
	"status-set":              statusSet,
	"storage-get":             storageGet,
	"storage-list":            storageList,
	"unit-get":                unitGet,
}

// Run runs one hook-tool request against ctx.
func Run(ctx Context, req Request) Response {
	c := &inv{ctx: ctx, req: req, fs: flags.NewSet()}
	cmd, ok := commands[req.Command]
	if !ok {
		return Response{Code: 1, Stderr: []byte(fmt.Sprintf("ERROR unknown command %q\n", req.Command))}
	}
	err := cmd(c)
	resp := Response{Stdout: c.stdout.Bytes()}
	if err != nil {
		resp.Code = 1
		var ue *usageError
		if errors.As(err, &ue) || errors.Is(err, flags.ErrHelp) {
			resp.Code = 2
		}
		if errors.Is(err, flags.ErrHelp) {
			resp.Code = 0
			err = nil
		}
		if err != nil {
			fmt.Fprintf(&c.stderr, "ERROR %s\n", err.Error())
		}
	} else if c.output != "" {
		resp.OutputFile = c.output
	}
	resp.Stderr = c.stderr.Bytes()
	return resp
}

// formatFlags adds --format (and -o/--output) with the given default.
func (c *inv) formatFlags(def string, allowed ...string) {
	c.format = def
	c.fs.Func(func(s string) error {
		for _, a := range allowed {
			if s == a {
				c.format = s
				return nil
			}
		}
		return fmt.Errorf("unknown format %q", s)
	}, "format")
	c.fs.String(&c.output, "", "o", "output")
}

var allFormats = []string{"smart", "yaml", "json"}

// parse parses flags; argument errors are usage errors.
func (c *inv) parse() ([]string, error) {
	pos, err := c.fs.Parse(c.req.Args)
	if err != nil {
		if errors.Is(err, flags.ErrHelp) {
			return nil, err
		}
		return nil, &usageError{err.Error()}
	}
	return pos, nil
}

// parseAtMost parses the flags and refuses more than n positional
// arguments, as Juju's commands do in Init.
func (c *inv) parseAtMost(n int) ([]string, error) {
	pos, err := c.parse()
	if err != nil {
		return nil, err
	}
	if len(pos) > n {
		return nil, unrecognized(pos[n:])
	}
	return pos, nil
}

func (c *inv) write(v any) error { return write(&c.stdout, c.format, v) }

func unrecognized(args []string) error {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = strconv.Quote(a)
	}
	return usagef("unrecognized args: [%s]", strings.Join(q, " "))
}

// relationFlag adds -r/--relation, defaulting to the hook's relation.
func (c *inv) relationFlag(id *int) {
	*id = -1
	if rid, ok := c.ctx.HookRelation(); ok {
		*id = rid
	}
	c.fs.Func(func(s string) error {
		digits := s
		if k := strings.LastIndex(s, ":"); k >= 0 {
			digits = s[k+1:]
		}
		n, err := strconv.Atoi(digits)
		if err != nil {
			return fmt.Errorf("invalid relation id")
		}
		if _, ok := c.ctx.Relation(n); !ok {
			return fmt.Errorf("relation not found")
		}
		*id = n
		return nil
	}, "r", "relation")
}

func (c *inv) file(path string) ([]byte, error) {
	if path == "-" {
		return c.req.Stdin, nil
	}
	if data, ok := c.req.Files[path]; ok {
		return data, nil
	}
	return nil, fmt.Errorf("open %s: no such file or directory", path)
}

// ---- config ----

func configGet(c *inv) error {
	var all bool
	c.formatFlags("smart", allFormats...)
	c.fs.Bool(&all, "a", "all")
	pos, err := c.parseAtMost(1)
	if err != nil {
		return err
	}
	settings := c.ctx.ConfigSettings()
	if len(pos) == 1 {
		if all {
			return usagef("cannot use argument --all together with key %q", pos[0])
		}
		return c.write(settings[pos[0]])
	}
	out := map[string]any{}
	for k, v := range settings {
		if v != nil || all {
			out[k] = v
		}
	}
	return c.write(out)
}

// ---- relations ----

func relationIDs(c *inv) error {
	c.formatFlags("smart", allFormats...)
	pos, err := c.parse()
	if err != nil {
		return err
	}
	var endpoint string
	switch len(pos) {
	case 0:
		id, ok := c.ctx.HookRelation()
		if !ok {
			return usagef("no endpoint name specified")
		}
		r, _ := c.ctx.Relation(id)
		endpoint = r.Endpoint
	case 1:
		endpoint = pos[0]
	default:
		return unrecognized(pos[1:])
	}
	ids := []string{}
	for _, id := range c.ctx.RelationIDs(endpoint) {
		ids = append(ids, fmt.Sprintf("%s:%d", endpoint, id))
	}
	return c.write(ids)
}

func (c *inv) needRelation(id int) (RelationInfo, error) {
	if id < 0 {
		return RelationInfo{}, usagef("no relation id specified")
	}
	r, ok := c.ctx.Relation(id)
	if !ok {
		return RelationInfo{}, usagef("invalid value \"%d\" for option -r: relation not found", id)
	}
	return r, nil
}

func relationList(c *inv) error {
	var id int
	var app bool
	c.formatFlags("smart", allFormats...)
	c.relationFlag(&id)
	c.fs.Bool(&app, "app")
	if _, err := c.parseAtMost(0); err != nil {
		return err
	}
	r, err := c.needRelation(id)
	if err != nil {
		return err
	}
	if app {
		return c.write(r.RemoteApp)
	}
	units := append([]string{}, r.Units...)
	return c.write(units)
}

var unitNameRE = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]*[a-z][a-z0-9]*)*/[0-9]+$`)
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

// parseKeyValues parses key=value arguments.
func parseKeyValues(args []string) (map[string]string, error) {
	out := map[string]string{}
	for _, a := range args {
		k := strings.IndexByte(a, '=')
		if k <= 0 {
			return nil, usagef("expected \"key=value\", got %q", a)
		}
		key := a[:k]
		if _, dup := out[key]; dup {
			return nil, usagef("duplicate key specified: %q", key)
		}
		out[key] = a[k+1:]
	}
	return out, nil
}

// parseYAMLStrings reads a YAML (or JSON) map whose scalar values become
// strings.
func parseYAMLStrings(data []byte) (map[string]string, error) {
	var raw map[string]any
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for k, v := range raw {
		switch v := v.(type) {
		case nil:
			out[k] = ""
		case string:
			out[k] = v
		case bool:
			if v {
				out[k] = "true"
			} else {
				out[k] = "false"
			}
		case int, int64, float64, uint64:
			out[k] = fmt.Sprint(v)
		default:
			return nil, fmt.Errorf("value of %q is not a string", k)
		}
	}
	return out, nil
}

func relationSet(c *inv) error {
	var id int
	var app bool
	var file, format string
	c.relationFlag(&id)
	c.fs.Bool(&app, "app")
	c.fs.String(&file, "", "file")
	c.fs.String(&format, "", "format")
	pos, err := c.parse()
	if err != nil {
		return err
	}
	if c.fs.IsSet("format") {
		fmt.Fprintf(&c.stderr, "--format flag deprecated for command %q\n", "relation-set")
	}
	kvs, err := parseKeyValues(pos)
	if err != nil {
		return err
	}
	if _, err := c.needRelation(id); err != nil {
		return err
	}
	settings, err := c.mergeSettings(file, kvs, "settings")
	if err != nil {
		return err
	}
	if app && !c.ctx.IsLeader() {
		return errors.New("cannot write relation settings")
	}
	return c.ctx.WriteSettings(id, app, settings)
}

// ---- leadership ----

func isLeader(c *inv) error {
	c.formatFlags("smart", allFormats...)
	if _, err := c.parseAtMost(0); err != nil {
		return err
	}
	return c.write(c.ctx.IsLeader())
}

func leaderGet(c *inv) error {
	c.formatFlags("smart", allFormats...)
	pos, err := c.parseAtMost(1)
	if err != nil {
		return err
	}
	settings := c.ctx.LeaderGet()
	if len(pos) == 1 && pos[0] != "-" {
		v, ok := settings[pos[0]]
		if !ok {
			return c.write(nil)
		}
		return c.write(v)
	}
	return c.write(settings)
}

func leaderSet(c *inv) error {
	var file string
	c.fs.String(&file, "", "file")
	pos, err := c.parse()
	if err != nil {
		return err
	}
	kvs, err := parseKeyValues(pos)
	if err != nil {
		return err
	}
	if !c.ctx.IsLeader() {
		return errors.New("cannot write settings: not the leader")
	}
	return c.ctx.LeaderSet(kvs)
}

// ---- status ----

var validStatus = []string{"maintenance", "blocked", "waiting", "active"}

func statusSet(c *inv) error {
	var app bool
	c.fs.Bool(&app, "application")
	pos, err := c.parse()
	if err != nil {
		return err
	}
	if len(pos) < 1 {
		return usagef("invalid args, require <status> [message]")
	}
	if len(pos) > 2 {
		return unrecognized(pos[2:])
	}
	ok := false
	for _, s := range validStatus {
		ok = ok || s == pos[0]
	}
	if !ok {
		return usagef("invalid status %q, expected one of [%s]", pos[0], strings.Join(validStatus, " "))
	}
	msg := ""
	if len(pos) == 2 {
		msg = pos[1]
	}
	if app && !c.ctx.IsLeader() {
		return errors.New("this unit is not the leader")
	}
	return c.ctx.SetStatus(app, Status{Status: pos[0], Message: msg})
}

func statusDetails(st Status, includeData bool) map[string]any {
	d := map[string]any{"status": st.Status}
	if includeData {
		data := map[string]any{}
		for k, v := range st.Data {
			data[k] = v
		}
		d["status-data"] = data
		d["message"] = st.Message
	}
	return d
}

func statusGet(c *inv) error {
	var app, includeData bool
	c.formatFlags("smart", allFormats...)
	c.fs.Bool(&app, "application")
	c.fs.Bool(&includeData, "include-data")
	if _, err := c.parseAtMost(0); err != nil {
		return err
	}
	if app {
		st, units, err := c.ctx.AppStatus()
		if err != nil {
			return fmt.Errorf("finding application status: %w", err)
		}
		details := statusDetails(st, includeData)
		us := map[string]any{}
		for name, s := range units {
			us[name] = statusDetails(s, includeData)
		}
		details["units"] = us
		return c.write(map[string]any{"application-status": details})
	}
	st := c.ctx.UnitStatus()
	if !includeData && c.format == "smart" {
		return c.write(st.Status)
	}
	return c.write(statusDetails(st, includeData))
}

func applicationVersionSet(c *inv) error {
	pos, err := c.parse()
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("no version specified")
	}
	if len(pos) > 1 {
		return unrecognized(pos[1:])
	}
	c.ctx.SetVersion(pos[0])
	return nil
}

var logLevels = map[string]bool{"TRACE": true, "DEBUG": true, "INFO": true, "WARNING": true, "ERROR": true, "CRITICAL": true}

func jujuLog(c *inv) error {
	var debug bool
	var level, format string
	c.fs.Bool(&debug, "debug")
	c.fs.String(&level, "INFO", "l", "log-level")
	c.fs.String(&format, "", "format")
	pos, err := c.parse()
	if err != nil {
		return err
	}
	if c.fs.IsSet("format") {
		fmt.Fprintf(&c.stderr, "--format flag deprecated for command %q\n", "juju-log")
	}
	if len(pos) == 0 {
		return usagef("no message specified")
	}
	level = strings.ToUpper(level)
	if debug {
		level = "DEBUG"
	}
	if !logLevels[level] {
		c.ctx.Log("WARNING", fmt.Sprintf("Specified log level of %q is not valid", level))
		level = "INFO"
	}
	msg := strings.Join(pos, " ")
	if id, ok := c.ctx.HookRelation(); ok {
		if r, ok := c.ctx.Relation(id); ok {
			msg = fmt.Sprintf("%s:%d: %s", r.Endpoint, id, msg)
		}
	}
	c.ctx.Log(level, msg)
	return nil
}

// ---- ports ----

func parsePort(s string) (Port, error) {
	s = strings.ToLower(s)
	if s == "icmp" {
		return Port{Protocol: "icmp"}, nil
	}
	proto := "tcp"
	if k := strings.IndexByte(s, '/'); k >= 0 {
		s, proto = s[:k], s[k+1:]
	}
	switch proto {
	case "tcp", "udp":
	default:
		return Port{}, usagef("invalid protocol %q, expected \"tcp\", \"udp\", or \"icmp\"", proto)
	}
	if strings.Contains(s, "-") {
		parts := strings.SplitN(s, "-", 2)
		from, err1 := strconv.Atoi(parts[0])
		to, err2 := strconv.Atoi(parts[1])
		if err1 != nil || err2 != nil || from < 1 || to > 65535 || from > to {
			return Port{}, usagef("invalid port range %q", s)
		}
		if from != to {
			return Port{Number: -1}, nil
		}
		return Port{Number: from, Protocol: proto}, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 65535 {
		return Port{}, usagef("invalid port %q", s)
	}
	return Port{Number: n, Protocol: proto}, nil
}

func portCmd(c *inv, open bool) error {
	var endpoints, format string
	c.fs.String(&endpoints, "", "endpoints")
	c.fs.String(&format, "", "format")
	pos, err := c.parse()
	if err != nil {
		return err
	}
	name := "close-port"
	if open {
		name = "open-port"
	}
	if c.fs.IsSet("format") {
		fmt.Fprintf(&c.stderr, "--format flag deprecated for command %q\n", name)
	}
	if len(pos) == 0 {
		return usagef("no port or range specified")
	}
	if len(pos) > 1 {
		return unrecognized(pos[1:])
	}
	p, err := parsePort(pos[0])
	if err != nil {
		return err
	}
	if p.Number < 0 {
		return errors.New("port ranges are not supported for k8s applications, please specify a single port")
	}
	if open {
		return c.ctx.OpenPort(p)
	}
	return c.ctx.ClosePort(p)
}

func openedPorts(c *inv) error {
	var endpoints bool
	c.formatFlags("smart", allFormats...)
	c.fs.Bool(&endpoints, "endpoints")
	if _, err := c.parseAtMost(0); err != nil {
		return err
	}
	out := []string{}
	for _, p := range c.ctx.OpenedPorts() {
		s := p.String()
		if endpoints {
			s += " (*)"
		}
		out = append(out, s)
	}
	return c.write(out)
}

// ---- network ----

func networkGet(c *inv) error {
	var id int
	var bind, ingress, egress, primary bool
	c.formatFlags("smart", allFormats...)
	c.relationFlag(&id)
	c.fs.Bool(&bind, "bind-address")
	c.fs.Bool(&ingress, "ingress-address")
	c.fs.Bool(&egress, "egress-subnets")
	c.fs.Bool(&primary, "primary-address")
	pos, err := c.parse()
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("no arguments specified")
	}
	if len(pos) > 1 {
		return unrecognized(pos[1:])
	}
	info, err := c.ctx.Network(pos[0])
	if err != nil {
		return err
	}
	first := func(l []string) string {
		if len(l) == 0 {
			return ""
		}
		return l[0]
	}
	selected := map[string]any{}
	if bind || primary {
		selected["bind-address"] = first(info.BindAddresses)
	}
	if ingress {
		selected["ingress-address"] = first(info.IngressAddresses)
	}
	if egress {
		selected["egress-subnets"] = info.EgressSubnets
	}
	switch len(selected) {
	case 0:
		type addr struct {
			Hostname string `json:"hostname" yaml:"hostname"`
			Value    string `json:"value" yaml:"value"`
			CIDR     string `json:"cidr" yaml:"cidr"`
			Address  string `json:"-" yaml:"address"`
		}
		type bindAddr struct {
			MAC       string `json:"mac-address" yaml:"mac-address"`
			Interface string `json:"interface-name" yaml:"interface-name"`
			Addresses []addr `json:"addresses" yaml:"addresses"`
			MACLegacy string `json:"-" yaml:"macaddress"`
			IfLegacy  string `json:"-" yaml:"interfacename"`
		}
		type full struct {
			Bind    []bindAddr `json:"bind-addresses,omitempty" yaml:"bind-addresses,omitempty"`
			Egress  []string   `json:"egress-subnets,omitempty" yaml:"egress-subnets,omitempty"`
			Ingress []string   `json:"ingress-addresses,omitempty" yaml:"ingress-addresses,omitempty"`
		}
		out := full{Egress: info.EgressSubnets, Ingress: info.IngressAddresses}
		for _, a := range info.BindAddresses {
			out.Bind = append(out.Bind, bindAddr{Addresses: []addr{{Value: a, Address: a}}})
		}
		return c.write(out)
	case 1:
		for _, v := range selected {
			return c.write(v)
		}
	}
	return c.write(selected)
}

func unitGet(c *inv) error {
	c.formatFlags("smart", allFormats...)
	pos, err := c.parse()
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("no setting specified")
	}
	if len(pos) > 1 {
		return unrecognized(pos[1:])
	}
	switch pos[0] {
	case "private-address", "public-address":
		return c.write(c.ctx.PrivateAddress())
	}
	return usagef("unknown setting %q", pos[0])
}

// ---- goal state, storage ----

func goalState(c *inv) error {
	c.formatFlags("yaml", "yaml", "json")
	if _, err := c.parseAtMost(0); err != nil {
		return err
	}
	return c.write(c.ctx.GoalState())
}

func storageGet(c *inv) error {
	var id string
	c.formatFlags("smart", allFormats...)
	c.fs.String(&id, "", "s")
	pos, err := c.parseAtMost(1)
	if err != nil {
		return err
	}
	all := c.ctx.Storage()
	if id == "" {
		if len(all) != 1 {
			return usagef("no storage instance specified")
		}
		id = all[0].ID
	}
	for _, s := range all {
		if s.ID != id {
			continue
		}
		m := map[string]any{"kind": s.Kind, "location": s.Location}
		if len(pos) == 1 {
			v, ok := m[pos[0]]
			if !ok {
				return fmt.Errorf("invalid storage attribute %q", pos[0])
			}
			return c.write(v)
		}
		return c.write(m)
	}
	return usagef("invalid value %q for option -s: storage instance %q not found", id, id)
}

func storageList(c *inv) error {
	c.formatFlags("smart", allFormats...)
	pos, err := c.parseAtMost(1)
	if err != nil {
		return err
	}
	out := []string{}
	for _, s := range c.ctx.Storage() {
		if len(pos) == 1 && !strings.HasPrefix(s.ID, pos[0]+"/") {
			continue
		}
		out = append(out, s.ID)
	}
	return c.write(out)
}

// ---- actions ----

func (c *inv) action() (Action, error) {
	a, err := c.ctx.Action()
	if err != nil {
		return nil, err
	}
	return a, nil
}

func actionGet(c *inv) error {
	c.formatFlags("smart", allFormats...)
	pos, err := c.parseAtMost(1)
	if err != nil {
		return err
	}
	a, err := c.action()
	if err != nil {
		return err
	}
	params := a.Params()
	if params == nil {
		params = map[string]any{}
	}
	if len(pos) == 0 {
		return c.write(params)
	}
	var cur any = params
	for _, k := range strings.Split(pos[0], ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return c.write(nil)
		}
		if cur, ok = m[k]; !ok {
			return c.write(nil)
		}
	}
	return c.write(cur)
}

var actionKeyRE = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$`)

func actionSet(c *inv) error {
	pos, err := c.parse()
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("no key=value pairs specified")
	}
	results := map[string]any{}
	for _, arg := range pos {
		k := strings.IndexByte(arg, '=')
		if k <= 0 {
			return usagef("argument %q must be of the form key...=value", arg)
		}
		keys := strings.Split(arg[:k], ".")
		for _, key := range keys {
			if !actionKeyRE.MatchString(key) {
				return usagef("key %q must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric, hyphens and periods", key)
			}
		}
		switch keys[0] {
		case "stdout", "stdout-encoding", "stderr", "stderr-encoding":
			return usagef("cannot set reserved action key %q", keys[0])
		}
		cur := results
		for _, key := range keys[:len(keys)-1] {
			next, ok := cur[key].(map[string]any)
			if !ok {
				next = map[string]any{}
				cur[key] = next
			}
			cur = next
		}
		cur[keys[len(keys)-1]] = arg[k+1:]
	}
	a, err := c.action()
	if err != nil {
		return err
	}
	a.Set(results)
	return nil
}

func actionFail(c *inv) error {
	pos, err := c.parseAtMost(1)
	if err != nil {
		return err
	}
	msg := "action failed without reason given, check action for errors"
	if len(pos) == 1 {
		msg = pos[0]
	}
	a, err := c.action()
	if err != nil {
		return err
	}
	a.Fail(msg)
	return nil
}

func actionLog(c *inv) error {
	pos, err := c.parse()
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("no message specified")
	}
	a, err := c.action()
	if err != nil {
		return err
	}
	a.Log(strings.Join(pos, " "))
	return nil
}

// ---- charm state ----

const (
	maxStateKey   = 256
	maxStateValue = 64 * 1024
)

func stateGet(c *inv) error {
	var strict bool
	c.formatFlags("smart", allFormats...)
	c.fs.Bool(&strict, "strict")
	pos, err := c.parseAtMost(1)
	if err != nil {
		return err
	}
	state := c.ctx.StateGet()
	if len(pos) == 0 || pos[0] == "-" {
		if len(state) == 0 {
			return c.write(nil)
		}
		return c.write(state)
	}
	v, ok := state[pos[0]]
	if !ok && strict {
		return fmt.Errorf("%q not found", pos[0])
	}
	return c.write(v)
}

// mergeSettings reads a --file of YAML strings and lets key=value
// arguments override it, as relation-set and state-set do.
func (c *inv) mergeSettings(file string, kvs map[string]string, what string) (map[string]string, error) {
	settings := map[string]string{}
	if file != "" {
		data, err := c.file(file)
		if err != nil {
			return nil, err
		}
		fromFile, err := parseYAMLStrings(data)
		if err != nil {
			return nil, fmt.Errorf("cannot parse %s file: %w", what, err)
		}
		for k, v := range fromFile {
			settings[k] = v
		}
	}
	for k, v := range kvs {
		settings[k] = v
	}
	return settings, nil
}

func stateSet(c *inv) error {
	var file string
	c.fs.String(&file, "", "file")
	pos, err := c.parse()
	if err != nil {
		return err
	}
	kvs, err := parseKeyValues(pos)
	if err != nil {
		return err
	}
	settings, err := c.mergeSettings(file, kvs, "state")
	if err != nil {
		return err
	}
	for k, v := range settings {
		if len(k) > maxStateKey {
			return usagef("key too large: %d bytes, maximum is %d", len(k), maxStateKey)
		}
		if len(v) > maxStateValue {
			return usagef("value for key %q too large: %d bytes, maximum is %d", k, len(v), maxStateValue)
		}
	}
	return c.ctx.StateSet(settings)
}

func stateDelete(c *inv) error {
	pos, err := c.parse()
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("no key specified")
	}
	if len(pos) > 1 {
		return unrecognized(pos[1:])
	}
	return c.ctx.StateDelete(pos[0])
}

// ---- secrets ----

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

func secretAdd(c *inv) error {
	var a SecretArgs
	var file string
	c.secretFlags(&a, &file)
	pos, err := c.parse()
	if err != nil {
		return err
	}
	if len(pos) == 0 && file == "" {
		return usagef("missing secret value or filename")
	}
	a.Content, err = c.secretContent(pos, file)
	if err != nil {
		return err
	}
	if len(a.Content) == 0 {
		return usagef("missing secret value or filename")
	}
	if a.Owner == "" {
		a.Owner = "application"
	}
	if a.Owner == "application" && !c.ctx.IsLeader() {
		return errors.New("this unit is not the leader")
	}
	uri, err := c.ctx.SecretAdd(a)
	if err != nil {
		return err
	}
	fmt.Fprintln(&c.stdout, uri)
	return nil
}

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
	if peek && refresh {
		return usagef("specify one of --peek or --refresh but not both")
	}
	var id, key string
	if len(pos) > 0 {
		if label != "" || looksLikeSecretID(pos[0]) {
			if looksLikeSecretID(pos[0]) {
				id, pos = pos[0], pos[1:]
			}
		} else {
			id, pos = pos[0], pos[1:]
		}
	}
	if len(pos) > 0 {
		key, pos = pos[0], pos[1:]
	}
	if len(pos) > 0 {
		return unrecognized(pos)
	}
	if id == "" && label == "" {
		return usagef("require either a secret URI or label")
	}
	if id != "" && !looksLikeSecretID(id) {
		return usagef("invalid secret URI %q", id)
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
		return fmt.Errorf("secret key %q not found", key)
	}
	if b64 {
		v = base64.StdEncoding.EncodeToString([]byte(v))
	}
	return c.write(v)
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

func secretSet(c *inv) error {
	var a SecretArgs
	var file string
	c.secretFlags(&a, &file)
	pos, err := c.parse()
	if err != nil {
		return err
	}
	id, pos, err := c.secretID(pos)
	if err != nil {
		return err
	}
	if len(pos) > 0 || file != "" {
		if a.Content, err = c.secretContent(pos, file); err != nil {
			return err
		}
	}
	return c.ctx.SecretSet(id, a)
}

func secretGrant(c *inv) error {
	var id int
	var unit string
	c.relationFlag(&id)
	c.fs.String(&unit, "", "unit")
	uri, err := c.parseSecretID()
	if err != nil {
		return err
	}
	if id < 0 {
		return usagef("no relation id specified")
	}
	return c.ctx.SecretGrant(uri, id, unit)
}

func secretRevoke(c *inv) error {
	var id int
	var app, unit string
	c.relationFlag(&id)
	c.fs.String(&app, "", "app", "application")
	c.fs.String(&unit, "", "unit")
	uri, err := c.parseSecretID()
	if err != nil {
		return err
	}
	if !c.fs.IsSet("r") && !c.fs.IsSet("relation") {
		if _, inRel := c.ctx.HookRelation(); !inRel || app != "" || unit != "" {
			id = -1
		}
	}
	if id < 0 && app == "" && unit == "" {
		return usagef("specify either relation id, application, or unit")
	}
	return c.ctx.SecretRevoke(uri, id, app, unit)
}

func secretIDs(c *inv) error {
	c.formatFlags("smart", allFormats...)
	if _, err := c.parseAtMost(0); err != nil {
		return err
	}
	ids := c.ctx.SecretIDs()
	sort.Strings(ids)
	return c.write(ids)
}

func secretInfoGet(c *inv) error {
	var label string
	c.formatFlags("yaml", "yaml", "json")
	c.fs.String(&label, "", "label")
	pos, err := c.parse()
	if err != nil {
		return err
	}
	var id string
	if len(pos) > 0 {
		id, pos = pos[0], pos[1:]
	}
	if len(pos) > 0 {
		return unrecognized(pos)
	}
	if id != "" && label != "" {
		return usagef("specify either a secret URI or label but not both")
	}
	if id == "" && label == "" {
		return usagef("require either a secret URI or label")
	}
	if id != "" && !looksLikeSecretID(id) {
		return usagef("invalid secret URI %q", id)
	}
	info, err := c.ctx.SecretInfo(id, label)
	if err != nil {
		return err
	}
	return c.write(info)
}

func secretRemove(c *inv) error {
	var rev int
	c.fs.Int(&rev, 0, "revision")
	uri, err := c.parseSecretID()
	if err != nil {
		return err
	}
	return c.ctx.SecretRemove(uri, rev)
}
