// Package relations holds what the stand-in charms do alike with their
// relations.
package relations

import (
	"context"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
)

// Live returns the endpoint's relation ids without the one whose
// relation-broken hook ev is: Juju still lists a dying relation there.
func Live(ctx context.Context, j *juju.Client, ev juju.Event, endpoint string) ([]string, error) {
	ids, err := j.RelationIDs(ctx, endpoint)
	if err != nil {
		return nil, err
	}
	out := ids[:0]
	for _, id := range ids {
		if ev.Kind == juju.RelationBroken && id == ev.RelationID {
			continue
		}
		out = append(out, id)
	}
	return out, nil
}

// RemoteAppData is the app data of the remote application of relID; none
// while Juju does not name it yet.
func RemoteAppData(ctx context.Context, j *juju.Client, relID string) (map[string]string, error) {
	app, err := j.RelationApp(ctx, relID)
	if err != nil || app == "" {
		return map[string]string{}, err
	}
	return j.RelationGet(ctx, relID, app, true)
}
