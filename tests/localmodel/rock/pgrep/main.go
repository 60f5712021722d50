// Command pgrep is the small subset of procps' pgrep the rock's built-in
// Pebble check needs: exit 0 when a process whose name matches the pattern
// runs, 1 otherwise, printing the matching pids.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	if len(args) != 1 {
		fmt.Fprintln(os.Stderr, "usage: pgrep PATTERN")
		return 2
	}
	re, err := regexp.Compile(args[0])
	if err != nil {
		fmt.Fprintf(os.Stderr, "pgrep: cannot compile pattern: %v\n", err)
		return 2
	}
	comms, _ := filepath.Glob("/proc/[0-9]*/comm")
	found := false
	for _, comm := range comms {
		name, err := os.ReadFile(comm)
		if err != nil {
			continue
		}
		// procps matches the kernel's 15-character process name.
		if re.MatchString(strings.TrimSpace(string(name))) {
			fmt.Println(filepath.Base(filepath.Dir(comm)))
			found = true
		}
	}
	if !found {
		return 1
	}
	return 0
}
