package grafana_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/ulikunitz/xz"

	grafana "github.com/temporal-k8s/temporal-k8s/tests/localmodel/charms/grafana-k8s"
)

func envelope(t *testing.T, dashboard string) string {
	var b bytes.Buffer
	w, err := xz.NewWriter(&b)
	require.NoError(t, err)
	_, err = w.Write([]byte(dashboard))
	require.NoError(t, err)
	require.NoError(t, w.Close())
	out, err := json.Marshal(map[string]any{"templates": map[string]any{"file:d.json": map[string]any{
		"charm": "c", "content": base64.StdEncoding.EncodeToString(b.Bytes()), "dashboard_alt_uid": "ab",
	}}, "uuid": "x"})
	require.NoError(t, err)
	return string(out)
}

func TestDecode(t *testing.T) {
	t.Parallel()
	ds, err := grafana.Decode(envelope(t, `{"uid": "u", "title": "T", "panels": [{"type": "row", "title": "R"}, {"type": "timeseries", "title": "P", "targets": [{"expr": "up"}]}]}`))
	require.NoError(t, err)
	require.Equal(t, []grafana.Dashboard{{Key: "file:d.json", UID: "u", AltUID: "ab", Title: "T", Queries: []string{"up"}}}, ds)

	for name, bad := range map[string]string{
		"no uid":             `{"title": "T", "panels": [{"type": "timeseries", "targets": [{"expr": "up"}]}]}`,
		"no target":          `{"uid": "u", "title": "T", "panels": [{"type": "timeseries", "title": "P"}]}`,
		"target without one": `{"uid": "u", "title": "T", "panels": [{"type": "timeseries", "title": "P", "targets": [{}]}]}`,
		"not JSON":           `{`,
	} {
		_, err := grafana.Decode(envelope(t, bad))
		require.Error(t, err, name)
	}
	_, err = grafana.Decode(`{"templates": {"file:x": {"content": "bm90IHh6"}}}`)
	require.ErrorContains(t, err, "not an xz stream")
}
