package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path"
	"regexp"
	"strings"
)

// equivEntry is one line of the equivalent-mutants file.
type equivEntry struct {
	Key    string
	Reason string
	Line   int
}

// equivLine splits `KEY  # why`. A key ends in its occurrence suffix
// "#<n>", and its snippets may themselves contain '#' or spaces, so the key
// is the shortest prefix ending in #<digits> that leaves either nothing or
// white space plus a '#' comment.
var equivLine = regexp.MustCompile(`^(.*?#\d+)(?:\s+#\s*(.*))?$`)

// parseEquivalent reads the file format:
//
//	# comment lines and blank lines are ignored
//	internal/config/config.go:Parse:negate:a == b→a != b#0  # why
//
// Every entry needs a reason: the file exists to document why a surviving
// mutant is harmless, and an unexplained entry is just a silenced test gap.
func parseEquivalent(r io.Reader) ([]equivEntry, error) {
	var entries []equivEntry
	seen := map[string]int{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m := equivLine.FindStringSubmatch(line)
		if m == nil {
			return nil, fmt.Errorf("line %d: want `KEY  # why it is equivalent`, where KEY ends in #<n>", n)
		}
		key, reason := strings.TrimSpace(m[1]), strings.TrimSpace(m[2])
		if reason == "" {
			return nil, fmt.Errorf("line %d: %s: missing `# why it is equivalent`", n, key)
		}
		if prev, dup := seen[key]; dup {
			return nil, fmt.Errorf("line %d: %s: already listed on line %d", n, key, prev)
		}
		seen[key] = n
		entries = append(entries, equivEntry{Key: key, Reason: reason, Line: n})
	}
	return entries, sc.Err()
}

func readEquivalent(name string) ([]equivEntry, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	entries, err := parseEquivalent(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return entries, nil
}

// staleEntries returns the entries that match no mutant although the tool
// looked where the mutant would be: the key's file is in one of the
// mutated package directories (scope), or no longer exists at all. Entries
// for packages outside this run's patterns are not judged, so a run over a
// few packages can share the whole file. keys is every enumerated key,
// before any -run filter.
func staleEntries(entries []equivEntry, keys map[string]bool, scope map[string]bool, exists func(rel string) bool) []equivEntry {
	var stale []equivEntry
	for _, e := range entries {
		if keys[e.Key] {
			continue
		}
		rel, _, _ := strings.Cut(e.Key, ":")
		if scope[path.Dir(rel)] || !exists(rel) {
			stale = append(stale, e)
		}
	}
	return stale
}
