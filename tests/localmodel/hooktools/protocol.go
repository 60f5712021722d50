// Package hooktools holds the hook tools a charm calls while a hook runs
// (config-get, relation-set, secret-get, ...): the client side that runs as
// the tool executable inside the charm container, and the server side that
// runs each command against the hook's context in the model.
package hooktools

// Request is what a tool executable sends to the unit agent: Juju's jujuc
// request, plus the contents of any file named on the command line, because
// those paths only exist inside the charm container.
type Request struct {
	ContextID string            `json:"context-id"`
	Dir       string            `json:"dir"`
	Command   string            `json:"command"`
	Args      []string          `json:"args"`
	Stdin     []byte            `json:"stdin,omitempty"`
	Files     map[string][]byte `json:"files,omitempty"`
}

// Response is the outcome of one tool run.
type Response struct {
	Code   int    `json:"code"`
	Stdout []byte `json:"stdout,omitempty"`
	Stderr []byte `json:"stderr,omitempty"`
	// OutputFile is set when the command was given -o/--output: the client
	// writes Stdout there instead, relative to its working directory.
	OutputFile string `json:"output-file,omitempty"`
}

// Names lists every hook tool, for the tools directory.
var names = []string{
	"action-fail", "action-get", "action-log", "action-set",
	"application-version-set", "close-port", "config-get", "goal-state",
	"is-leader", "juju-log", "leader-get", "leader-set", "network-get",
	"open-port", "opened-ports", "relation-get", "relation-ids",
	"relation-list", "relation-set", "secret-add", "secret-get",
	"secret-grant", "secret-ids", "secret-info-get", "secret-remove",
	"secret-revoke", "secret-set", "state-delete", "state-get", "state-set",
	"status-get", "status-set", "storage-get", "storage-list", "unit-get",
}

// Names returns the names of every hook tool.
func Names() []string { return append([]string(nil), names...) }

// IsTool reports whether name is a hook tool.
func IsTool(name string) bool {
	for _, n := range names {
		if n == name {
			return true
		}
	}
	return false
}
