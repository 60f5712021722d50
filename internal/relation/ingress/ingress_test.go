package ingress_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/internal/relation/ingress"
)

// The databags as the library's pydantic models dump them (checked with
// LIBPATCH 21 under pydantic 2): every value JSON, the port a number.
func TestData(t *testing.T) {
	t.Parallel()
	require.Equal(t, map[string]string{"model": `"m"`, "name": `"temporal-k8s"`, "port": "7233", "scheme": `"h2c"`},
		ingress.AppData("m", "temporal-k8s", 7233, ingress.SchemeFor(false)))
	require.Equal(t, `"https"`, ingress.AppData("m", "t", 7233, ingress.SchemeFor(true))["scheme"])
	require.Equal(t, map[string]string{"host": `"t-0.t-endpoints.m.svc.cluster.local"`, "ip": `"10.1.2.3"`},
		ingress.UnitData("t-0.t-endpoints.m.svc.cluster.local", "10.1.2.3"))
}

func TestURL(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, raw, want, err string
	}{
		{"no answer yet", "", "", ""},
		{"subdomain routing", `{"url": "http://m-temporal-k8s.ingress.local/"}`, "http://m-temporal-k8s.ingress.local/", ""},
		{"path routing, TLS", `{"url":"https://10.1.0.9/m-temporal-k8s"}`, "https://10.1.0.9/m-temporal-k8s", ""},
		{"not JSON", `http://x/`, "", `cannot read the ingress provider's answer "http://x/": invalid character`},
		{"no url", `{}`, "", "not an http(s) URL"},
		{"not http", `{"url": "grpc://x:7233"}`, "", "not an http(s) URL"},
		{"no host", `{"url": "http:///p"}`, "", "not an http(s) URL"},
		{"unparsable", `{"url": "http://[::1"}`, "", "not an http(s) URL"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ingress.URL(map[string]string{ingress.URLKey: tt.raw, "other": "x"})
			if tt.err != "" {
				require.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}
