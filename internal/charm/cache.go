package charm

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"sort"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
)

// cacheFormat changes whenever the cache's meaning does: a cache of
// another format is dropped.
const cacheFormat = 2

// cache holds what the charm learnt in earlier hooks, so that a hook reads
// again only what its event says has changed.
//
// The rule. Juju announces every change a unit can observe by an event:
// config by config-changed, remote and peer app data by relation-changed
// on that relation, relations coming and going by relation-created and
// relation-broken, secret revisions by secret-changed, gaining leadership
// by leader-elected. So a hook whose event is update-status, config-changed,
// relation-changed/-departed or leader-settings-changed reads only
// its own input again (the config, the relation's app data) and, on a
// leader, is-leader (leadership is lost without an event), and compares it
// with what the last full reconcile applied. Equal, and the workload still
// runs what that reconcile rendered: the hook only observes the workload
// and sets a status that changed. Anything else runs the full reconcile,
// which reads everything, secrets included. (relation-joined runs nothing
// at all: Juju runs relation-changed for the same unit right after.)
//
// The cache must never make a hook wrong, only cheaper:
//   - lost (a recreated pod has an empty charm directory), unreadable, of
//     another format or written by another build of the charm: empty, so
//     the hook runs in full;
//   - stale because a hook did not finish: every hook first saves a copy
//     marked unsettled and with no known status, and saves the real one
//     only when it returns without error, so a hook that failed or was
//     killed leaves a cache that makes the next one run in full and set
//     its status;
//   - stale because Juju failed to commit what a hook wrote: relation data
//     and opened ports are flushed by Juju after the charm exits and a
//     failed flush drops them, so a hook that wrote either leaves the
//     cache unsettled and the next hook runs in full, reading them back.
//     Status and the workload version are set at once by their hook tools
//     (internal/worker/uniter/runner/context/context.go: SetUnitStatus,
//     SetApplicationStatus, SetUnitWorkloadVersion call the API), so what
//     the cache says of them is what Juju holds;
//   - Juju's own status changes: the unit agent sets the unit's status
//     around stop and remove (internal/worker/uniter/operation/runhook.go,
//     beforeHook/afterHook), and the stop handler forgets the status it
//     cached.
//
// Secret content never goes here, nor the hash of data holding a password.
type cache struct {
	Format int `json:"format"`
	// Build identifies the charm binary that wrote the cache.
	Build string `json:"build,omitempty"`

	// Settled is set when the last hook finished, wrote nothing Juju
	// commits after the charm exits, and applied a configuration that
	// lets the server run: the facts below are then what the model and
	// the workload hold.
	Settled bool `json:"settled,omitempty"`
	// Config is the raw config the last full reconcile read.
	Config map[string]any `json:"config,omitempty"`
	// Seen maps each relation the last full reconcile knew to the hash of
	// the app data it read there ("" when the charm reads none, as on
	// temporal-host-info).
	Seen map[string]string `json:"seen,omitempty"`
	// PeerID and PeerApp are the peer relation and its app data: the
	// locks, which an observing hook still needs.
	PeerID  string            `json:"peer-id,omitempty"`
	PeerApp map[string]string `json:"peer-app,omitempty"`
	// Assessed is the status the inputs gave before the workload's own
	// (empty when they gave none), and Rendered the hash of the
	// configuration applied with them.
	Assessed juju.Status `json:"assessed"`
	Rendered string      `json:"rendered,omitempty"`
	// UnitStatus and AppStatus are what this unit last set.
	UnitStatus juju.Status `json:"unit-status"`
	AppStatus  juju.Status `json:"app-status"`

	// BootID is the workload Pebble's boot the version was read in.
	BootID  string `json:"boot-id,omitempty"`
	Version string `json:"version,omitempty"`
	// VersionSet is the version last given to application-version-set.
	VersionSet string `json:"version-set,omitempty"`
	// BindAddress is the pod IP: it only changes with the pod, which
	// also empties the charm container's disk.
	BindAddress string `json:"bind-address,omitempty"`
	// RemoteApps maps a relation id to its remote application.
	RemoteApps map[string]string `json:"remote-apps,omitempty"`
	// Leader is whether this unit led when it last wrote the cache, and
	// Published the hash of what each app databag is known to hold: read
	// back, or written in an earlier hook and read back since.
	Leader    bool              `json:"leader,omitempty"`
	Published map[string]string `json:"published,omitempty"`
	// PublishedUnit is the same for this unit's own databags, whoever
	// leads.
	PublishedUnit map[string]string `json:"published-unit,omitempty"`
	// EmptyRings are the service rings the cluster lacked at the last
	// update-status: reported until the next one looks again.
	EmptyRings []string `json:"empty-rings,omitempty"`
	// Requested is set while this unit asks for the restart lock.
	Requested bool `json:"requested,omitempty"`
	// Side maps the relations of the endpoints the charm reads nothing
	// from (ui and the planned ones) to their endpoint. Juju announces
	// each one's coming and going (relation-created, relation-broken),
	// so they are listed once, when SideKnown is not set yet, and then
	// follow the events.
	Side      map[string]string `json:"side,omitempty"`
	SideKnown bool              `json:"side-known,omitempty"`
	// Loki maps each Loki unit on the logging relation to its push URL.
	// Juju announces a unit's data by relation-changed and its going by
	// relation-departed, so they are read once, when LokiKnown is not
	// set yet, and then follow the events.
	Loki      map[string]string `json:"loki,omitempty"`
	LokiKnown bool              `json:"loki-known,omitempty"`
	// RenewalLabel is the label of the certificate secret whose expiry
	// renews the frontend's certificate, once read back.
	RenewalLabel string `json:"renewal-label,omitempty"`
	// InternodeRenewalLabel is the same for the internode certificate.
	InternodeRenewalLabel string `json:"internode-renewal-label,omitempty"`
	// UnitStages are the other units' stages of internode TLS as the
	// leader last read them: a unit whose stage moves sends the leader
	// to the full reconcile, which sums the application up again.
	UnitStages map[string]string `json:"unit-stages,omitempty"`
}

// loadCache reads the cache a hook of this build wrote; anything else is
// an empty cache.
func loadCache(path, build string) cache {
	var ca cache
	// A missing or unreadable file (or no path) decodes as nothing.
	data, _ := os.ReadFile(path)
	// Numbers stay json.Number, as config-get gives them.
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if dec.Decode(&ca) != nil {
		ca = cache{}
	}
	if ca.Format != cacheFormat || ca.Build != build {
		ca = cache{Format: cacheFormat, Build: build}
	}
	if ca.RemoteApps == nil {
		ca.RemoteApps = map[string]string{}
	}
	if ca.Published == nil {
		ca.Published = map[string]string{}
	}
	if ca.PublishedUnit == nil {
		ca.PublishedUnit = map[string]string{}
	}
	if ca.Loki == nil {
		ca.Loki = map[string]string{}
	}
	if ca.Side == nil {
		ca.Side = map[string]string{}
	}
	return ca
}

// begin saves the cache as a hook that may not finish would leave it:
// unsettled, no status known.
func (ca cache) begin(path string) error {
	ca.Settled = false
	ca.UnitStatus, ca.AppStatus = juju.Status{}, juju.Status{}
	return ca.save(path)
}

// save writes the cache in place: a write cut short leaves a file that
// does not decode, which loadCache reads as no cache at all.
func (ca cache) save(path string) error {
	data, err := json.Marshal(ca)
	if err != nil {
		return fmt.Errorf("cannot encode cache: %w", err)
	}
	return os.WriteFile(path, data, 0o600)
}

// dataHash is a stable hash of relation data.
func dataHash(data map[string]string) string {
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	h := sha256.New()
	for _, k := range keys {
		fmt.Fprintf(h, "%s\x00%s\x00", k, data[k])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// seenHash is what the cache may keep of a relation's app data: nothing
// when it holds a password (providers without Juju secrets send it
// there), as a hash of it could be attacked offline.
func seenHash(data map[string]string) (string, bool) {
	if _, ok := data["password"]; ok {
		return "", false
	}
	return dataHash(data), true
}
