package peer

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/temporal-k8s/temporal-k8s/internal/config"
)

// The restart lock keeps at most one unit of an application restarting
// its server at a time, so that the others serve meanwhile. A unit that
// must restart (new configuration, rotated password, the restart action)
// asks in its own peer unit data; the leader grants the lock to one
// asking unit at a time in the peer app data; the unit restarts once
// granted and withdraws its request once its server serves again, which
// frees the lock for the next. Each write reaches the others as
// peer-relation-changed.
const (
	// RequestKey, in a unit's data, says why it must restart.
	RequestKey = "restart-request"
	// HolderKey and GrantedKey, in the app data, name the unit holding
	// the lock and when it was granted (RFC 3339).
	HolderKey  = "restart-holder"
	GrantedKey = "restart-granted"
)

// RestartTimeout is how long a unit may hold the lock: one that never
// serves again (or is gone without Juju saying so yet) passes it on after
// this, measured at the leader's next hook.
const RestartTimeout = 5 * time.Minute

// ActionRequest is the request of the restart action, which restarts a
// server whose configuration has not changed.
const ActionRequest = "action"

// Grant is the lock as the leader wrote it; the zero Grant is a free lock.
type Grant struct {
	Unit string
	At   time.Time
}

// Held reports whether a unit holds the lock.
func (g Grant) Held() bool { return g.Unit != "" }

// ReadGrant reads the lock from the peer app data.
func ReadGrant(app map[string]string) (Grant, error) {
	unit := strings.TrimSpace(app[HolderKey])
	if unit == "" {
		return Grant{}, nil
	}
	at, err := time.Parse(time.RFC3339, strings.TrimSpace(app[GrantedKey]))
	if err != nil {
		return Grant{}, fmt.Errorf("cannot parse peer %s %q", GrantedKey, config.Truncate(app[GrantedKey]))
	}
	return Grant{Unit: unit, At: at}, nil
}

// Data is the app data that records g; a free lock empties both keys,
// which deletes them.
func (g Grant) Data() map[string]string {
	if !g.Held() {
		return map[string]string{HolderKey: "", GrantedKey: ""}
	}
	return map[string]string{HolderKey: g.Unit, GrantedKey: g.At.UTC().Format(time.RFC3339)}
}

// NextGrant is the leader's decision. requests maps each unit of the
// application that asks to restart (the leader's own request included)
// to its request. The holder keeps the lock while it asks and its time
// has not run out; otherwise the lock goes to the next asking unit after
// it in unit order, so that a unit that never comes back does not starve
// the others, or is freed when nobody asks.
func NextGrant(current Grant, requests map[string]string, now time.Time) Grant {
	// A free lock names no unit, and no unit asks under no name.
	if _, asks := requests[current.Unit]; asks && now.Sub(current.At) < RestartTimeout {
		return current
	}
	units := make([]string, 0, len(requests))
	for u := range requests {
		units = append(units, u)
	}
	if len(units) == 0 {
		return Grant{}
	}
	slices.SortFunc(units, compareUnits)
	next := units[0]
	if current.Held() {
		// Round robin from the holder: a timed-out holder goes last.
		for _, u := range units {
			if compareUnits(u, current.Unit) > 0 {
				next = u
				break
			}
		}
	}
	return Grant{Unit: next, At: now}
}

// compareUnits orders the units of one application by number, so that
// app/10 follows app/9.
func compareUnits(a, b string) int {
	return cmp.Compare(unitNumber(a), unitNumber(b))
}

func unitNumber(unit string) int {
	n, _ := strconv.Atoi(unit[strings.LastIndexByte(unit, '/')+1:])
	return n
}
