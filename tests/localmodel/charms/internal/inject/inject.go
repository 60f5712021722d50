// Package inject is the stand-ins' fault injection: what an operator can
// do on a real controller with `juju exec --unit <leader> -- relation-set
// --app -r <id> key=value`, which the local model has no command for. It
// lets an end-to-end test put bad partner data in front of temporal-k8s.
// The real partner charms have no such action; nothing else uses it.
package inject

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
)

// Action is the action's name in each stand-in's actions.yaml.
const Action = "inject-relation-data"

// savedFile keeps, in the leader's charm directory, the values an
// injection replaced, so that restore can put them back before the
// charm's reconcile reads its own databag (a bogus secret URI there would
// fail the stand-in itself).
const savedFile = ".injected.json"

// saved maps a relation id to the original values of the keys injected.
type saved map[string]map[string]string

func savedPath() string {
	return filepath.Join(os.Getenv("JUJU_CHARM_DIR"), savedFile)
}

func load() saved {
	s := saved{}
	if data, err := os.ReadFile(savedPath()); err == nil {
		_ = json.Unmarshal(data, &s)
	}
	return s
}

// Run writes the action's key and value on every relation of endpoint, or
// restores. Only the leader may write app data.
func Run(ctx context.Context, c *juju.Client, endpoint string, restore func(context.Context) error) error {
	params, err := c.ActionGet(ctx)
	if err != nil {
		return err
	}
	if r, _ := params["restore"].(bool); r {
		for id, data := range load() {
			if err := c.RelationSet(ctx, id, true, data); err != nil {
				return c.ActionFail(ctx, fmt.Sprintf("cannot restore %s: %v", id, err))
			}
		}
		if err := os.Remove(savedPath()); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		if err := restore(ctx); err != nil {
			return c.ActionFail(ctx, fmt.Sprintf("cannot restore: %v", err))
		}
		return c.ActionSet(ctx, map[string]string{"result": "restored"})
	}
	key, _ := params["key"].(string)
	value, _ := params["value"].(string)
	if strings.TrimSpace(key) == "" {
		return c.ActionFail(ctx, "key is required unless restore=true")
	}
	ids, err := c.RelationIDs(ctx, endpoint)
	if err != nil {
		return err
	}
	orig := load()
	app, _, _ := strings.Cut(os.Getenv("JUJU_UNIT_NAME"), "/")
	for _, id := range ids {
		own, err := c.RelationGet(ctx, id, app, true)
		if err != nil {
			return err
		}
		if orig[id] == nil {
			orig[id] = map[string]string{}
		}
		if _, done := orig[id][key]; !done {
			orig[id][key] = own[key]
		}
	}
	data, err := json.Marshal(orig)
	if err != nil {
		return err
	}
	if err := os.WriteFile(savedPath(), data, 0o600); err != nil {
		return err
	}
	for _, id := range ids {
		if err := c.RelationSet(ctx, id, true, map[string]string{key: value}); err != nil {
			return c.ActionFail(ctx, fmt.Sprintf("cannot write %s on %s: %v", key, id, err))
		}
	}
	return c.ActionSet(ctx, map[string]string{"result": fmt.Sprintf("%s written on %d relations", key, len(ids))})
}
