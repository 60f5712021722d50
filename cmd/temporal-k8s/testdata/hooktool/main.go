// Command hooktool stands in for every Juju hook tool in the dispatch
// benchmark: it answers by its own name from responses.json beside it,
// like jujuc answers by the symlink it was run through.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, "ERROR", err)
		os.Exit(1)
	}
	data, err := os.ReadFile(filepath.Join(filepath.Dir(exe), "responses.json"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "ERROR", err)
		os.Exit(1)
	}
	var responses map[string]string
	if err := json.Unmarshal(data, &responses); err != nil {
		fmt.Fprintln(os.Stderr, "ERROR", err)
		os.Exit(1)
	}
	// Drain stdin as a real tool would.
	if stat, err := os.Stdin.Stat(); err == nil && stat.Mode()&os.ModeCharDevice == 0 {
		_, _ = io.Copy(io.Discard, os.Stdin)
	}
	name := filepath.Base(os.Args[0])
	key := strings.TrimSpace(name + " " + strings.Join(os.Args[1:], " "))
	if out, ok := responses[key]; ok {
		fmt.Print(out)
		return
	}
	if out, ok := responses[name]; ok {
		fmt.Print(out)
		return
	}
	fmt.Fprintf(os.Stderr, "ERROR no stub answer for %q\n", key)
	os.Exit(1)
}
