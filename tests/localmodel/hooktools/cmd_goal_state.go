package hooktools

import "time"

// goalStateStatus and formattedGoalState are goal-state's output
// (internal/worker/uniter/runner/jujuc/goal-state.go): "since" is
// common.FormatTime's ISO form, "2006-01-02 15:04:05Z" in UTC
// (cmd/juju/common/format.go), left out when there is no time.
type goalStateStatus struct {
	Status string `json:"status" yaml:"status"`
	Since  string `json:"since,omitempty" yaml:"since,omitempty"`
}

type formattedGoalState struct {
	Units     map[string]goalStateStatus            `json:"units" yaml:"units"`
	Relations map[string]map[string]goalStateStatus `json:"relations" yaml:"relations"`
}

func formatSince(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}

func formatGoalState(gs GoalState) formattedGoalState {
	copyUnits := func(units map[string]GoalStatus) map[string]goalStateStatus {
		out := map[string]goalStateStatus{}
		for name, st := range units {
			out[name] = goalStateStatus{Status: st.Status, Since: formatSince(st.Since)}
		}
		return out
	}
	out := formattedGoalState{Units: copyUnits(gs.Units), Relations: map[string]map[string]goalStateStatus{}}
	for rel, units := range gs.Relations {
		out.Relations[rel] = copyUnits(units)
	}
	return out
}

func goalState(c *inv) error {
	c.formatFlags("yaml", "yaml", "json")
	if _, err := c.parseAtMost(0); err != nil {
		return err
	}
	return c.write(formatGoalState(c.ctx.GoalState()))
}
