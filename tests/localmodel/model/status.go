package model

import (
	"fmt"
	"sort"
	"time"
)

// Status is `juju status --format json`, in Juju's shape.
type Status struct {
	Model        ModelInfo            `json:"model"`
	Applications map[string]AppStatus `json:"applications"`
	Relations    []RelationStatus     `json:"relations"`
}

// ModelInfo is the model section of the status.
type ModelInfo struct {
	Name        string     `json:"name"`
	UUID        string     `json:"uuid"`
	Type        string     `json:"type"`
	Controller  string     `json:"controller"`
	Cloud       string     `json:"cloud"`
	Region      string     `json:"region"`
	Version     string     `json:"version"`
	ModelStatus StatusInfo `json:"model-status"`
	SLA         string     `json:"sla"`
}

// StatusInfo is a status value with its message.
type StatusInfo struct {
	Current string `json:"current"`
	Message string `json:"message,omitempty"`
	Since   string `json:"since,omitempty"`
}

// AppStatus is one application in the status.
type AppStatus struct {
	Charm             string                `json:"charm"`
	CharmName         string                `json:"charm-name"`
	CharmOrigin       string                `json:"charm-origin"`
	CharmRev          int                   `json:"charm-rev"`
	Scale             int                   `json:"scale"`
	Version           string                `json:"version,omitempty"`
	Address           string                `json:"address,omitempty"`
	Exposed           bool                  `json:"exposed"`
	Life              string                `json:"life,omitempty"`
	ApplicationStatus StatusInfo            `json:"application-status"`
	Relations         map[string][]Related  `json:"relations,omitempty"`
	Units             map[string]UnitStatus `json:"units,omitempty"`
}

// Related names one application an endpoint is related to.
type Related struct {
	RelatedApplication string `json:"related-application"`
	Interface          string `json:"interface"`
	Scope              string `json:"scope"`
}

// UnitStatus is one unit in the status.
type UnitStatus struct {
	WorkloadStatus StatusInfo `json:"workload-status"`
	JujuStatus     StatusInfo `json:"juju-status"`
	Leader         bool       `json:"leader,omitempty"`
	Address        string     `json:"address,omitempty"`
	OpenPorts      []string   `json:"open-ports,omitempty"`
	ProviderID     string     `json:"provider-id,omitempty"`
}

// RelationStatus is one relation.
type RelationStatus struct {
	ID        int    `json:"id"`
	Key       string `json:"key"`
	Interface string `json:"interface"`
	Provider  string `json:"provider"`
	Requirer  string `json:"requirer"`
	Type      string `json:"type"`
	Status    string `json:"status"`
}

// Status returns the model status.
func (m *Model) Status() Status {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.statusLocked()
}

func since(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339)
}

var severity = map[string]int{
	"error": 100, "blocked": 90, "maintenance": 80, "waiting": 70,
	"active": 60, "terminated": 50, "unknown": 40,
}

func (m *Model) statusLocked() Status {
	st := Status{
		Model: ModelInfo{
			Name: m.cfg.Name, UUID: m.cfg.UUID, Type: "caas", Controller: "localmodel",
			Cloud: "localmodel", Region: "localhost", Version: m.cfg.JujuVersion,
			ModelStatus: StatusInfo{Current: "available"}, SLA: "unsupported",
		},
		Applications: map[string]AppStatus{},
		Relations:    []RelationStatus{},
	}
	for name, a := range m.apps {
		as := AppStatus{
			Charm: a.charm.Meta.Name, CharmName: a.charm.Meta.Name, CharmOrigin: "local",
			CharmRev: a.rev, Version: a.version, Units: map[string]UnitStatus{},
			Relations: map[string][]Related{},
		}
		if a.life == dying {
			as.Life = "dying"
		}
		if a.service != nil {
			as.Address = a.service.Address()
		}
		var derived *StatusInfo
		for un, u := range a.units {
			if u.life == alive {
				as.Scale++
			}
			us := UnitStatus{
				WorkloadStatus: StatusInfo{Current: u.status.Status, Message: u.status.Message, Since: since(u.status.Since)},
				JujuStatus:     StatusInfo{Current: u.agentStatus, Message: u.agentMessage},
				Leader:         a.leader == un,
				Address:        u.address,
				ProviderID:     u.podName(),
			}
			if u.failed != nil {
				us.WorkloadStatus = StatusInfo{Current: "error", Message: u.agentMessage}
			}
			for _, p := range u.ports {
				us.OpenPorts = append(us.OpenPorts, p.String())
			}
			as.Units[un] = us
			ws := us.WorkloadStatus
			if derived == nil || severity[ws.Current] > severity[derived.Current] {
				derived = &ws
			}
		}
		switch {
		case a.status != nil:
			as.ApplicationStatus = StatusInfo{Current: a.status.Status, Message: a.status.Message, Since: since(a.status.Since)}
		case derived != nil:
			as.ApplicationStatus = StatusInfo{Current: derived.Current, Message: derived.Message}
		default:
			as.ApplicationStatus = StatusInfo{Current: "waiting", Message: "waiting for units"}
		}
		if a.status != nil {
			for _, u := range a.units {
				if u.failed != nil {
					as.ApplicationStatus = StatusInfo{Current: "error", Message: u.agentMessage}
				}
			}
		}
		st.Applications[name] = as
	}
	var ids []int
	for id := range m.relations {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	for _, id := range ids {
		r := m.relations[id]
		rs := RelationStatus{ID: id, Key: r.key(), Interface: r.eps[0].iface, Type: "regular", Status: "joined"}
		if r.life != alive {
			rs.Status = "broken"
		}
		if r.peer() {
			rs.Type = "peer"
			rs.Provider, rs.Requirer = r.eps[0].String(), r.eps[0].String()
		} else {
			for _, e := range r.eps {
				if e.role == "provider" {
					rs.Provider = e.String()
				} else {
					rs.Requirer = e.String()
				}
			}
		}
		st.Relations = append(st.Relations, rs)
		for _, e := range r.eps {
			as, ok := st.Applications[e.app]
			if !ok {
				continue
			}
			as.Relations[e.name] = append(as.Relations[e.name], Related{
				RelatedApplication: r.remoteApp(e.app), Interface: e.iface, Scope: "global",
			})
			st.Applications[e.app] = as
		}
	}
	return st
}

// Idle reports whether every unit is idle with nothing queued: used by
// tests to wait for the model to settle.
func (m *Model) Idle() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.cfg.Clock.Now()
	for _, a := range m.apps {
		if a.electing {
			// A leaderless gap is not a settled model.
			return false
		}
		for _, u := range a.units {
			if u.pod == nil || u.address == "" || u.agentStatus == "executing" || u.life != alive {
				return false
			}
			if u.failed != nil {
				return false
			}
			o, _ := u.nextOp(now)
			if o != nil && o.hook != "update-status" {
				return false
			}
		}
	}
	return true
}

// UnitError returns the unit's failed hook, if any.
func (m *Model) UnitError(unit string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u := m.unitLocked(unit)
	if u == nil {
		return "", fmt.Errorf("unit %q not found", unit)
	}
	if u.failed == nil {
		return "", nil
	}
	return u.failed.hook, nil
}
