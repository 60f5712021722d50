package loki_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	loki "github.com/temporal-k8s/temporal-k8s/tests/localmodel/charms/loki-k8s"
)

// The body Pebble 1.26's loki client sends (internals/overlord/logstate/
// loki/loki.go: lokiRequest), with the labels it adds.
const pebbleBody = `{"streams":[{"stream":{"pebble_service":"temporal-server","juju_unit":"temporal-k8s/0"},"values":[["1764547200000000000","{\"level\":\"info\",\"msg\":\"Started\"}"],["1764547200000000001","second"]]}]}`

func TestReceiverRecordsWhatPebbleSends(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(loki.NewReceiver(filepath.Join(t.TempDir(), "received.jsonl")))
	defer srv.Close()
	post := func(ct, body string) int {
		resp, err := http.Post(srv.URL+"/loki/api/v1/push", ct, strings.NewReader(body))
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	require.Equal(t, http.StatusNoContent, post("application/json; charset=utf-8", pebbleBody))
	require.Equal(t, http.StatusUnsupportedMediaType, post("application/x-protobuf", "x"))
	require.Equal(t, http.StatusBadRequest, post("application/json", "{"))
	require.Equal(t, http.StatusBadRequest, post("application/json", `{"streams":[{"stream":{},"values":[["soon","x"]]}]}`))

	resp, err := http.Get(srv.URL + "/received")
	require.NoError(t, err)
	defer resp.Body.Close()
	var got []loki.Entry
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&got))
	labels := map[string]string{"pebble_service": "temporal-server", "juju_unit": "temporal-k8s/0"}
	require.Equal(t, []loki.Entry{
		{Labels: labels, Time: "1764547200000000000", Line: `{"level":"info","msg":"Started"}`},
		{Labels: labels, Time: "1764547200000000001", Line: "second"},
	}, got)
}
