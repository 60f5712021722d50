package config_test

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/internal/config"
)

func TestParseDefaults(t *testing.T) {
	t.Parallel()
	c, problems := config.Parse(nil)
	require.Empty(t, problems)
	require.Equal(t, config.Config{
		Services:         []string{"frontend", "history", "matching", "worker"},
		NumHistoryShards: 512,
		LogLevel:         "info",
		Persistence:      config.Pool{MaxConns: 20, MaxIdleConns: 20, MaxConnLifetime: "1h"},
		Visibility:       config.Pool{MaxConns: 10, MaxIdleConns: 10, MaxConnLifetime: "1h"},
		GlobalRPSLimit:   2000,
		LongPollInterval: 50 * time.Second,
		DBName:           "temporal-k8s_db",
		VisibilityDBName: "temporal-k8s_visibility",
		DBExtraUserRoles: "admin",
		TLSSecretName:    "temporal-tls",
	}, c)
}

func TestParseValid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		raw   map[string]any
		check func(t *testing.T, c config.Config)
	}{{
		name: "services are normalised to the documented order",
		raw:  map[string]any{"services": " Worker,frontend ,worker"},
		check: func(t *testing.T, c config.Config) {
			require.Equal(t, []string{"frontend", "worker"}, c.Services)
		},
	}, {
		name: "bounds are inclusive",
		raw: map[string]any{
			"long-poll-interval": "1s", "persistence-max-conn-time": "1s", "visibility-max-conn-time": "168h",
			"global-rps-limit": json.Number("2147483647"), "namespace-rps-limit": "a:0|b:2147483647",
			"num-history-shards": json.Number("1"),
		},
		check: func(t *testing.T, c config.Config) {
			require.Equal(t, config.MinLongPollInterval, c.LongPollInterval)
			require.Equal(t, "1s", c.Persistence.MaxConnLifetime)
			require.Equal(t, "168h", c.Visibility.MaxConnLifetime)
			require.Equal(t, math.MaxInt32, c.GlobalRPSLimit)
			require.Equal(t, []config.NamespaceRPS{{Namespace: "a", Limit: 0}, {Namespace: "b", Limit: math.MaxInt32}}, c.NamespaceRPS)
			require.Equal(t, 1, c.NumHistoryShards)
		},
	}, {
		name: "upper bound of the long poll",
		raw:  map[string]any{"long-poll-interval": "1m"},
		check: func(t *testing.T, c config.Config) {
			require.Equal(t, config.MaxLongPollInterval, c.LongPollInterval)
		},
	}, {
		name: "whole floats, as a JSON decoder without UseNumber yields",
		raw:  map[string]any{"num-history-shards": float64(4), "global-rps-limit": float64(math.MaxInt32)},
		check: func(t *testing.T, c config.Config) {
			require.Equal(t, 4, c.NumHistoryShards)
			require.Equal(t, math.MaxInt32, c.GlobalRPSLimit)
		},
	}, {
		name: "empty list entries are skipped, not the end",
		raw:  map[string]any{"services": "frontend, ,history", "db-extra-user-roles": "admin, ,createdb"},
		check: func(t *testing.T, c config.Config) {
			require.Equal(t, []string{"frontend", "history"}, c.Services)
			require.Equal(t, "admin,createdb", c.DBExtraUserRoles)
		},
	}, {
		name: "null is absent",
		raw:  map[string]any{"log-level": nil, "num-history-shards": nil},
		check: func(t *testing.T, c config.Config) {
			require.Equal(t, "info", c.LogLevel)
			require.Equal(t, 512, c.NumHistoryShards)
		},
	}, {
		name: "json numbers from config-get",
		raw:  map[string]any{"num-history-shards": json.Number("4"), "global-rps-limit": json.Number("0")},
		check: func(t *testing.T, c config.Config) {
			require.Equal(t, 4, c.NumHistoryShards)
			require.Equal(t, 0, c.GlobalRPSLimit)
		},
	}, {
		name: "namespace limits sorted",
		raw:  map[string]any{"namespace-rps-limit": "zeta:5| alpha:100"},
		check: func(t *testing.T, c config.Config) {
			require.Equal(t, []config.NamespaceRPS{{Namespace: "alpha", Limit: 100}, {Namespace: "zeta", Limit: 5}}, c.NamespaceRPS)
		},
	}, {
		name: "incumbent log levels map onto Temporal's",
		raw:  map[string]any{"log-level": "WARNING"},
		check: func(t *testing.T, c config.Config) {
			require.Equal(t, "warn", c.LogLevel)
		},
	}, {
		name: "durations as the server parses them, kept as written",
		raw:  map[string]any{"persistence-max-conn-time": "1h30m", "visibility-max-conn-time": "90s", "long-poll-interval": "1m"},
		check: func(t *testing.T, c config.Config) {
			require.Equal(t, "1h30m", c.Persistence.MaxConnLifetime)
			require.Equal(t, "90s", c.Visibility.MaxConnLifetime)
			require.Equal(t, time.Minute, c.LongPollInterval)
		},
	}, {
		name: "roles postgresql-k8s accepts",
		raw:  map[string]any{"db-extra-user-roles": " createdb, pg_read_all_data ,CREATEROLE"},
		check: func(t *testing.T, c config.Config) {
			require.Equal(t, "createdb,pg_read_all_data,CREATEROLE", c.DBExtraUserRoles)
		},
	}, {
		name: "no extra roles",
		raw:  map[string]any{"db-extra-user-roles": ""},
		check: func(t *testing.T, c config.Config) {
			require.Empty(t, c.DBExtraUserRoles)
		},
	}, {
		name: "PostgreSQL 16 role and no roles",
		raw:  map[string]any{"db-extra-user-roles": "charmed_admin"},
		check: func(t *testing.T, c config.Config) {
			require.Equal(t, "charmed_admin", c.DBExtraUserRoles)
		},
	}, {
		name: "certificate names at their limits, spaces in a common name, empty items skipped",
		raw: map[string]any{"frontend-cert-common-name": "Temporal " + strings.Repeat("a", config.MaxCommonName-9),
			"frontend-cert-sans-dns": "x.example,," + strings.Repeat("a", 63) + "." + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 61)},
		check: func(t *testing.T, c config.Config) {
			require.Len(t, c.FrontendCertCommonName, config.MaxCommonName)
			require.Len(t, c.FrontendCertSANsDNS, 2)
			require.Len(t, c.FrontendCertSANsDNS[1], 253)
		},
	}, {
		name: "certificate names, trimmed, each once",
		raw:  map[string]any{"frontend-cert-common-name": " temporal.example.com ", "frontend-cert-sans-dns": "temporal.example.com, *.temporal.example.com,,temporal.example.com"},
		check: func(t *testing.T, c config.Config) {
			require.Equal(t, "temporal.example.com", c.FrontendCertCommonName)
			require.Equal(t, []string{"temporal.example.com", "*.temporal.example.com"}, c.FrontendCertSANsDNS)
		},
	}, {
		name: "ingress names, trimmed, at their limits",
		raw: map[string]any{
			"external-hostname": " " + strings.Repeat("a", 63) + "." + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 61) + " ",
			"tls-secret-name":   "a" + strings.Repeat("-", 249) + "b.z",
		},
		check: func(t *testing.T, c config.Config) {
			require.Len(t, c.ExternalHostname, 253)
			require.Len(t, c.TLSSecretName, 253)
		},
	}, {
		name: "no TLS secret, a one-letter host",
		raw:  map[string]any{"tls-secret-name": "", "external-hostname": "t"},
		check: func(t *testing.T, c config.Config) {
			require.Empty(t, c.TLSSecretName)
			require.Equal(t, "t", c.ExternalHostname)
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, problems := config.Parse(tt.raw)
			require.Empty(t, problems)
			tt.check(t, c)
		})
	}
}

func TestParseInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		option string
		value  any
		want   string
	}{
		{"services", "frontend,ui", `invalid services "frontend,ui": unknown service "ui"`},
		{"services", " , ", `invalid services " , ": must name at least one`},
		{"num-history-shards", json.Number("100"), `invalid num-history-shards "100": must be a power of 2`},
		{"num-history-shards", json.Number("0"), `invalid num-history-shards "0": must be between 1`},
		{"num-history-shards", json.Number("-4"), `invalid num-history-shards "-4"`},
		{"num-history-shards", json.Number("99999999999"), `invalid num-history-shards "99999999999"`},
		{"num-history-shards", "lots", `invalid num-history-shards "lots": must be an integer`},
		{"log-level", "verbose", `invalid log-level "verbose": must be one of`},
		{"persistence-max-conns", json.Number("0"), `invalid persistence-max-conns "0"`},
		{"visibility-max-idle-conns", json.Number("-1"), `invalid visibility-max-idle-conns "-1"`},
		{"persistence-max-conn-time", "1d", `invalid persistence-max-conn-time "1d"`},
		{"visibility-max-conn-time", "0h", `invalid visibility-max-conn-time "0h"`},
		{"global-rps-limit", json.Number("-1"), `invalid global-rps-limit "-1"`},
		{"namespace-rps-limit", "default", `invalid namespace-rps-limit "default": "default" is not <namespace>:<non-negative integer>`},
		{"namespace-rps-limit", "a:1|a:2", `invalid namespace-rps-limit "a:1|a:2": namespace "a" appears twice`},
		{"namespace-rps-limit", "a:-1", `invalid namespace-rps-limit "a:-1"`},
		{"long-poll-interval", "soon", `invalid long-poll-interval "soon"`},
		{"long-poll-interval", "-5s", `invalid long-poll-interval "-5s"`},
		{"db-name", "drop table;", `invalid db-name "drop table;"`},
		{"visibility-db-name", "temporal-k8s_db", `invalid visibility-db-name "temporal-k8s_db": must differ from db-name`},
		{"db-extra-user-roles", "admin;evil", `invalid db-extra-user-roles "admin;evil"`},
		{"services", json.Number("3"), `invalid services "3": must be a string`},
		// Values the server cannot parse or should not run with.
		{"persistence-max-conn-time", "99999999999h", `invalid persistence-max-conn-time "99999999999h": must be a duration from 1s to 168h0m0s`},
		{"visibility-max-conn-time", "500ms", `invalid visibility-max-conn-time "500ms"`},
		{"long-poll-interval", "1ns", `invalid long-poll-interval "1ns": must be a duration from 1s to 1m0s`},
		{"long-poll-interval", "2m", `invalid long-poll-interval "2m"`},
		{"namespace-rps-limit", "a:99999999999", `invalid namespace-rps-limit "a:99999999999"`},
		// Roles as postgresql-k8s checks them: an unknown one would block
		// the provider instead of this unit.
		{"db-extra-user-roles", "nosuchrole", `invalid db-extra-user-roles "nosuchrole": unknown role "nosuchrole": postgresql-k8s accepts admin, charmed_admin`},
		{"db-extra-user-roles", "admin,pg_Evil", `unknown role "pg_Evil"`},
		// Floats, as a JSON decoder without UseNumber yields them.
		{"num-history-shards", 4.5, `invalid num-history-shards "4.5": must be an integer`},
		{"global-rps-limit", 1e10, `invalid global-rps-limit "1e+10": must be an integer`},
		{"global-rps-limit", float64(-1), `invalid global-rps-limit "-1": must be between 0`},
		{"global-rps-limit", json.Number("2147483648"), `must be between 0 and 2147483647`},
		{"persistence-max-conns", []int{1}, `invalid persistence-max-conns "[1]": must be an integer`},
		{"namespace-rps-limit", "bad ns:5", `invalid namespace-rps-limit "bad ns:5"`},
		{"namespace-rps-limit", "a:2147483648", `invalid namespace-rps-limit "a:2147483648"`},
		{"persistence-max-conn-time", "168h1s", `invalid persistence-max-conn-time "168h1s"`},
		{"long-poll-interval", "999ms", `invalid long-poll-interval "999ms"`},
		// Certificate names a CA would refuse to sign, or a client to match.
		{"frontend-cert-common-name", strings.Repeat("a", 65), `invalid frontend-cert-common-name "aaaa`},
		{"frontend-cert-common-name", "a\nb", `must not hold control characters`},
		{"frontend-cert-sans-dns", "temporal.example.com, bad name", `invalid frontend-cert-sans-dns "temporal.example.com, bad name": "bad name" is not a DNS name`},
		{"frontend-cert-sans-dns", "-lead.example.com", `"-lead.example.com" is not a DNS name`},
		{"frontend-cert-sans-dns", "a..b", `"a..b" is not a DNS name`},
		{"frontend-cert-sans-dns", strings.Repeat("a", 63) + "." + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 62), `is not a DNS name`},
		// Hosts and secret names Kubernetes would refuse in an Ingress.
		{"external-hostname", "Temporal.example.com", `invalid external-hostname "Temporal.example.com": must be a lower-case DNS name`},
		{"external-hostname", "*.example.com", `must be a lower-case DNS name`},
		{"external-hostname", "a..b", `must be a lower-case DNS name`},
		{"external-hostname", "a.b-", `must be a lower-case DNS name`},
		{"external-hostname", strings.Repeat("a", 64), `must be a lower-case DNS name`},
		{"external-hostname", strings.Repeat("a", 63) + "." + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 62), `must be a lower-case DNS name`},
		{"tls-secret-name", "Temporal-TLS", `invalid tls-secret-name "Temporal-TLS": must be a Kubernetes secret name`},
		{"tls-secret-name", "-tls", `must be a Kubernetes secret name`},
		{"tls-secret-name", "tls.", `must be a Kubernetes secret name`},
		{"tls-secret-name", "tls_secret", `must be a Kubernetes secret name`},
		{"tls-secret-name", "a..b", `must be a Kubernetes secret name`},
		{"tls-secret-name", "a" + strings.Repeat("-", 250) + "b.z", `must be a Kubernetes secret name`},
		{"tls-secret-name", "a-.z", `must be a Kubernetes secret name`},
	}
	for _, tt := range tests {
		t.Run(tt.option+"="+strings.ReplaceAll(tt.want, "/", "_"), func(t *testing.T) {
			t.Parallel()
			c, problems := config.Parse(map[string]any{tt.option: tt.value})
			require.Len(t, problems, 1)
			require.Equal(t, tt.option, problems[0].Option)
			require.Contains(t, problems[0].String(), tt.want)
			// The invalid value yields no value: every field is its
			// default or empty, so nothing of it can be published.
			defaults, _ := config.Parse(nil)
			requireDefaultOrZero(t, tt.option, "Config", reflect.ValueOf(c), reflect.ValueOf(defaults))
		})
	}
}

// requireDefaultOrZero checks every field, into nested structs, holds its
// default or its zero value.
func requireDefaultOrZero(t *testing.T, option, path string, got, def reflect.Value) {
	t.Helper()
	if got.Kind() == reflect.Struct {
		for i := range got.NumField() {
			requireDefaultOrZero(t, option, path+"."+got.Type().Field(i).Name, got.Field(i), def.Field(i))
		}
		return
	}
	require.True(t, got.IsZero() || reflect.DeepEqual(got.Interface(), def.Interface()),
		"%s holds %v from an invalid %s", path, got.Interface(), option)
}

func TestProblemTruncatesLongValues(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 5000) // 10 kB, two bytes a rune
	_, problems := config.Parse(map[string]any{"log-level": long})
	require.Len(t, problems, 1)
	msg := problems[0].String()
	require.Less(t, len(msg), 200, msg)
	require.Contains(t, msg, "(10000 bytes)")
	require.True(t, utf8.ValidString(msg))
	require.Equal(t, "short", config.Truncate("short"))
}

func TestTruncate(t *testing.T) {
	t.Parallel()
	exact := strings.Repeat("x", config.MaxValueLen)
	require.Equal(t, exact, config.Truncate(exact))
	require.Equal(t, exact+"… (65 bytes)", config.Truncate(exact+"y"))
	// Three-byte runes: byte 64 is inside one, so the cut goes back to 63.
	euros := strings.Repeat("€", 30)
	require.Equal(t, strings.Repeat("€", 21)+"… (90 bytes)", config.Truncate(euros))
	// Not UTF-8 at all: no rune starts anywhere, and the cut stops at 0.
	require.Equal(t, "… (100 bytes)", config.Truncate(strings.Repeat("\x80", 100)))
}

func TestParseReportsEveryProblem(t *testing.T) {
	t.Parallel()
	_, problems := config.Parse(map[string]any{"log-level": "loud", "num-history-shards": json.Number("3")})
	require.Len(t, problems, 2)
}

// FuzzParse feeds arbitrary strings and numbers to every option: parsing
// must never panic, and a value it accepts must be within its bounds.
func FuzzParse(f *testing.F) {
	f.Add("frontend", "512", "info", "a:1|b:2", "50s", "1h", "temporal-k8s_db")
	f.Add("", "-1", "", "::", "0", "1d", "")
	f.Fuzz(func(t *testing.T, services, shards, level, nsrps, poll, conntime, db string) {
		raw := map[string]any{
			"services":                  services,
			"num-history-shards":        json.Number(shards),
			"log-level":                 level,
			"namespace-rps-limit":       nsrps,
			"long-poll-interval":        poll,
			"persistence-max-conn-time": conntime,
			"visibility-max-conns":      shards,
			"db-name":                   db,
		}
		c, problems := config.Parse(raw)
		for _, p := range problems {
			require.NotEmpty(t, p.Option)
			require.True(t, strings.HasPrefix(p.String(), "invalid "+p.Option+" "))
		}
		if len(problems) == 0 {
			require.NotEmpty(t, c.Services)
			require.Positive(t, c.NumHistoryShards)
			require.Zero(t, c.NumHistoryShards&(c.NumHistoryShards-1))
			require.GreaterOrEqual(t, c.LongPollInterval, config.MinLongPollInterval)
			require.LessOrEqual(t, c.LongPollInterval, config.MaxLongPollInterval)
			d, err := time.ParseDuration(c.Persistence.MaxConnLifetime)
			require.NoError(t, err)
			require.GreaterOrEqual(t, d, config.MinConnLifetime)
			require.LessOrEqual(t, d, config.MaxConnLifetime)
		}
	})
}
