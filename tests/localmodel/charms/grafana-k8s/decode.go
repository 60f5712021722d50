package grafana

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/ulikunitz/xz"
)

// Dashboard is what the stand-in checks of a decoded dashboard.
type Dashboard struct {
	Key     string
	UID     string
	AltUID  string
	Title   string
	Queries []string
}

// Decode reads a provider's dashboards app key as Grafana's charm does.
func Decode(raw string) ([]Dashboard, error) {
	var d struct {
		Templates map[string]struct {
			Charm           string `json:"charm"`
			Content         string `json:"content"`
			DashboardAltUID string `json:"dashboard_alt_uid"`
		} `json:"templates"`
	}
	if err := json.Unmarshal([]byte(raw), &d); err != nil {
		return nil, fmt.Errorf("cannot parse dashboards: %w", err)
	}
	keys := make([]string, 0, len(d.Templates))
	for k := range d.Templates {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []Dashboard
	for _, k := range keys {
		t := d.Templates[k]
		compressed, err := base64.StdEncoding.DecodeString(t.Content)
		if err != nil {
			return nil, fmt.Errorf("%s: cannot decode base64: %w", k, err)
		}
		r, err := xz.NewReader(bytes.NewReader(compressed))
		if err != nil {
			return nil, fmt.Errorf("%s: not an xz stream: %w", k, err)
		}
		content, err := io.ReadAll(r)
		if err != nil {
			return nil, fmt.Errorf("%s: cannot decompress: %w", k, err)
		}
		var dash struct {
			UID    string `json:"uid"`
			Title  string `json:"title"`
			Panels []struct {
				Type    string `json:"type"`
				Title   string `json:"title"`
				Targets []struct {
					Expr string `json:"expr"`
				} `json:"targets"`
			} `json:"panels"`
		}
		if err := json.Unmarshal(content, &dash); err != nil {
			return nil, fmt.Errorf("%s: not JSON: %w", k, err)
		}
		if dash.UID == "" || dash.Title == "" || len(dash.Panels) == 0 {
			return nil, fmt.Errorf("%s: a dashboard needs a uid, a title and panels", k)
		}
		db := Dashboard{Key: k, UID: dash.UID, AltUID: t.DashboardAltUID, Title: dash.Title}
		for _, p := range dash.Panels {
			if p.Type == "row" {
				continue
			}
			if len(p.Targets) == 0 {
				return nil, fmt.Errorf("%s: panel %q has no target", k, p.Title)
			}
			for _, tg := range p.Targets {
				if tg.Expr == "" {
					return nil, fmt.Errorf("%s: panel %q has a target without an expression", k, p.Title)
				}
				db.Queries = append(db.Queries, tg.Expr)
			}
		}
		out = append(out, db)
	}
	if len(out) == 0 {
		return nil, errors.New("no dashboard template")
	}
	return out, nil
}
