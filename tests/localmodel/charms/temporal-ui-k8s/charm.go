package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/canonical/pebble/client"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/charms/internal/catransfer"
	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/charms/internal/relations"
	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/charms/internal/workload"
)

// Charm handles one event.
type Charm struct {
	juju      *juju.Client
	event     juju.Event
	container *workload.Container
}

// Dispatch runs the event named by the environment.
func Dispatch(ctx context.Context, getenv func(string) string) error {
	ev, container, err := workload.Hook(getenv, ContainerName)
	if err != nil {
		return err
	}
	c := &Charm{juju: juju.NewClient(juju.ExecRunner{}), event: ev, container: container}
	return c.run(ctx)
}

func (c *Charm) run(ctx context.Context) error {
	switch c.event.Kind {
	case juju.Stop, juju.Remove:
		return nil
	case juju.Action:
		return c.juju.ActionFail(ctx, fmt.Sprintf("unknown action %q", c.event.Name))
	}
	return c.reconcile(ctx)
}

func (c *Charm) status(ctx context.Context, name juju.StatusName, msg string) error {
	return c.juju.StatusSet(ctx, juju.Status{Name: name, Message: msg}, false)
}

func (c *Charm) reconcile(ctx context.Context) error {
	peers, err := c.juju.RelationIDs(ctx, PeerEndpoint)
	if err != nil {
		return err
	}
	if len(peers) == 0 {
		return c.status(ctx, juju.StatusWaiting, "peer relation not ready")
	}
	uis, err := relations.Live(ctx, c.juju, c.event, UIEndpoint)
	if err != nil {
		return err
	}
	serverStatus, err := c.serverStatus(ctx, peers[0], uis)
	if err != nil {
		return err
	}
	in := Inputs{UIRelated: len(uis) > 0, ServerStatus: serverStatus}
	hosts, err := relations.Live(ctx, c.juju, c.event, HostEndpoint)
	if err != nil {
		return err
	}
	if len(hosts) > 0 {
		app, err := c.juju.RelationApp(ctx, hosts[0])
		if err != nil {
			return err
		}
		data, err := c.juju.RelationGet(ctx, hosts[0], app, true)
		if err != nil {
			return err
		}
		hi, ok, err := ParseHostInfo(data)
		if err != nil {
			return c.status(ctx, juju.StatusBlocked, err.Error())
		}
		if ok {
			in.HostInfo = &hi
		}
	}
	if in.CAs, err = catransfer.Received(ctx, c.juju, c.event, CAEndpoint); err != nil {
		return err
	}
	cfg, err := c.juju.ConfigGet(ctx)
	if err != nil {
		return err
	}
	if in.Port, err = ConfigPort(cfg); err != nil {
		return c.status(ctx, juju.StatusBlocked, err.Error())
	}
	in.DefaultNamespace, _ = cfg["default-namespace"].(string)
	out := Render(in)
	if out.Blocked != "" {
		return c.status(ctx, juju.StatusBlocked, out.Blocked)
	}
	if !c.container.Ready() {
		return c.status(ctx, juju.StatusWaiting, "waiting for Pebble in the "+ContainerName+" container")
	}
	if err := c.apply(out); err != nil {
		return err
	}
	if err := c.ports(ctx, in.Port); err != nil {
		return err
	}
	// The real charm says active only once its "up" check passes (in
	// update-status, "Status check: DOWN" until then); the stand-in asks
	// the same URL now, so the walkthrough need not wait for an
	// update-status, and never claims active while the UI does not answer.
	if err := waitUp(ctx, fmt.Sprintf("http://localhost:%d/", in.Port), 30*time.Second); err != nil {
		return c.status(ctx, juju.StatusMaintenance, "Status check: DOWN")
	}
	return c.status(ctx, juju.StatusActive, "")
}

// ports opens the UI's port and closes any other, as set_ports does.
func (c *Charm) ports(ctx context.Context, port int) error {
	opened, err := c.juju.OpenedPorts(ctx)
	if err != nil {
		return err
	}
	for _, p := range opened {
		if p.Number != port {
			if err := c.juju.ClosePort(ctx, p); err != nil {
				return err
			}
		}
	}
	return c.juju.OpenPort(ctx, juju.Port{Number: port, Protocol: "tcp"})
}

// waitUp polls url until it answers 200, for up to d.
func waitUp(ctx context.Context, url string, d time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// serverStatus is the peer app data's server_status, which the leader
// first brings up to date from ui: the server's value while the
// relation lives, "blocked" once it is gone (the real charm's
// ui-relation-broken).
func (c *Charm) serverStatus(ctx context.Context, peer string, uis []string) (string, error) {
	mine, err := c.juju.RelationGet(ctx, peer, c.event.App, true)
	if err != nil {
		return "", err
	}
	// The real charm's State keeps each value JSON-encoded.
	var current string
	_ = json.Unmarshal([]byte(mine[ServerStatusKey]), &current)
	leader, err := c.juju.IsLeader(ctx)
	if err != nil || !leader {
		return current, err
	}
	want := StatusBlocked
	if len(uis) > 0 {
		app, err := c.juju.RelationApp(ctx, uis[0])
		if err != nil {
			return "", err
		}
		theirs, err := c.juju.RelationGet(ctx, uis[0], app, true)
		if err != nil {
			return "", err
		}
		want = theirs[ServerStatusKey]
	}
	if current != want || mine[ServerStatusKey] == "" {
		encoded, _ := json.Marshal(want)
		if err := c.juju.RelationSet(ctx, peer, true, map[string]string{ServerStatusKey: string(encoded)}); err != nil {
			return "", err
		}
	}
	return want, nil
}

// apply writes the configuration and replans: the layer carries the
// configuration's hash, so a changed file restarts the server and an
// unchanged one leaves it alone.
func (c *Charm) apply(out Output) error {
	var cur strings.Builder
	if err := c.container.Client.Pull(&client.PullOptions{Path: ConfigFile, Target: &cur}); err != nil || cur.String() != out.Config {
		err := c.container.Client.Push(&client.PushOptions{Source: strings.NewReader(out.Config), Path: ConfigFile, Permissions: 0o644, MakeDirs: true})
		if err != nil {
			return fmt.Errorf("cannot write %s: %w", ConfigFile, err)
		}
	}
	if err := c.container.Client.AddLayer(&client.AddLayerOptions{Combine: true, Label: ServiceName, LayerData: []byte(out.Layer)}); err != nil {
		return fmt.Errorf("cannot add the Pebble layer: %w", err)
	}
	return c.container.Replan("the UI server")
}
