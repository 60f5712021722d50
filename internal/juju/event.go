package juju

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Kind is the kind of an event, without the endpoint or container prefix.
type Kind string

const (
	Install               Kind = "install"
	Start                 Kind = "start"
	Stop                  Kind = "stop"
	Remove                Kind = "remove"
	ConfigChanged         Kind = "config-changed"
	UpdateStatus          Kind = "update-status"
	UpgradeCharm          Kind = "upgrade-charm"
	LeaderElected         Kind = "leader-elected"
	LeaderSettingsChanged Kind = "leader-settings-changed"
	RelationCreated       Kind = "relation-created"
	RelationJoined        Kind = "relation-joined"
	RelationChanged       Kind = "relation-changed"
	RelationDeparted      Kind = "relation-departed"
	RelationBroken        Kind = "relation-broken"
	PebbleReady           Kind = "pebble-ready"
	PebbleCheckFailed     Kind = "pebble-check-failed"
	PebbleCheckRecovered  Kind = "pebble-check-recovered"
	PebbleCustomNotice    Kind = "pebble-custom-notice"
	SecretChanged         Kind = "secret-changed"
	SecretRotate          Kind = "secret-rotate"
	SecretRemove          Kind = "secret-remove"
	SecretExpired         Kind = "secret-expired"
	StorageAttached       Kind = "storage-attached"
	StorageDetaching      Kind = "storage-detaching"
	Action                Kind = "action"
)

// Event is one hook or action invocation, read from the environment Juju
// builds for it.
type Event struct {
	Kind Kind
	// Name is the full hook name (db-relation-changed) or the action name.
	Name          string
	Unit          string
	App           string
	Model         string
	ModelUUID     string
	CharmDir      string
	JujuVersion   string
	Relation      string // endpoint, for relation events
	RelationID    string // "db:7"
	RemoteApp     string
	RemoteUnit    string
	DepartingUnit string
	Workload      string // container, for pebble events
	CheckName     string
	SecretID      string
	SecretLabel   string
}

// ErrNoDispatchPath is returned outside a Juju hook or action.
var ErrNoDispatchPath = errors.New("JUJU_DISPATCH_PATH is not set: not running as a Juju hook or action")

var suffixKinds = []Kind{
	RelationCreated, RelationJoined, RelationChanged, RelationDeparted, RelationBroken,
	PebbleReady, PebbleCheckFailed, PebbleCheckRecovered, PebbleCustomNotice,
	StorageAttached, StorageDetaching,
}

// ParseEvent reads the event from the environment. The dispatch path, not
// argv[0], names the event: Juju runs dispatch with no arguments.
func ParseEvent(getenv func(string) string) (Event, error) {
	path := getenv("JUJU_DISPATCH_PATH")
	if path == "" {
		return Event{}, ErrNoDispatchPath
	}
	unit := getenv("JUJU_UNIT_NAME")
	app, _, _ := strings.Cut(unit, "/")
	ev := Event{
		Unit:          unit,
		App:           app,
		Model:         getenv("JUJU_MODEL_NAME"),
		ModelUUID:     getenv("JUJU_MODEL_UUID"),
		CharmDir:      getenv("JUJU_CHARM_DIR"),
		JujuVersion:   getenv("JUJU_VERSION"),
		Relation:      getenv("JUJU_RELATION"),
		RelationID:    getenv("JUJU_RELATION_ID"),
		RemoteApp:     getenv("JUJU_REMOTE_APP"),
		RemoteUnit:    getenv("JUJU_REMOTE_UNIT"),
		DepartingUnit: getenv("JUJU_DEPARTING_UNIT"),
		Workload:      getenv("JUJU_WORKLOAD_NAME"),
		CheckName:     getenv("JUJU_PEBBLE_CHECK_NAME"),
		SecretID:      getenv("JUJU_SECRET_ID"),
		SecretLabel:   getenv("JUJU_SECRET_LABEL"),
	}
	dir, name, ok := strings.Cut(path, "/")
	if !ok || name == "" {
		return Event{}, fmt.Errorf("cannot parse JUJU_DISPATCH_PATH %q", path)
	}
	ev.Name = name
	switch dir {
	case "actions":
		ev.Kind = Action
		return ev, nil
	case "hooks":
	default:
		return Event{}, fmt.Errorf("cannot parse JUJU_DISPATCH_PATH %q: want hooks/ or actions/", path)
	}
	for _, k := range suffixKinds {
		if strings.HasSuffix(name, "-"+string(k)) {
			ev.Kind = k
			return ev, nil
		}
	}
	ev.Kind = Kind(name)
	return ev, nil
}

// Topology is the Juju topology COS labels everything with.
type Topology struct {
	Model     string
	ModelUUID string
	App       string
	Unit      string
	Charm     string
}

// JSON is the topology as the COS libraries write it in relation data
// (JujuTopology.as_dict: scrape_metadata, loki's metadata).
func (t Topology) JSON() string {
	data, _ := json.Marshal(map[string]string{
		"model": t.Model, "model_uuid": t.ModelUUID, "application": t.App, "unit": t.Unit, "charm_name": t.Charm,
	})
	return string(data)
}

// Topology is the event's unit's topology, for a charm named charm.
func (e Event) Topology(charm string) Topology {
	return Topology{Model: e.Model, ModelUUID: e.ModelUUID, App: e.App, Unit: e.Unit, Charm: charm}
}
