package model_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/model"
)

// jumpClock is the wall clock plus an offset a test moves forward, so
// that hour-long secret schedules pass in milliseconds. Its timers fire
// when the offset jumps past them, too.
type jumpClock struct {
	mu     sync.Mutex
	off    time.Duration
	jumped chan struct{}
}

func newJumpClock() *jumpClock { return &jumpClock{jumped: make(chan struct{})} }

func (c *jumpClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *jumpClock) After(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	deadline := c.Now().Add(d)
	go func() {
		for {
			c.mu.Lock()
			jumped := c.jumped
			c.mu.Unlock()
			now := c.Now()
			if !now.Before(deadline) {
				ch <- now
				return
			}
			select {
			case <-time.After(deadline.Sub(now)):
			case <-jumped:
			}
		}
	}()
	return ch
}

func (c *jumpClock) Jump(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.off += d
	close(c.jumped)
	c.jumped = make(chan struct{})
}

// count is how many of a unit's events contain s.
func count(events []string, s string) int {
	n := 0
	for _, ev := range events {
		if strings.Contains(ev, s) {
			n++
		}
	}
	return n
}

// An expiring revision runs the owner's secret-expired, with the
// revision, and again every 5 minutes until the charm removes that
// revision (internal/worker/secretexpire; core/secrets/rotate.go). A new
// revision without --expire does not expire, and the replaced one is
// left to the charm.
func TestSecretExpired(t *testing.T) {
	t.Parallel()
	clk := newJumpClock()
	e := newEnv(t, func(c *model.Config) { c.Clock = clk })
	expiry := clk.Now().Add(2 * time.Hour).UTC().Format(time.RFC3339)
	e.deploy(e.charm("demo", fakeCharm{script: map[string]string{
		"hooks/install": `secret-add --owner unit --label tls --expire ` + expiry + ` key=one >/dev/null`,
		"hooks/secret-expired": `echo "$JUJU_UNIT_NAME expired $JUJU_SECRET_LABEL $JUJU_SECRET_REVISION $(secret-info-get "$JUJU_SECRET_ID" --format json | grep -c expiry)" >> ` + e.log + `
			[ -e "$JUJU_CHARM_DIR/seen" ] || { touch "$JUJU_CHARM_DIR/seen"; exit 0; }
			secret-set "$JUJU_SECRET_ID" key=two && secret-remove "$JUJU_SECRET_ID" --revision "$JUJU_SECRET_REVISION"`,
	}}), "demo", 1, nil)
	e.settle()
	require.Zero(t, count(e.events("demo/0"), "expired"), "not before its time")

	clk.Jump(2*time.Hour + time.Second)
	e.waitFor("secret-expired", func() bool { return count(e.events("demo/0"), "expired tls 1 1") == 1 })
	e.settle()
	require.Equal(t, 1, count(e.events("demo/0"), "expired tls"), "retried only after 5 minutes")

	clk.Jump(model.ExpireRetryDelay)
	e.waitFor("secret-expired again", func() bool { return count(e.events("demo/0"), "expired tls 1") == 2 })
	e.settle()
	// The revision is gone and revision 2 has no expiry: no more hooks,
	// and no secret-remove for a revision the charm removed itself.
	clk.Jump(time.Hour)
	e.settle()
	require.Equal(t, 2, count(e.events("demo/0"), "expired tls"))
	require.Zero(t, count(e.events("demo/0"), "secret-remove"))
}

// A rotation policy runs the owner's secret-rotate when due. Then the
// controller schedules the next (apiserver/facades/agent/secretsmanager/
// secrets.go, SecretsRotated): a period after the last due time when the
// hook made a new revision, else 5 minutes after it. The replaced
// revision, which no consumer tracks, is obsolete: the owner gets
// secret-remove for it, once.
func TestSecretRotateAndRemove(t *testing.T) {
	t.Parallel()
	clk := newJumpClock()
	e := newEnv(t, func(c *model.Config) { c.Clock = clk })
	e.deploy(e.charm("demo", fakeCharm{script: map[string]string{
		"hooks/install": `secret-add --owner unit --label pw --rotate hourly pass=one >/dev/null`,
		// Every second rotation makes a new revision.
		"hooks/secret-rotate": `echo "$JUJU_UNIT_NAME rotate $JUJU_SECRET_LABEL [$JUJU_SECRET_REVISION]" >> ` + e.log + `
			n=$(( $(cat "$JUJU_CHARM_DIR/n" 2>/dev/null || echo 0) + 1 )); echo $n > "$JUJU_CHARM_DIR/n"
			[ $((n % 2)) = 0 ] || exit 0
			secret-set "$JUJU_SECRET_ID" pass=$(date +%s%N)`,
		"hooks/secret-remove": `echo "$JUJU_UNIT_NAME remove $JUJU_SECRET_LABEL $JUJU_SECRET_REVISION" >> ` + e.log + `
			secret-remove "$JUJU_SECRET_ID" --revision "$JUJU_SECRET_REVISION"`,
	}}), "demo", 1, nil)
	e.settle()
	rotations := func() int { return count(e.events("demo/0"), "rotate pw []") }

	clk.Jump(time.Hour + time.Second)
	e.waitFor("secret-rotate", func() bool { return rotations() == 1 })
	e.settle()
	require.Equal(t, 1, rotations(), "no new revision: again in 5 minutes, not at once")
	require.Zero(t, count(e.events("demo/0"), "remove pw"), "no revision is obsolete yet")

	clk.Jump(model.RotateRetryDelay)
	e.waitFor("secret-rotate again", func() bool { return rotations() == 2 })
	e.waitFor("secret-remove", func() bool { return count(e.events("demo/0"), "remove pw 1") == 1 })
	e.settle()

	clk.Jump(model.RotateRetryDelay)
	e.settle()
	require.Equal(t, 2, rotations(), "a new revision: next in an hour")

	// An hour and five minutes after the last due time: the third run
	// makes no revision, and its retry, due five minutes after the third
	// was due, is already past.
	clk.Jump(time.Hour + model.RotateRetryDelay)
	e.waitFor("two more rotations", func() bool { return rotations() == 4 })
	e.waitFor("secret-remove of revision 2", func() bool { return count(e.events("demo/0"), "remove pw 2") == 1 })
	e.settle()
	require.Equal(t, 4, rotations())
	require.Equal(t, 1, count(e.events("demo/0"), "remove pw 1"), "secret-remove runs once per revision")
}

// A revision a consumer still tracks is not obsolete: secret-remove waits
// until the consumer refreshes.
func TestSecretRemoveWaitsForConsumers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	store := e.dir + "/uri"
	ch := e.charm("demo", fakeCharm{
		actions: "make: {}\nrotate: {}\nread: {}\nrefresh: {}\n",
		script: map[string]string{
			"actions/make":        `uri=$(secret-add pass=one) && secret-grant "$uri" -r $(relation-ids api) && echo $uri > ` + store,
			"actions/rotate":      `secret-set $(cat ` + store + `) pass=two`,
			"actions/read":        `action-set v=$(secret-get $(cat ` + store + `) pass)`,
			"actions/refresh":     `action-set v=$(secret-get --refresh $(cat ` + store + `) pass)`,
			"hooks/secret-remove": `echo "$JUJU_UNIT_NAME remove $JUJU_SECRET_REVISION" >> ` + e.log,
		},
	})
	e.deploy(ch, "owner", 1, nil)
	e.deploy(ch, "user", 1, nil)
	_, err := e.m.Relate("owner:api", "user:backend")
	require.NoError(t, err)
	e.settle()
	require.Equal(t, "completed", e.runAction("owner/0", "make", nil).Status)
	require.Equal(t, "one", e.runAction("user/0", "read", nil).Results["v"])
	require.Equal(t, "completed", e.runAction("owner/0", "rotate", nil).Status)
	e.settle()
	require.Zero(t, count(e.events("owner/0"), "remove"), "user/0 still tracks revision 1")
	require.Equal(t, "two", e.runAction("user/0", "refresh", nil).Results["v"])
	e.waitFor("secret-remove", func() bool { return count(e.events("owner/0"), "remove 1") == 1 })
}

func TestSecretChangedGoesToConsumers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	store := e.dir + "/uri"
	ch := e.charm("demo", fakeCharm{
		actions: "make: {}\nrotate: {}\nread: {}\n",
		script: map[string]string{
			"actions/make":   `uri=$(secret-add pass=one) && secret-grant "$uri" -r $(relation-ids api) && relation-set -r $(relation-ids api) --app secret=$uri && echo $uri > ` + store,
			"actions/rotate": `secret-set $(cat ` + store + `) pass=two`,
			"actions/read":   `action-set v=$(secret-get $(cat ` + store + `) pass)`,
		},
	})
	e.deploy(ch, "owner", 1, nil)
	e.deploy(ch, "user", 2, nil)
	_, err := e.m.Relate("owner:api", "user:backend")
	require.NoError(t, err)
	e.settle()
	require.Equal(t, "completed", e.runAction("owner/0", "make", nil).Status)
	e.settle()
	// Only user/0 reads it, so only user/0 is a consumer.
	require.Equal(t, "one", e.runAction("user/0", "read", nil).Results["v"])
	e.clearEvents()
	require.Equal(t, "completed", e.runAction("owner/0", "rotate", nil).Status)
	e.settle()
	require.Equal(t, []string{"hooks/secret-changed"}, e.events("user/0"))
	require.Empty(t, e.events("user/1"))
	// The consumer keeps its revision until it refreshes.
	require.Equal(t, "one", e.runAction("user/0", "read", nil).Results["v"])
}
