package charm

import "github.com/temporal-k8s/temporal-k8s/internal/juju"

// priority orders statuses as ops' collect-status does: the worst wins.
var priority = map[juju.StatusName]int{
	juju.StatusBlocked:     4,
	juju.StatusMaintenance: 3,
	juju.StatusWaiting:     2,
	juju.StatusActive:      1,
}

// statuses collects candidate statuses; the first of the highest priority
// is the one a hook reports.
type statuses struct {
	best juju.Status
}

func (s *statuses) add(name juju.StatusName, msg string) {
	if priority[name] > priority[s.best.Name] {
		s.best = juju.Status{Name: name, Message: msg}
	}
}

func (s *statuses) ok() bool {
	return s.best.Name == "" || s.best.Name == juju.StatusActive
}

func (s *statuses) result() juju.Status {
	if s.best.Name == "" {
		return juju.Status{Name: juju.StatusActive}
	}
	return s.best
}
