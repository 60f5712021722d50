package hooktools

import (
	"errors"
	"fmt"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/internal/flags"
)

// usageError is an error from parsing or validating arguments: exit code 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

type command func(c *inv) error

var commands = map[string]command{
	"action-fail":             actionFail,
	"action-get":              actionGet,
	"action-log":              actionLog,
	"action-set":              actionSet,
	"application-version-set": applicationVersionSet,
	"close-port":              func(c *inv) error { return portCmd(c, false) },
	"config-get":              configGet,
	"goal-state":              goalState,
	"is-leader":               isLeader,
	"juju-log":                jujuLog,
	"leader-get":              leaderGet,
	"leader-set":              leaderSet,
	"network-get":             networkGet,
	"open-port":               func(c *inv) error { return portCmd(c, true) },
	"opened-ports":            openedPorts,
	"relation-get":            relationGet,
	"relation-ids":            relationIDs,
	"relation-list":           relationList,
	"relation-model-get":      relationModelGet,
	"relation-set":            relationSet,
	"secret-add":              secretAdd,
	"secret-get":              secretGet,
	"secret-grant":            secretGrant,
	"secret-ids":              secretIDs,
	"secret-info-get":         secretInfoGet,
	"secret-remove":           secretRemove,
	"secret-revoke":           secretRevoke,
	"secret-set":              secretSet,
	"state-delete":            stateDelete,
	"state-get":               stateGet,
	"state-set":               stateSet,
	"status-get":              statusGet,
	"status-set":              statusSet,
	"storage-get":             storageGet,
	"storage-list":            storageList,
	"unit-get":                unitGet,
}

// Run runs one hook-tool request against ctx.
func Run(ctx Context, req Request) Response {
	c := &inv{ctx: ctx, req: req, fs: flags.NewSet()}
	cmd, ok := commands[req.Command]
	if !ok {
		return Response{Code: 1, Stderr: []byte(fmt.Sprintf("ERROR unknown command %q\n", req.Command))}
	}
	err := cmd(c)
	resp := Response{Stdout: c.stdout.Bytes()}
	if err != nil {
		resp.Code = 1
		var ue *usageError
		if errors.As(err, &ue) || errors.Is(err, flags.ErrHelp) {
			resp.Code = 2
		}
		if errors.Is(err, flags.ErrHelp) {
			resp.Code = 0
			err = nil
		}
		if err != nil {
			fmt.Fprintf(&c.stderr, "ERROR %s\n", err.Error())
		}
	} else if c.output != "" {
		resp.OutputFile = c.output
	}
	resp.Stderr = c.stderr.Bytes()
	return resp
}
