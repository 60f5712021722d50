// Package config turns the charm's options, as config-get reports them, into
// typed values. Every invalid value becomes a Problem naming the option and
// the value, so the charm can block with a message instead of failing.
package config

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Service names the charm can run, in the order Temporal documents them.
const (
	Frontend = "frontend"
	History  = "history"
	Matching = "matching"
	Worker   = "worker"
)

// AllServices are the services, in the order Temporal documents them.
var AllServices = []string{Frontend, History, Matching, Worker}

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
	// FrontendCertCommonName and FrontendCertSANsDNS are what the
	// frontend's certificate request asks for; empty means the charm's
	// defaults (the unit's FQDN; the application's Service name).
	FrontendCertCommonName string
	FrontendCertSANsDNS    []string
	// ExternalHostname is the host nginx-route asks the integrator to
	// route to the frontend; empty means the application's name, as the
	// Python charm asks. TLSSecretName is the Kubernetes secret that
	// route's TLS names; empty for none.
	ExternalHostname string
	TLSSecretName    string
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
	return fmt.Sprintf("invalid %s %q: %s", p.Option, Truncate(p.Value), p.Reason)
}

// MaxValueLen bounds how much of a value a status message quotes: a status
// names the bad value, it does not echo kilobytes of it.
const MaxValueLen = 64

// Truncate shortens s for a message, saying how long it really was.
func Truncate(s string) string {
	if len(s) <= MaxValueLen {
		return s
	}
	cut := MaxValueLen
	// Never split a UTF-8 sequence.
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d bytes)", s[:cut], len(s))
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
	"frontend-cert-common-name":  "",
	"frontend-cert-sans-dns":     "",
	"external-hostname":          "",
	"tls-secret-name":            "temporal-tls",
}

var logLevels = map[string]string{
	"debug": "debug", "info": "info", "warning": "warn", "warn": "warn",
	"error": "error", "critical": "fatal",
}

// Bounds of the durations, as the server parses them (time.ParseDuration).
const (
	// A connection lifetime under a second churns connections; over a week
	// it no longer protects against server-side idle limits.
	MinConnLifetime = time.Second
	MaxConnLifetime = 7 * 24 * time.Hour
	// Matching holds a poll this long before answering "no task". The
	// SDKs give a poll 70 s (their long-poll RPC timeout), so a longer
	// expiry makes every idle poll fail client-side; under a second the
	// pollers spin.
	MinLongPollInterval = time.Second
	MaxLongPollInterval = time.Minute
)

// ExtraUserRoles are the role names postgresql-k8s accepts in
// extra-user-roles (14 and 16), besides PostgreSQL's predefined pg_* roles:
// anything else blocks the provider, not us. 16 refuses admin, which
// cannot be known before it answers: README says to use charmed_admin.
var ExtraUserRoles = []string{"admin", "charmed_admin", "superuser", "createdb", "createrole"}

var (
	dbNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_$-]{0,62}$`)
	pgRoleRE = regexp.MustCompile(`^pg_[a-z_]+$`)
	nsRE     = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	// hostnameRE is a host an ingress rule names: DNS labels, no
	// wildcard, lower case as Kubernetes requires of an Ingress host.
	hostnameRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$`)
	// secretNameRE is a Kubernetes object name (a DNS-1123 subdomain).
	secretNameRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$`)
	// dnsNameRE is a DNS name as a certificate may name it: labels of
	// letters, digits and hyphens, a leading "*." allowed.
	dnsNameRE = regexp.MustCompile(`^(\*\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$`)
)

// MaxCommonName is X.509's upper bound on a common name (RFC 5280,
// ub-common-name): a longer one makes a CSR no CA signs.
const MaxCommonName = 64

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

// integer accepts what config-get can produce for an int option. An
// invalid value is a problem and yields 0: no value, which Parse keeps.
func (p *parser) integer(option string, min int) int {
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
		return 0
	}
	if n < int64(min) || n > math.MaxInt32 {
		p.fail(option, v, "must be between %d and %d", min, math.MaxInt32)
		return 0
	}
	return int(n)
}

// Parse validates raw option values; options missing from raw take their
// defaults. The returned Config is only meaningful when there are no
// problems.
func Parse(raw map[string]any) (Config, []Problem) {
	p := &parser{raw: raw}
	var c Config

	c.Services = p.services()
	// An invalid value yields no value, so that nothing can use or
	// publish it by mistake (0 from integer is a problem already).
	if n := p.integer("num-history-shards", 1); n&(n-1) != 0 {
		p.fail("num-history-shards", n, "must be a power of 2 (e.g. 512, 1024, 2048)")
	} else {
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
	c.GlobalRPSLimit = p.integer("global-rps-limit", 0)
	c.NamespaceRPS = p.namespaceRPS()
	_, c.LongPollInterval = p.duration("long-poll-interval", MinLongPollInterval, MaxLongPollInterval)
	c.DBName = p.dbName("db-name")
	c.VisibilityDBName = p.dbName("visibility-db-name")
	if c.DBName != "" && c.DBName == c.VisibilityDBName {
		p.fail("visibility-db-name", c.VisibilityDBName, "must differ from db-name")
		c.VisibilityDBName = ""
	}
	c.DBExtraUserRoles = p.roles()
	c.FrontendCertCommonName = p.commonName("frontend-cert-common-name")
	c.FrontendCertSANsDNS = p.dnsNames("frontend-cert-sans-dns")
	c.ExternalHostname = p.hostname("external-hostname")
	c.TLSSecretName = p.secretName("tls-secret-name")
	return c, p.problems
}

// duration parses a duration as the server does and keeps it in bounds;
// a value Go cannot hold (99999999999h) fails ParseDuration here rather
// than in the server.
// An invalid value is a problem and yields "" and 0.
func (p *parser) duration(option string, min, max time.Duration) (string, time.Duration) {
	raw := p.str(option)
	d, err := time.ParseDuration(raw)
	if err != nil || d < min || d > max {
		p.fail(option, raw, "must be a duration from %s to %s, such as %s", min, max, defaults[option])
		return "", 0
	}
	return raw, d
}

// roles accepts what postgresql-k8s accepts: the charm's role names and
// PostgreSQL's predefined pg_* roles, comma-separated.
func (p *parser) roles() string {
	raw := p.str("db-extra-user-roles")
	var out []string
	for _, r := range strings.Split(raw, ",") {
		r = strings.TrimSpace(r)
		if r == "" {
			continue
		}
		if !slices.Contains(ExtraUserRoles, strings.ToLower(r)) && !pgRoleRE.MatchString(r) {
			p.fail("db-extra-user-roles", raw, "unknown role %q: postgresql-k8s accepts %s or a predefined pg_* role", Truncate(r), strings.Join(ExtraUserRoles, ", "))
			return ""
		}
		out = append(out, r)
	}
	return strings.Join(out, ",")
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
	pool := Pool{
		MaxConns:     p.integer(prefix+"-max-conns", 1),
		MaxIdleConns: p.integer(prefix+"-max-idle-conns", 1),
	}
	// Kept as written: the server parses it the same way, and the
	// rendered file (so the restart hash) stays what earlier revisions wrote.
	pool.MaxConnLifetime, _ = p.duration(prefix+"-max-conn-time", MinConnLifetime, MaxConnLifetime)
	return pool
}

func (p *parser) namespaceRPS() []NamespaceRPS {
	raw := p.str("namespace-rps-limit")
	if strings.TrimSpace(raw) == "" {
		return nil
	}
	limits := map[string]int{}
	for _, pair := range strings.Split(raw, "|") {
		// A pair without ":" has no number, which Atoi refuses.
		ns, val, _ := strings.Cut(strings.TrimSpace(pair), ":")
		ns = strings.TrimSpace(ns)
		n, err := strconv.Atoi(strings.TrimSpace(val))
		if !nsRE.MatchString(ns) || err != nil || n < 0 || n > math.MaxInt32 {
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

// commonName is a certificate's common name: empty for the default, else
// at most MaxCommonName bytes of printable text.
func (p *parser) commonName(option string) string {
	raw := strings.TrimSpace(p.str(option))
	switch {
	case raw == "":
		return ""
	case len(raw) > MaxCommonName:
		p.fail(option, raw, "must be at most %d bytes", MaxCommonName)
		return ""
	case strings.ContainsFunc(raw, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		p.fail(option, raw, "must not hold control characters")
		return ""
	}
	return raw
}

// dnsNames is a comma-separated list of DNS names; empty for the default.
func (p *parser) dnsNames(option string) []string {
	raw := p.str(option)
	var out []string
	for _, n := range strings.Split(raw, ",") {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		if len(n) > 253 || !dnsNameRE.MatchString(n) {
			p.fail(option, raw, "%q is not a DNS name", Truncate(n))
			return nil
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// hostname is one host name for an ingress rule; empty for the default.
func (p *parser) hostname(option string) string {
	return p.name(option, hostnameRE, "must be a lower-case DNS name, such as temporal.example.com")
}

// secretName is a Kubernetes secret's name; empty for none.
func (p *parser) secretName(option string) string {
	return p.name(option, secretNameRE, "must be a Kubernetes secret name: lower-case letters, digits, '-' and '.', at most 253")
}

// name is a DNS-like name of at most 253 bytes that re matches; empty
// stays empty.
func (p *parser) name(option string, re *regexp.Regexp, want string) string {
	raw := strings.TrimSpace(p.str(option))
	if raw == "" {
		return ""
	}
	if len(raw) > 253 || !re.MatchString(raw) {
		p.fail(option, raw, "%s", want)
		return ""
	}
	return raw
}
