package jujutest

// goalStatus is one goal-state entry as goal-state.go prints it.
type goalStatus struct {
	Status string `json:"status"`
	Since  string `json:"since,omitempty"`
}

// goalState follows goal-state.go and the controller's goal state
// (apiserver/facades/agent/uniter/uniter.go, goalStateUnits and
// goalStateRelations): every unit of this application (a dying one as
// "dying"), and per endpoint of each non-peer relation the remote
// application and its units. Statuses are workload statuses; a unit whose
// charm never set one is "unknown" (the uniter sets that after the start
// hook: internal/worker/uniter/operation/runhook.go). This fake knows only
// this unit's
// status: other units are "active". "since" uses common.FormatTime's ISO
// form.
func (m *Model) goalState(argv []string) ([]byte, error) {
	const name = "goal-state"
	a, err := parse(name, argv, []string{"format"}, nil)
	if err != nil {
		return nil, err
	}
	if len(a.pos) > 0 {
		return nil, unrecognized(name, a.pos)
	}
	since := m.since.UTC().Format("2006-01-02 15:04:05Z")
	self := string(m.state.UnitStatus.Name)
	if self == "" {
		self = "unknown"
	}
	if m.state.Dying {
		self = "dying"
	}
	type contents map[string]goalStatus
	gs := struct {
		Units     contents            `json:"units"`
		Relations map[string]contents `json:"relations"`
	}{
		Units:     contents{m.state.Unit: {Status: self, Since: since}},
		Relations: map[string]contents{},
	}
	add := func(endpoint, app string, units []string) {
		if gs.Relations[endpoint] == nil {
			gs.Relations[endpoint] = contents{}
		}
		gs.Relations[endpoint][app] = goalStatus{Status: "joined", Since: since}
		for _, u := range units {
			gs.Relations[endpoint][u] = goalStatus{Status: "active", Since: since}
		}
	}
	for _, r := range m.state.Relations {
		if r.RemoteApp == m.localApp() {
			// Peer relations are left out, but their units are the
			// application's other units.
			for _, u := range r.RemoteUnits {
				gs.Units[u] = goalStatus{Status: "active", Since: since}
			}
			continue
		}
		add(r.Endpoint(), r.RemoteApp, r.RemoteUnits)
	}
	for endpoint, app := range m.state.PendingRelations {
		add(endpoint, app, nil)
	}
	return output(a.flags["format"], gs)
}
