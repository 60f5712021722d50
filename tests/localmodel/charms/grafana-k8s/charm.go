// Package grafana is a stand-in for the grafana-k8s charm, for the local
// model: the requirer side of grafana_dashboard, decoding what it gets.
package grafana

import (
	"context"
	"fmt"
	"strings"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
)

// Endpoint is the requires endpoint in metadata.yaml.
const Endpoint = "grafana-dashboard"

// Dispatch runs the event named by the environment.
func Dispatch(ctx context.Context, getenv func(string) string) error {
	ev, err := juju.ParseEvent(getenv)
	if err != nil {
		return err
	}
	c := juju.NewClient(juju.ExecRunner{})
	switch ev.Kind {
	case juju.Stop, juju.Remove:
		return nil
	case juju.Action:
		if ev.Name != "get-dashboards" {
			return c.ActionFail(ctx, fmt.Sprintf("unknown action %q", ev.Name))
		}
	}
	dashboards, bad, err := read(ctx, c, ev)
	if err != nil {
		return err
	}
	if ev.Kind == juju.Action {
		res := map[string]string{"count": fmt.Sprint(len(dashboards))}
		var queries []string
		for i, d := range dashboards {
			res[fmt.Sprintf("uid-%d", i)] = d.UID
			res[fmt.Sprintf("alt-uid-%d", i)] = d.AltUID
			res[fmt.Sprintf("title-%d", i)] = d.Title
			queries = append(queries, d.Queries...)
		}
		res["queries"] = strings.Join(queries, "\n")
		if err := c.ActionSet(ctx, res); err != nil {
			return err
		}
		if len(bad) > 0 {
			return c.ActionFail(ctx, strings.Join(bad, "; "))
		}
		return nil
	}
	if len(bad) > 0 {
		return c.StatusSet(ctx, juju.Status{Name: juju.StatusBlocked, Message: "invalid dashboards: " + strings.Join(bad, "; ")}, false)
	}
	return c.StatusSet(ctx, juju.Status{Name: juju.StatusActive, Message: fmt.Sprintf("%d dashboards", len(dashboards))}, false)
}

// read decodes every related application's dashboards; bad names each
// that does not decode.
func read(ctx context.Context, c *juju.Client, ev juju.Event) (dashboards []Dashboard, bad []string, err error) {
	ids, err := c.RelationIDs(ctx, Endpoint)
	if err != nil {
		return nil, nil, err
	}
	for _, id := range ids {
		if ev.Kind == juju.RelationBroken && id == ev.RelationID {
			continue
		}
		app, err := c.RelationApp(ctx, id)
		if err != nil {
			return nil, nil, err
		}
		data, err := c.RelationGet(ctx, id, app, true)
		if err != nil {
			return nil, nil, err
		}
		if data["dashboards"] == "" {
			continue
		}
		ds, err := Decode(data["dashboards"])
		if err != nil {
			bad = append(bad, app+": "+err.Error())
			continue
		}
		dashboards = append(dashboards, ds...)
	}
	return dashboards, bad, nil
}
