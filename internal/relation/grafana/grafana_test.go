package grafana

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
)

// The uids the library computes for the Python charm's dashboard
// (ecosystem.md, "grafana_dashboard").
func TestUIDsAreThePythonCharms(t *testing.T) {
	t.Parallel()
	require.Equal(t, "27a4a3aa101af45043bb94ae0b0801cabbf000cb", UID("temporal-k8s"))
	require.Equal(t, "9fdb329df2de3a34", AltUID("temporal-k8s"))
}

// unxz reads back what xz writes, checking every field the format
// defines (tukaani.org/xz/xz-file-format.txt). An independent decoder
// (Python's lzma, as Grafana's charm uses) reads it in the local model's
// grafana stand-in.
func unxz(t *testing.T, b []byte) []byte {
	t.Helper()
	require.Equal(t, []byte{0xFD, '7', 'z', 'X', 'Z', 0x00, 0x00, 0x01}, b[:8])
	require.Equal(t, crc32.ChecksumIEEE(b[6:8]), binary.LittleEndian.Uint32(b[8:12]))
	require.Equal(t, []byte{'Y', 'Z'}, b[len(b)-2:])
	hsize := (int(b[12]) + 1) * 4
	h := b[12 : 12+hsize]
	require.Equal(t, crc32.ChecksumIEEE(h[:hsize-4]), binary.LittleEndian.Uint32(h[hsize-4:]))
	require.Equal(t, byte(0x21), h[2], "LZMA2")
	var out bytes.Buffer
	i := 12 + hsize
	for first := true; ; first = false {
		ctrl := b[i]
		if ctrl == 0x00 {
			i++
			break
		}
		if first {
			require.Equal(t, byte(0x01), ctrl, "the first chunk resets the dictionary")
		} else {
			require.Equal(t, byte(0x02), ctrl)
		}
		n := int(b[i+1])<<8 | int(b[i+2]) + 1
		out.Write(b[i+3 : i+3+n])
		i += 3 + n
	}
	for (i-12)%4 != 0 {
		require.Zero(t, b[i], "block padding")
		i++
	}
	require.Equal(t, crc32.ChecksumIEEE(out.Bytes()), binary.LittleEndian.Uint32(b[i:i+4]))
	return out.Bytes()
}

func TestXZ(t *testing.T) {
	t.Parallel()
	big := bytes.Repeat([]byte("temporal "), 20000)
	for _, in := range [][]byte{[]byte(`{"a": 1}`), big, {}} {
		require.Equal(t, string(in), string(unxz(t, xz(in))))
	}
}

// The dashboard: valid JSON with the library's uid, a row per service and
// the topology in every query; no application named.
func TestDashboard(t *testing.T) {
	t.Parallel()
	data := AppData(juju.Topology{Model: "m", ModelUUID: "u", App: "temporal-k8s-history", Unit: "temporal-k8s-history/0", Charm: "temporal-k8s"})
	var d struct {
		Templates map[string]struct {
			Content string `json:"content"`
		} `json:"templates"`
	}
	require.NoError(t, json.Unmarshal([]byte(data["dashboards"]), &d))
	raw, err := base64.StdEncoding.DecodeString(d.Templates["file:temporal-monitoring.json"].Content)
	require.NoError(t, err)
	var dash struct {
		UID    string `json:"uid"`
		Panels []struct {
			Type    string `json:"type"`
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	content := unxz(t, raw)
	require.NoError(t, json.Unmarshal(content, &dash))
	require.Equal(t, "27a4a3aa101af45043bb94ae0b0801cabbf000cb", dash.UID)
	var rows []string
	for _, p := range dash.Panels {
		if p.Type == "row" {
			rows = append(rows, p.Title)
			continue
		}
		require.NotEmpty(t, p.Targets, p.Title)
		for _, tg := range p.Targets {
			require.Equal(t, strings.Count(tg.Expr, "{"), strings.Count(tg.Expr, `{juju_model=~"$juju_model",juju_model_uuid=~"$juju_model_uuid",juju_application=~"$juju_application",juju_unit=~"$juju_unit"`), tg.Expr)
		}
	}
	require.Equal(t, []string{"Overview", "Frontend", "History", "Matching", "Worker", "Persistence"}, rows)
	require.NotContains(t, string(content), "temporal-k8s-history", "no application named")
	require.False(t, strings.Contains(string(content), `juju_application="`), "no application named")
}
