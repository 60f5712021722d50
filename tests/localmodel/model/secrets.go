package model

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync/atomic"
	"time"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/hooktools"
)

type secret struct {
	xid         string
	ownerKind   string // "application" or "unit"
	owner       string // app name or unit name
	label       string
	description string
	rotate      string
	revisions   map[int]map[string]string
	latest      int
	// expires holds each revision's expiry: Juju keeps it per revision
	// (state/secrets.go, secretRevisionDoc).
	expires map[int]time.Time
	// expireAt is when each expiring revision's secret-expired is next
	// due; rotateAt when secret-rotate is (zero: never).
	expireAt map[int]time.Time
	rotateAt time.Time
	// removeSent holds the obsolete revisions whose secret-remove ran.
	removeSent map[int]bool
	grants     []grant
	consumers  map[string]*consumer
}

type grant struct {
	relID int
	app   string
	unit  string
}

type consumer struct {
	label   string
	current int
}

func (s *secret) uri(modelUUID string) string { return "secret://" + modelUUID + "/" + s.xid }

func (s *secret) ownerApp() string { return appOf(s.owner) }

func (s *secret) dropGrants(relID int) {
	kept := s.grants[:0]
	for _, g := range s.grants {
		if g.relID != relID {
			kept = append(kept, g)
		}
	}
	s.grants = kept
}

var xidCounter atomic.Uint32

// newXID returns a 20-character id in the xid alphabet, like Juju's.
func newXID() string {
	var b [12]byte
	binary.BigEndian.PutUint32(b[0:4], uint32(time.Now().Unix()))
	rand.Read(b[4:9])
	c := xidCounter.Add(1)
	b[9], b[10], b[11] = byte(c>>16), byte(c>>8), byte(c)
	const alphabet = "0123456789abcdefghijklmnopqrstuv"
	var out [20]byte
	var acc uint64
	bits := 0
	j := 0
	for _, x := range b {
		acc = acc<<8 | uint64(x)
		bits += 8
		for bits >= 5 {
			bits -= 5
			out[j] = alphabet[(acc>>uint(bits))&31]
			j++
		}
	}
	if bits > 0 {
		out[j] = alphabet[(acc<<uint(5-bits))&31]
	}
	return string(out[:])
}

// secretUpdate is a staged secret-set (or owner label change).
type secretUpdate struct {
	content     map[string]string
	label       *string
	description *string
	expire      *time.Time
	rotate      *string
}

type grantOp struct {
	xid    string
	grant  grant
	revoke bool
	// match for revokes: which fields were given
	byRel, byApp, byUnit bool
}

type removeOp struct {
	xid string
	rev int
}

type secretTx struct {
	created map[string]*secret
	updates map[string]*secretUpdate
	grants  []grantOp
	removes []removeOp
}

func (t *secretTx) init() {
	t.created = map[string]*secret{}
	t.updates = map[string]*secretUpdate{}
}

func (hc *hookContext) lookupLocked(xid string) *secret {
	if s := hc.sec.created[xid]; s != nil {
		return s
	}
	return hc.m.secrets[xid]
}

func (hc *hookContext) canManage(s *secret) bool {
	if s.ownerKind == "unit" {
		return s.owner == hc.u.name
	}
	return s.owner == hc.u.app.name && hc.u.isLeader()
}

func (hc *hookContext) manageErr(s *secret) error {
	if s.ownerKind == "application" && s.owner == hc.u.app.name {
		return errors.New("this unit is not the leader")
	}
	return errPermission
}

// ownerView returns the owner's view of a secret: latest content and
// metadata with this hook's staged updates applied.
func (hc *hookContext) ownerView(s *secret) (map[string]string, string) {
	content := s.revisions[s.latest]
	label := s.label
	if up := hc.sec.updates[s.xid]; up != nil {
		if up.content != nil {
			content = up.content
		}
		if up.label != nil {
			label = *up.label
		}
	}
	return content, label
}

func (hc *hookContext) granted(s *secret) bool {
	for _, g := range s.grants {
		if hc.m.relations[g.relID] == nil {
			continue
		}
		if g.unit == hc.u.name || (g.unit == "" && g.app == hc.u.app.name) {
			return true
		}
	}
	return false
}

func (hc *hookContext) SecretAdd(a hooktools.SecretArgs) (string, error) {
	defer hc.lock()()
	s := &secret{
		xid: newXID(), ownerKind: a.Owner, revisions: map[int]map[string]string{1: maps.Clone(a.Content)},
		latest: 1, consumers: map[string]*consumer{}, rotate: "never",
		expires: map[int]time.Time{}, expireAt: map[int]time.Time{}, removeSent: map[int]bool{},
	}
	if a.Owner == "unit" {
		s.owner = hc.u.name
	} else {
		s.owner = hc.u.app.name
	}
	if a.Label != nil {
		s.label = *a.Label
	}
	if a.Description != nil {
		s.description = *a.Description
	}
	if a.Rotate != nil {
		s.rotate = *a.Rotate
	}
	s.rotateAt = nextRotateTime(s.rotate, hc.m.cfg.Clock.Now())
	if a.Expire != nil {
		s.expires[1], s.expireAt[1] = *a.Expire, *a.Expire
	}
	hc.sec.created[s.xid] = s
	return s.uri(hc.m.cfg.UUID), nil
}

func (hc *hookContext) findByOwnerLabelLocked(label string) *secret {
	for _, s := range hc.sec.created {
		if s.label == label && hc.ownedByUsLocked(s) {
			return s
		}
	}
	for _, s := range hc.m.secrets {
		if !hc.ownedByUsLocked(s) {
			continue
		}
		if _, l := hc.ownerView(s); l == label {
			return s
		}
	}
	return nil
}

// ownedByUsLocked: owned by this unit or by its application.
func (hc *hookContext) ownedByUsLocked(s *secret) bool {
	if s.ownerKind == "unit" {
		return s.owner == hc.u.name
	}
	return s.owner == hc.u.app.name
}

func (hc *hookContext) SecretGet(id, label string, peek, refresh bool) (map[string]string, error) {
	defer hc.lock()()
	var s *secret
	if id != "" {
		xid, _ := hooktools.SecretXID(id)
		s = hc.lookupLocked(xid)
		if s == nil {
			// The controller names the URI as the charm gave it, in
			// core/secrets' URI.String form: secret:<id> without a
			// model (state/secrets.go, checkExists).
			uri := id
			if !strings.HasPrefix(id, "secret://") {
				uri = "secret:" + xid
			}
			return nil, fmt.Errorf("secret %q not found", uri)
		}
	} else {
		s = hc.findByOwnerLabelLocked(label)
		if s == nil {
			for _, x := range hc.m.secrets {
				if c := x.consumers[hc.u.name]; c != nil && c.label == label {
					s = x
					break
				}
			}
		}
		if s == nil {
			return nil, fmt.Errorf("consumer label %q not found", label)
		}
	}
	if hc.canManage(s) {
		if id != "" && label != "" {
			hc.stageUpdate(s.xid).label = &label
		}
		// A secret-set of this hook is read back only with --peek or
		// --refresh; otherwise the controller answers, with what is
		// committed (internal/worker/uniter/runner/context/context.go,
		// getPendingSecretValue).
		content := s.revisions[s.latest]
		if up := hc.sec.updates[s.xid]; up != nil && up.content != nil && (peek || refresh) {
			content = up.content
		}
		return maps.Clone(content), nil
	}
	peerOfOwner := s.ownerKind == "application" && s.owner == hc.u.app.name
	if hc.sec.created[s.xid] == nil && (peerOfOwner || hc.granted(s)) {
		c := s.consumers[hc.u.name]
		if c == nil {
			c = &consumer{current: s.latest}
			s.consumers[hc.u.name] = c
		}
		if id != "" && label != "" {
			c.label = label
		}
		if refresh {
			c.current = s.latest
		}
		if c.current == s.latest {
			delete(hc.u.secretsPending, s.xid)
		}
		rev := c.current
		if peek {
			rev = s.latest
		}
		return maps.Clone(s.revisions[rev]), nil
	}
	return nil, errPermission
}

func (hc *hookContext) stageUpdate(xid string) *secretUpdate {
	up := hc.sec.updates[xid]
	if up == nil {
		up = &secretUpdate{}
		hc.sec.updates[xid] = up
	}
	return up
}

func (hc *hookContext) managed(id string) (*secret, error) {
	xid, _ := hooktools.SecretXID(id)
	s := hc.lookupLocked(xid)
	if s == nil {
		return nil, fmt.Errorf("secret %q not found", id)
	}
	if !hc.canManage(s) {
		return nil, hc.manageErr(s)
	}
	return s, nil
}

// SecretSet stages an update without checking who may make it: Juju
// checks leadership only for an application-owned secret whose metadata
// the unit has, which only the leader gets, and otherwise leaves it to
// the controller, which refuses the update when the hook commits
// (internal/worker/uniter/runner/context/context.go, UpdateSecret;
// apiserver/common/secrets/secrets.go, getSecretMetadata; access.go,
// CanManage). validateSecretsLocked does that here. An update that
// changes nothing is dropped.
func (hc *hookContext) SecretSet(id string, a hooktools.SecretArgs) error {
	defer hc.lock()()
	if a.Content == nil && a.Label == nil && a.Description == nil && a.Expire == nil && a.Rotate == nil {
		return nil
	}
	xid, _ := hooktools.SecretXID(id)
	up := hc.stageUpdate(xid)
	if a.Content != nil {
		up.content = maps.Clone(a.Content)
	}
	if a.Label != nil {
		up.label = a.Label
	}
	if a.Description != nil {
		up.description = a.Description
	}
	if a.Expire != nil {
		up.expire = a.Expire
	}
	if a.Rotate != nil {
		up.rotate = a.Rotate
	}
	return nil
}

// SecretGrant needs a secret whose metadata the unit has: one it manages
// (internal/worker/uniter/runner/context/context.go, GrantSecret: "secret
// %q not found" with the secret's id).
func (hc *hookContext) SecretGrant(id string, relID int, unit string) error {
	defer hc.lock()()
	xid, _ := hooktools.SecretXID(id)
	s := hc.lookupLocked(xid)
	if s == nil || !hc.canManage(s) {
		return fmt.Errorf("secret %q not found", xid)
	}
	r, ok := hc.relationLocked(relID)
	if !ok {
		return fmt.Errorf("relation %d not found", relID)
	}
	remote := r.remoteApp(hc.u.app.name)
	if unit != "" && appOf(unit) != remote {
		return fmt.Errorf("cannot specify unit %q in relation to application %q", unit, remote)
	}
	hc.sec.grants = append(hc.sec.grants, grantOp{xid: s.xid, grant: grant{relID: relID, app: remote, unit: unit}})
	return nil
}

func (hc *hookContext) SecretRevoke(id string, relID int, app, unit string) error {
	defer hc.lock()()
	s, err := hc.managed(id)
	if err != nil {
		return err
	}
	op := grantOp{xid: s.xid, revoke: true, grant: grant{relID: relID, app: app, unit: unit}}
	op.byRel, op.byApp, op.byUnit = relID >= 0, app != "", unit != ""
	if op.byRel {
		r, ok := hc.relationLocked(relID)
		if !ok {
			return fmt.Errorf("relation %d not found", relID)
		}
		if !op.byApp && !op.byUnit {
			op.grant.app = r.remoteApp(hc.u.app.name)
		}
	}
	hc.sec.grants = append(hc.sec.grants, op)
	return nil
}
