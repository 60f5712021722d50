package postgresql

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// How postgresql-k8s answers a database request (src/relations/
// postgresql_provider.py with data_interfaces' DatabaseProvides): the
// library diffs the requirer's app data in that relation's
// relation-changed and emits database_requested once "database" appears;
// the handler defers it while the cluster is not initialised (ops runs a
// deferred event again before every later hook), otherwise it creates the
// user relation_id_<N> and the database and publishes the credentials,
// endpoints, version and database for that relation alone. No other hook
// touches a relation's user. The stand-in does the same, and also answers
// again when a relation's request changes (extra-user-roles, the
// database, requested-secrets), which the real charm ignores.

// requestKey is where the provider keeps the requirer's data it acted on,
// as data_interfaces keeps its diff base ("data", JSON) in the provider's
// app databag.
const requestKey = "data"

// stateKey is the stand-in's key in Juju's unit state (state-get,
// state-set), which commits with the hook as the rest of its changes do.
const stateKey = "postgresql-k8s"

// unitState is what the stand-in keeps between hooks.
type unitState struct {
	// Deferred are requests (relation id: remote app) that arrived while
	// the server could not answer: every later hook tries them again, as
	// ops re-emits a deferred database_requested.
	Deferred map[string]string `json:"deferred,omitempty"`
	// Blocked are requests that cannot be served (invalid
	// extra-user-roles), by relation id: the unit is blocked while any is.
	Blocked map[string]string `json:"blocked,omitempty"`
	// Version is the application version last set.
	Version string `json:"version,omitempty"`
}

func (s unitState) encode() string {
	data, _ := json.Marshal(s)
	return string(data)
}

func decodeState(v string) (unitState, error) {
	var s unitState
	if v == "" {
		return s, nil
	}
	if err := json.Unmarshal([]byte(v), &s); err != nil {
		return unitState{}, fmt.Errorf("cannot decode the unit state: %w", err)
	}
	return s, nil
}

func (s *unitState) deferRequest(id, app string) {
	if s.Deferred == nil {
		s.Deferred = map[string]string{}
	}
	s.Deferred[id] = app
}

func (s *unitState) block(id, msg string) {
	if s.Blocked == nil {
		s.Blocked = map[string]string{}
	}
	s.Blocked[id] = msg
	delete(s.Deferred, id)
}

// done forgets a relation: answered, or gone.
func (s *unitState) done(id string) {
	delete(s.Deferred, id)
	delete(s.Blocked, id)
}

// BlockedMessage is the unit's blocked message, the relations' problems
// in relation order; empty when none is blocked.
func (s unitState) BlockedMessage() string {
	ids := make([]string, 0, len(s.Blocked))
	for id := range s.Blocked {
		ids = append(ids, id)
	}
	sortRelationIDs(ids)
	msgs := make([]string, 0, len(ids))
	for _, id := range ids {
		msgs = append(msgs, s.Blocked[id])
	}
	return strings.Join(msgs, "; ")
}

// sortRelationIDs orders "database:N" by N.
func sortRelationIDs(ids []string) {
	sort.Slice(ids, func(i, j int) bool {
		a, erra := RelationNumber(ids[i])
		b, errb := RelationNumber(ids[j])
		if erra != nil || errb != nil || a == b {
			return ids[i] < ids[j]
		}
		return a < b
	})
}

func (c *Charm) loadState(ctx context.Context) (unitState, error) {
	v, _, err := c.juju.StateGet(ctx, stateKey)
	if err != nil {
		return unitState{}, err
	}
	return decodeState(v)
}

// saveState writes the state if it changed.
func (c *Charm) saveState(ctx context.Context, before, after unitState) error {
	if before.encode() == after.encode() {
		return nil
	}
	return c.juju.StateSet(ctx, map[string]string{stateKey: after.encode()})
}

// clone copies a state so that it can be compared after changes.
func (s unitState) clone() unitState {
	out, _ := decodeState(s.encode())
	return out
}

// relation is one database relation as the leader sees it.
type relation struct {
	id     string // "database:5"
	num    int
	app    string // the requirer
	remote map[string]string
	own    map[string]string
}

// readRelation reads a relation's two app databags. app is the requirer
// when known (the event's, a deferred request's), else it is looked up.
func (c *Charm) readRelation(ctx context.Context, id, app string) (relation, error) {
	num, err := RelationNumber(id)
	if err != nil {
		return relation{}, err
	}
	rel := relation{id: id, num: num, app: app, remote: map[string]string{}}
	if rel.app == "" {
		if rel.app, err = c.juju.RelationApp(ctx, id); err != nil {
			return relation{}, err
		}
	}
	if rel.app != "" {
		if rel.remote, err = c.juju.RelationGet(ctx, id, rel.app, true); err != nil {
			return relation{}, err
		}
	}
	if rel.own, err = c.juju.RelationGet(ctx, id, c.event.App, true); err != nil {
		return relation{}, err
	}
	return rel, nil
}

// requestFields are the requirer's keys that make up its request.
var requestFields = []string{"database", "extra-user-roles", "requested-secrets"}

// Pending reports whether a relation holds a request that the provider's
// own data does not answer yet: a database asked for and no credentials,
// another database, or (when the provider recorded what it acted on)
// other extra-user-roles or requested-secrets than it served.
func Pending(remote, own map[string]string) bool {
	database := remote["database"]
	if database == "" {
		return false
	}
	hasSecret := own["secret-user"] != ""
	if !hasSecret && own["password"] == "" {
		return true
	}
	if own["database"] != database || wantsSecrets(remote) != hasSecret {
		return true
	}
	served := own[requestKey]
	if served == "" {
		// Answered before the provider recorded its requests.
		return false
	}
	var req map[string]string
	if err := json.Unmarshal([]byte(served), &req); err != nil {
		return true
	}
	for _, k := range requestFields {
		if req[k] != remote[k] {
			return true
		}
	}
	return false
}

// RequestSnapshot is the requirer's app data as the provider records it
// under "data" (data_interfaces' diff base): JSON, without "data".
func RequestSnapshot(remote map[string]string) string {
	data := make(map[string]string, len(remote))
	for k, v := range remote {
		if k != requestKey {
			data[k] = v
		}
	}
	out, _ := json.Marshal(data) // sorted keys
	return string(out)
}

// errNotReady means the server does not accept connections yet.
var errNotReady = errors.New("PostgreSQL does not accept connections yet")

// serveDeferred tries the deferred requests again (leader only).
func (c *Charm) serveDeferred(ctx context.Context, st *unitState) error {
	ids := make([]string, 0, len(st.Deferred))
	for id := range st.Deferred {
		ids = append(ids, id)
	}
	sortRelationIDs(ids)
	return c.serve(ctx, st, ids, "")
}

// serve reads the given relations and answers what they request. event
// is the relation of a relation hook, read with the event's remote app.
func (c *Charm) serve(ctx context.Context, st *unitState, ids []string, event string) error {
	var live []string
	var rels []relation
	for _, id := range ids {
		app := st.Deferred[id]
		if id == event {
			app = c.event.RemoteApp
		}
		rel, err := c.readRelation(ctx, id, app)
		if err != nil {
			if id == event {
				return err
			}
			// A deferred relation may have gone without this unit
			// seeing its relation-broken (another leader did).
			if live == nil {
				if live, err = c.juju.RelationIDs(ctx, Endpoint); err != nil {
					return err
				}
			}
			if !contains(live, id) {
				st.done(id)
				continue
			}
			return err
		}
		rels = append(rels, rel)
	}
	return c.answer(ctx, st, rels)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
