//go:build !unix

package main

import "os/exec"

// Without process groups, killing the go command is the best available;
// its children may outlive it until they finish.
func setProcessGroup(*exec.Cmd) {}

func killProcessGroup(cmd *exec.Cmd) error {
	if err := cmd.Process.Kill(); err != nil && cmd.ProcessState == nil {
		return err
	}
	return nil
}
