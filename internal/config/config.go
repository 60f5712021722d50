// Package config turns the charm's options, as config-get reports them, into
// typed values. Every invalid value becomes a Problem naming the option and
// the value, so the charm can block with a message instead of failing.
package config

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Service names the charm can run, in the order Temporal documents them.
var AllServices = []string{"frontend", "history", "matching", "worker"}

// Config holds every option, validated.
type Config struct {
	Services         []string
	NumHistoryShards int
	LogLevel         string // Temporal's name: debug, info, warn, error, fatal
	Persistence      Pool
	Visibility       Pool
	GlobalRPSLimit   int
	NamespaceRPS     []NamespaceRPS
	LongPollInterval time.Duration
	DBName           string
	VisibilityDBName string
	DBExtraUserRoles string
}

// Pool is one store's connection pool.
type Pool struct {
	MaxConns        int
	MaxIdleConns    int
	MaxConnLifetime string // as written, e.g. "1h": Temporal parses it
}

// NamespaceRPS is one per-namespace rate limit.
type NamespaceRPS struct {
	Namespace string
	Limit     int
}

// Problem is one invalid option value.
type Problem struct {
	Option string
	Value  string
	Reason string
}

func (p Problem) String() string {
	return fmt.Sprintf("invalid %s %q: %s", p.Option, p.Value, p.Reason)
}

// Defaults match config.yaml; they apply when an option is absent.
var defaults = map[string]any{
	"services":                   "frontend,history,matching,worker",
	"num-history-shards":         512,
	"log-level":                  "info",
	"persistence-max-conns":      20,
	"persistence-max-idle-conns": 20,
	"persistence-max-conn-time":  "1h",
	"visibility-max-conns":       10,
	"visibility-max-idle-conns":  10,
	"visibility-max-conn-time":   "1h",
	"global-rps-limit":           2000,
	"namespace-rps-limit":        "",
	"long-poll-interval":         "50s",
	"db-name":                    "temporal-k8s_db",
	"visibility-db-name":         "temporal-k8s_visibility",
	"db-extra-user-roles":        "admin",
}

var logLevels = map[string]string{
	"debug": "debug", "info": "info", "warning": "warn", "warn": "warn",
	"error": "error", "critical": "fatal",
}

var (
	connTimeRE = regexp.MustCompile(`^[1-9][0-9]*[smh]$`)
	dbNameRE   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_$-]{0,62}$`)
	rolesRE    = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*(,[A-Za-z_][A-Za-z0-9_]*)*)?$`)
	nsRE       = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
)

type parser struct {
	raw      map[string]any
	problems []Problem
}

func (p *parser) fail(option string, value any, format string, a ...any) {
	p.problems = append(p.problems, Problem{Option: option, Value: fmt.Sprint(value), Reason: fmt.Sprintf(format, a...)})
}

func (p *parser) value(option string) any {
	if v, ok := p.raw[option]; ok && v != nil {
		return v
	}
	return defaults[option]
}

func (p *parser) str(option string) string {
	switch v := p.value(option).(type) {
	case string:
		return v
	default:
		p.fail(option, v, "must be a string")
		return fmt.Sprint(defaults[option])
	}
}

// integer accepts what config-get can produce for an int option.
func (p *parser) integer(option string, min int) (int, bool) {
	v := p.value(option)
	var n int64
	var err error
	switch x := v.(type) {
	case json.Number:
		n, err = x.Int64()
	case int:
		n = int64(x)
	case int64:
		n = x
	case float64:
		if x != math.Trunc(x) || math.Abs(x) > math.MaxInt32 {
			err = fmt.Errorf("not an integer")
		}
		n = int64(x)
	case string:
		n, err = strconv.ParseInt(strings.TrimSpace(x), 10, 64)
	default:
		err = fmt.Errorf("not an integer")
	}
	if err != nil {
		p.fail(option, v, "must be an integer")
		return 0, false
	}
	if n < int64(min) || n > math.MaxInt32 {
		p.fail(option, v, "must be between %d and %d", min, math.MaxInt32)
		return 0, false
	}
	return int(n), true
}

// Parse validates raw option values; options missing from raw take their
// defaults. The returned Config is only meaningful when there are no
// problems.
func Parse(raw map[string]any) (Config, []Problem) {
	p := &parser{raw: raw}
	var c Config

	c.Services = p.services()
	if n, ok := p.integer("num-history-shards", 1); ok {
		if n&(n-1) != 0 {
			p.fail("num-history-shards", n, "must be a power of 2 (e.g. 512, 1024, 2048)")
		}
		c.NumHistoryShards = n
	}
	level := p.str("log-level")
	if l, ok := logLevels[strings.ToLower(level)]; ok {
		c.LogLevel = l
	} else {
		p.fail("log-level", level, "must be one of debug, info, warning, error, critical")
	}
	c.Persistence = p.pool("persistence")
	c.Visibility = p.pool("visibility")
	if n, ok := p.integer("global-rps-limit", 0); ok {
		c.GlobalRPSLimit = n
	}
	c.NamespaceRPS = p.namespaceRPS()
	poll := p.str("long-poll-interval")
	if d, err := time.ParseDuration(poll); err != nil || d <= 0 {
		p.fail("long-poll-interval", poll, "must be a positive duration such as 50s or 1m")
	} else {
		c.LongPollInterval = d
	}
	c.DBName = p.dbName("db-name")
	c.VisibilityDBName = p.dbName("visibility-db-name")
	if c.DBName != "" && c.DBName == c.VisibilityDBName {
		p.fail("visibility-db-name", c.VisibilityDBName, "must differ from db-name")
	}
	roles := strings.ReplaceAll(p.str("db-extra-user-roles"), " ", "")
	if !rolesRE.MatchString(roles) {
		p.fail("db-extra-user-roles", roles, "must be a comma-separated list of role names")
	}
	c.DBExtraUserRoles = roles
	return c, p.problems
}

func (p *parser) services() []string {
	raw := p.str("services")
	seen := map[string]bool{}
	for _, s := range strings.Split(raw, ",") {
		s = strings.ToLower(strings.TrimSpace(s))
		if s == "" {
			continue
		}
		known := false
		for _, k := range AllServices {
			known = known || k == s
		}
		if !known {
			p.fail("services", raw, "unknown service %q; valid services are %s", s, strings.Join(AllServices, ", "))
			return nil
		}
		seen[s] = true
	}
	if len(seen) == 0 {
		p.fail("services", raw, "must name at least one of %s", strings.Join(AllServices, ", "))
		return nil
	}
	var out []string
	for _, k := range AllServices {
		if seen[k] {
			out = append(out, k)
		}
	}
	return out
}

func (p *parser) pool(prefix string) Pool {
	var pool Pool
	if n, ok := p.integer(prefix+"-max-conns", 1); ok {
		pool.MaxConns = n
	}
	if n, ok := p.integer(prefix+"-max-idle-conns", 1); ok {
		pool.MaxIdleConns = n
	}
	t := p.str(prefix + "-max-conn-time")
	if !connTimeRE.MatchString(t) {
		p.fail(prefix+"-max-conn-time", t, "must be a whole number of seconds, minutes or hours, e.g. 1h")
	}
	pool.MaxConnLifetime = t
	return pool
}

func (p *parser) namespaceRPS() []NamespaceRPS {
	raw := p.str("namespace-rps-limit")
	if strings.TrimSpace(raw) == "" {
		return nil
	}
	limits := map[string]int{}
	for _, pair := range strings.Split(raw, "|") {
		ns, val, ok := strings.Cut(strings.TrimSpace(pair), ":")
		ns = strings.TrimSpace(ns)
		n, err := strconv.Atoi(strings.TrimSpace(val))
		if !ok || !nsRE.MatchString(ns) || err != nil || n < 0 {
			p.fail("namespace-rps-limit", raw, "%q is not <namespace>:<non-negative integer>; separate pairs with |", pair)
			return nil
		}
		if _, dup := limits[ns]; dup {
			p.fail("namespace-rps-limit", raw, "namespace %q appears twice", ns)
			return nil
		}
		limits[ns] = n
	}
	out := make([]NamespaceRPS, 0, len(limits))
	for ns, n := range limits {
		out = append(out, NamespaceRPS{Namespace: ns, Limit: n})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Namespace < out[j].Namespace })
	return out
}

func (p *parser) dbName(option string) string {
	name := p.str(option)
	if !dbNameRE.MatchString(name) {
		p.fail(option, name, "must be a PostgreSQL database name of 1-63 letters, digits, _, $ or -, not starting with a digit")
		return ""
	}
	return name
}

// Has reports whether the service list includes s.
func (c Config) Has(s string) bool {
	for _, x := range c.Services {
		if x == s {
			return true
		}
	}
	return false
}
