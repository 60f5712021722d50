// Package loki is a stand-in for the loki-k8s charm, for the local model:
// a receiver of Loki's push API in its workload container (this same
// binary, pushed there and run by the workload Pebble), and the provider
// side of loki_push_api v1.
package loki

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/canonical/pebble/client"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/charms/internal/workload"
)

// Names from metadata.yaml, and where things live in the workload.
const (
	ContainerName = "loki"
	Endpoint      = "logging"
	ServiceName   = "loki-receiver"
	StorageDir    = "/loki"
	Binary        = StorageDir + "/bin/loki-receiver"
	Received      = StorageDir + "/received.jsonl"
	Port          = 3100
	// ReceiveArg makes the binary the receiver rather than the charm.
	ReceiveArg = "receive"
)

// Layer is the workload's Pebble layer; the binary's hash in the
// environment restarts the receiver when the charm brings a new one.
func Layer(sum string) string {
	return fmt.Sprintf(`summary: Loki push API receiver
services:
  %[1]s:
    override: replace
    summary: receives what Pebble forwards
    command: %[2]s %[3]s
    startup: enabled
    environment:
      RECEIVER_SHA256: %[4]s
checks:
  %[1]s-ready:
    override: replace
    level: ready
    http:
      url: http://127.0.0.1:%[5]d/ready
`, ServiceName, Binary, ReceiveArg, sum, Port)
}

// Main is the binary: the receiver with ReceiveArg, else a hook.
func Main(ctx context.Context, args []string, getenv func(string) string) error {
	if len(args) > 1 && args[1] == ReceiveArg {
		srv := &http.Server{Addr: fmt.Sprintf(":%d", Port), Handler: NewReceiver(Received), ReadHeaderTimeout: 10 * time.Second}
		return srv.ListenAndServe()
	}
	ev, container, err := workload.Hook(getenv, ContainerName)
	if err != nil {
		return err
	}
	c := &Charm{juju: juju.NewClient(juju.ExecRunner{}), event: ev, container: container}
	return c.run(ctx)
}

// Charm handles one event.
type Charm struct {
	juju      *juju.Client
	event     juju.Event
	container *workload.Container
}

func (c *Charm) run(ctx context.Context) error {
	switch c.event.Kind {
	case juju.Stop, juju.Remove, juju.RelationBroken, juju.RelationDeparted:
		return nil
	}
	if !c.container.Ready() {
		return c.status(ctx, juju.StatusWaiting, "waiting for Pebble in the "+ContainerName+" container")
	}
	if err := c.ensureReceiver(); err != nil {
		return err
	}
	if err := c.juju.OpenPort(ctx, juju.Port{Number: Port, Protocol: "tcp"}); err != nil {
		return err
	}
	addr, err := c.juju.BindAddress(ctx, Endpoint)
	if err != nil {
		return err
	}
	url, _ := json.Marshal(map[string]string{"url": fmt.Sprintf("http://%s:%d/loki/api/v1/push", addr, Port)})
	ids, err := c.juju.RelationIDs(ctx, Endpoint)
	if err != nil {
		return err
	}
	for _, id := range ids {
		mine, err := c.juju.RelationGet(ctx, id, c.event.Unit, false)
		if err != nil {
			return err
		}
		if mine["endpoint"] == string(url) {
			continue
		}
		if err := c.juju.RelationSet(ctx, id, false, map[string]string{"endpoint": string(url)}); err != nil {
			return err
		}
	}
	return c.status(ctx, juju.StatusActive, "")
}

func (c *Charm) status(ctx context.Context, name juju.StatusName, msg string) error {
	return c.juju.StatusSet(ctx, juju.Status{Name: name, Message: msg}, false)
}

// ensureReceiver pushes this binary into the workload once and runs it.
func (c *Charm) ensureReceiver() error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	data, err := os.ReadFile(self)
	if err != nil {
		return fmt.Errorf("cannot read the receiver: %w", err)
	}
	h := sha256.Sum256(data)
	sum := hex.EncodeToString(h[:])
	plan, err := c.container.Client.PlanBytes(nil)
	if err != nil {
		return fmt.Errorf("cannot read the plan: %w", err)
	}
	if !strings.Contains(string(plan), sum) {
		err := c.container.Client.Push(&client.PushOptions{Source: strings.NewReader(string(data)), Path: Binary, Permissions: 0o755, MakeDirs: true})
		if err != nil {
			return fmt.Errorf("cannot push the receiver: %w", err)
		}
		if err := c.container.Client.AddLayer(&client.AddLayerOptions{Combine: true, Label: ServiceName, LayerData: []byte(Layer(sum))}); err != nil {
			return fmt.Errorf("cannot add the Pebble layer: %w", err)
		}
	}
	return c.container.Replan("the receiver")
}
