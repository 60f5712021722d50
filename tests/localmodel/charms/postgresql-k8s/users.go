package postgresql

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/canonical/pebble/client"
)

// stop stops the server before the pod goes, so it shuts down cleanly.
func (c *Charm) stop(ctx context.Context) error {
	if !c.container.Ready() {
		return nil
	}
	changeID, err := c.container.Client.Stop(&client.ServiceOptions{Names: []string{ServiceName}})
	if err != nil {
		c.logf(ctx, "cannot stop PostgreSQL: %v", err)
		return nil
	}
	_, _ = c.container.Client.WaitChange(changeID, &client.WaitChangeOptions{Timeout: time.Minute})
	return nil
}

// dropUser removes the user of the relation being broken (leader only).
func (c *Charm) dropUser(ctx context.Context) error {
	leader, err := c.juju.IsLeader(ctx)
	if err != nil || !leader || !c.db.Available() {
		return err
	}
	num, err := RelationNumber(c.event.RelationID)
	if err != nil {
		return err
	}
	own, err := c.juju.RelationGet(ctx, c.event.RelationID, c.event.App, true)
	if err != nil {
		return err
	}
	_, err = c.db.Run(ctx, DropUserSQL(UserName(num), own["database"]))
	return err
}

func (c *Charm) rotatePassword(ctx context.Context) error {
	params, err := c.juju.ActionGet(ctx)
	if err != nil {
		return err
	}
	only := -1
	if v, ok := params["relation-id"]; ok && v != nil {
		n, err := strconv.Atoi(fmt.Sprint(v))
		if err != nil {
			return c.juju.ActionFail(ctx, fmt.Sprintf("invalid relation-id %v", v))
		}
		only = n
	}
	leader, err := c.juju.IsLeader(ctx)
	if err != nil {
		return err
	}
	if !leader {
		return c.juju.ActionFail(ctx, "rotate-password must run on the leader unit")
	}
	ids, err := c.juju.RelationIDs(ctx, Endpoint)
	if err != nil {
		return err
	}
	address := c.primaryAddress()
	var rotated []string
	for _, id := range ids {
		if num, err := RelationNumber(id); err != nil || (only >= 0 && num != only) {
			continue
		}
		rel, err := c.readRelation(ctx, id, "")
		if err != nil {
			return err
		}
		database := rel.own["database"]
		if database == "" {
			continue
		}
		user := UserName(rel.num)
		password, err := NewPassword()
		if err != nil {
			return err
		}
		if _, err := c.db.Run(ctx, SetPasswordSQL(user, password)); err != nil {
			return c.juju.ActionFail(ctx, fmt.Sprintf("cannot change the password of %s: %v", user, err))
		}
		uri := rel.own["secret-user"]
		content := c.userContent(rel.remote, uri != "", user, password, address, database)
		if uri != "" {
			err = c.juju.SecretSet(ctx, uri, content)
		} else {
			err = c.juju.RelationSet(ctx, rel.id, true, content)
		}
		if err != nil {
			return err
		}
		rotated = append(rotated, user)
	}
	if only >= 0 && len(rotated) == 0 {
		return c.juju.ActionFail(ctx, fmt.Sprintf("no database relation %d with a user", only))
	}
	return c.juju.ActionSet(ctx, map[string]string{"rotated-users": strings.Join(rotated, ",")})
}
