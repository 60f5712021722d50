package jujutest

import (
	"time"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
)

func (m *Model) statusSet(argv []string) ([]byte, error) {
	const name = "status-set"
	a, err := parse(name, argv, nil, []string{"application"})
	if err != nil {
		return nil, err
	}
	if len(a.pos) == 0 {
		return nil, usage(name, "invalid args, require <status> [message]")
	}
	st := juju.StatusName(a.pos[0])
	switch st {
	case juju.StatusActive, juju.StatusBlocked, juju.StatusMaintenance, juju.StatusWaiting:
	default:
		return nil, usage(name, "invalid status %q, expected one of [maintenance blocked waiting active]", a.pos[0])
	}
	if len(a.pos) > 2 {
		return nil, unrecognized(name, a.pos[2:])
	}
	s := juju.Status{Name: st}
	if len(a.pos) == 2 {
		s.Message = a.pos[1]
	}
	if a.flags["application"] == "true" {
		if !m.state.Leader {
			return nil, failure(name, "this unit is not the leader")
		}
		m.state.AppStatus = s
		return nil, nil
	}
	m.state.UnitStatus = s
	m.since = time.Now().UTC()
	return nil, nil
}

// applicationVersionSet follows application-version-set.go: Init.
func (m *Model) applicationVersionSet(argv []string) ([]byte, error) {
	const name = "application-version-set"
	a, err := parse(name, argv, nil, nil)
	if err != nil {
		return nil, err
	}
	if len(a.pos) < 1 {
		return nil, usage(name, "no version specified")
	}
	if len(a.pos) > 1 {
		return nil, unrecognized(name, a.pos[1:])
	}
	m.state.Version = a.pos[0]
	return nil, nil
}
