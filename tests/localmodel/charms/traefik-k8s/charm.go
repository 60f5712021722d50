package traefik

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/charms/internal/catransfer"
	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/charms/internal/nginx"
	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/charms/internal/relations"
	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/charms/internal/workload"
)

// CAFile is where the CAs received on receive-ca-cert go.
const CAFile = nginx.Dir + "/ca.pem"

// Charm handles one event.
type Charm struct{ *workload.Charm }

// Dispatch runs the event named by the environment.
func Dispatch(ctx context.Context, getenv func(string) string) error {
	return workload.Dispatch(ctx, getenv, ContainerName, func(ctx context.Context, w *workload.Charm) error {
		return (&Charm{w}).reconcile(ctx)
	})
}

// answer is what the leader publishes on one relation: the URL, or
// nothing for a request that is not valid.
type answer struct {
	relID, url string
}

func (c *Charm) reconcile(ctx context.Context) error {
	cfg, err := c.Juju.ConfigGet(ctx)
	if err != nil {
		return err
	}
	mode := Mode(fmt.Sprint(cfg["routing_mode"]))
	if mode != PathMode && mode != SubdomainMode {
		return c.Status(ctx, juju.StatusBlocked, fmt.Sprintf("invalid routing_mode %q: path or subdomain", mode))
	}
	external, _ := cfg["external_hostname"].(string)
	if external == "" {
		if external, err = c.Juju.BindAddress(ctx, Endpoint); err != nil {
			return err
		}
	}
	var files []nginx.File
	caFile := ""
	if pems, err := catransfer.Received(ctx, c.Juju, c.Event, CAEndpoint); err != nil {
		return err
	} else if len(pems) > 0 {
		caFile = CAFile
		files = append(files, nginx.File{Path: CAFile, Content: strings.Join(pems, "\n")})
	}
	ids, err := relations.Live(ctx, c.Juju, c.Event, Endpoint)
	if err != nil {
		return err
	}
	var routes []nginx.Route
	var answers []answer
	var notes []string
	for _, id := range ids {
		appData, units, err := c.requestData(ctx, id)
		if err != nil {
			return err
		}
		req, err := ParseRequest(appData, units)
		if err != nil {
			// The library's provider logs and routes nothing.
			_ = c.Juju.Log(ctx, "WARNING", fmt.Sprintf("invalid data shared through %s: %v", id, err))
			notes = append(notes, fmt.Sprintf("no route for %s: %v", id, err))
			answers = append(answers, answer{relID: id})
			continue
		}
		route, url := req.Route(mode, external, caFile)
		routes = append(routes, route)
		answers = append(answers, answer{relID: id, url: url})
	}
	if !c.Container.Ready() {
		return c.Status(ctx, juju.StatusWaiting, "waiting for Pebble in the "+ContainerName+" container")
	}
	if err := nginx.Apply(ctx, c.Container, nginx.Render(routes), files); err != nil {
		return c.Status(ctx, juju.StatusBlocked, err.Error())
	}
	if err := c.Juju.OpenPort(ctx, juju.Port{Number: nginx.HTTPPort, Protocol: "tcp"}); err != nil {
		return err
	}
	leader, err := c.Juju.IsLeader(ctx)
	if err != nil {
		return err
	}
	if leader {
		for _, a := range answers {
			value := ""
			if a.url != "" {
				b, _ := json.Marshal(map[string]string{"url": a.url})
				value = string(b)
			}
			if err := c.Juju.RelationSet(ctx, a.relID, true, map[string]string{URLKey: value}); err != nil {
				return err
			}
		}
	}
	sort.Strings(notes)
	return c.Status(ctx, juju.StatusActive, strings.Join(notes, "; "))
}

// requestData reads one requirer's app data and the data of each of its
// units.
func (c *Charm) requestData(ctx context.Context, relID string) (map[string]string, map[string]map[string]string, error) {
	appData, err := relations.RemoteAppData(ctx, c.Juju, relID)
	if err != nil {
		return nil, nil, err
	}
	names, err := c.Juju.RelationList(ctx, relID)
	if err != nil {
		return nil, nil, err
	}
	units := map[string]map[string]string{}
	for _, u := range names {
		if units[u], err = c.Juju.RelationGet(ctx, relID, u, false); err != nil {
			return nil, nil, err
		}
	}
	return appData, units, nil
}
