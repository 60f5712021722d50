package hooktools

import (
	"errors"
	"time"
)

// Context is what the hook tools need from the running hook. The model
// implements it; errors it returns are printed as "ERROR <text>" with exit
// code 1, so their text must be Juju's.
type Context interface {
	UnitName() string
	IsLeader() bool

	// ConfigSettings returns every option, nil for unset ones without a
	// default.
	ConfigSettings() map[string]any

	// HookRelation is the relation of a relation hook.
	HookRelation() (int, bool)
	// RemoteUnit and RemoteApp are JUJU_REMOTE_UNIT and JUJU_REMOTE_APP.
	RemoteUnit() string
	RemoteApp() string
	// Relation returns a relation the unit may address in this hook.
	Relation(id int) (RelationInfo, bool)
	// RelationIDs lists the live relations on an endpoint, sorted by id.
	RelationIDs(endpoint string) []int
	// ReadSettings reads a unit or app databag (app is true for an app).
	ReadSettings(id int, name string, app bool) (map[string]string, error)
	// WriteSettings stages changes to the unit's or app's databag; an
	// empty value deletes the key.
	WriteSettings(id int, app bool, changes map[string]string) error

	// Network returns the addresses for a binding (endpoint name, or "" for
	// the default).
	Network(binding string) (NetworkInfo, error)
	PrivateAddress() string

	OpenPort(Port) error
	ClosePort(Port) error
	OpenedPorts() []Port

	SetStatus(app bool, st Status) error
	UnitStatus() Status
	// AppStatus returns the app status and each unit's; leader only.
	AppStatus() (Status, map[string]Status, error)
	SetVersion(string)
	Log(level, msg string)

	// Action returns the running action, or ErrNotAction.
	Action() (Action, error)

	StateGet() map[string]string
	StateSet(map[string]string) error
	StateDelete(key string) error

	LeaderGet() map[string]string
	LeaderSet(map[string]string) error

	GoalState() GoalState
	// ModelUUID is the UUID of the model a relation's remote side is in:
	// this model, since the local model has no cross-model relations.
	ModelUUID() string

	SecretAdd(SecretArgs) (string, error)
	SecretGet(id, label string, peek, refresh bool) (map[string]string, error)
	SecretSet(id string, args SecretArgs) error
	SecretGrant(id string, relID int, unit string) error
	SecretRevoke(id string, relID int, app, unit string) error
	SecretIDs() []string
	SecretInfo(id, label string) (map[string]SecretInfo, error)
	SecretRemove(id string, revision int) error

	Storage() []StorageInfo
}

// ErrNotAction is returned by Context.Action outside an action.
var ErrNotAction = errors.New("not running an action")

// RelationInfo describes a relation from the unit's side.
type RelationInfo struct {
	ID        int
	Endpoint  string
	RemoteApp string
	Peer      bool
	// Units are the remote units in scope, sorted.
	Units []string
}

// Port is an opened port.
type Port struct {
	Number   int
	Protocol string
}

func (p Port) String() string {
	if p.Protocol == "icmp" {
		return "icmp"
	}
	return itoa(p.Number) + "/" + p.Protocol
}

// Status is a workload status.
type Status struct {
	Status  string
	Message string
	Data    map[string]any
	Since   time.Time
}

// NetworkInfo is network-get's answer.
type NetworkInfo struct {
	BindAddresses    []string
	IngressAddresses []string
	EgressSubnets    []string
}

// Action is the running action's handle.
type Action interface {
	Params() map[string]any
	Set(results map[string]any)
	Fail(msg string)
	Log(msg string)
}

// GoalState is goal-state's answer.
type GoalState struct {
	Units     map[string]GoalStatus            `json:"units" yaml:"units"`
	Relations map[string]map[string]GoalStatus `json:"relations" yaml:"relations"`
}

// GoalStatus is one entry of goal-state.
type GoalStatus struct {
	Status string    `json:"status" yaml:"status"`
	Since  time.Time `json:"since" yaml:"since"`
}

// SecretArgs are secret-add's and secret-set's options. Nil pointers mean
// "not given".
type SecretArgs struct {
	Content     map[string]string
	Label       *string
	Description *string
	Expire      *time.Time
	Rotate      *string
	Owner       string
}

// SecretInfo is one entry of secret-info-get.
type SecretInfo struct {
	Revision    int            `json:"revision" yaml:"revision"`
	Label       string         `json:"label,omitempty" yaml:"label,omitempty"`
	Owner       string         `json:"owner" yaml:"owner"`
	Description string         `json:"description,omitempty" yaml:"description,omitempty"`
	Rotation    string         `json:"rotation,omitempty" yaml:"rotation,omitempty"`
	Expiry      *time.Time     `json:"expiry,omitempty" yaml:"expiry,omitempty"`
	Access      []SecretAccess `json:"access,omitempty" yaml:"access,omitempty"`
}

// SecretAccess is one grant.
type SecretAccess struct {
	Target string `json:"target" yaml:"target"`
	Scope  string `json:"scope" yaml:"scope"`
	Role   string `json:"role" yaml:"role"`
}

// StorageInfo is one storage instance.
type StorageInfo struct {
	ID       string
	Kind     string
	Location string
}
