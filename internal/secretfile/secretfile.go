// Package secretfile is the server's database passwordCommand: Temporal
// runs it for every new database connection and uses what it prints as
// the password (common/config/persistence.go, ResolvePassword, through
// sqlplugin.RefreshingConnector). The charm writes the password to a
// file the server's user alone can read, so a rotated password reaches
// the next connection without a restart, and the server's config holds
// no secret.
package secretfile

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// Flag marks a run of the charm's workload helper (the executable the
// charm pushes into the workload container) as a password read.
const Flag = "--print-secret"

// ErrUsage is returned for arguments Main cannot read.
var ErrUsage = errors.New("usage: " + Flag + " PATH")

// Args are the arguments the helper is given to print the file at path.
func Args(path string) []string {
	return []string{Flag, path}
}

// Is reports whether the helper's arguments ask for a password.
func Is(args []string) bool {
	return len(args) > 0 && args[0] == Flag
}

// Print writes the file named by the arguments after Flag to out, as it
// is: Temporal trims a trailing newline itself.
func Print(args []string, out io.Writer) error {
	if !Is(args) || len(args) != 2 || args[1] == "" {
		return ErrUsage
	}
	data, err := os.ReadFile(args[1])
	if err != nil {
		// The path, never the content: Temporal logs this.
		return fmt.Errorf("cannot read the password: %w", err)
	}
	if _, err := out.Write(data); err != nil {
		return fmt.Errorf("cannot write the password: %w", err)
	}
	return nil
}

// Main is the command: Temporal reads its output, and logs what it wrote
// to stderr when it fails.
func Main(args []string, stdout, stderr io.Writer) int {
	if err := Print(args, stdout); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}
