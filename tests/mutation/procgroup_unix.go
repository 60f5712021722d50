//go:build unix

package main

import (
	"errors"
	"os/exec"
	"syscall"
)

// setProcessGroup starts the go command in a new process group, so a
// timeout can kill the compilers and test binaries it spawned, not just
// the go command (which would leave a hung test binary running).
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// killProcessGroup kills the group led by cmd's process. A group that has
// already exited is not an error.
func killProcessGroup(cmd *exec.Cmd) error {
	if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return err
	}
	return nil
}
