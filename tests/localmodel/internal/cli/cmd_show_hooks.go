package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/model"
)

// showHooks prints the hooks and actions a unit ran, oldest first, as juju
// show-status-log prints a unit's status history: what ran, how long its
// charm process took, how it ended and which hook tools it called.
func showHooks(c *cmdCtx, args []string) error {
	var hook, format string
	var last int
	c.fs.String(&hook, "", "hook")
	c.fs.Int(&last, 0, "last", "n")
	c.fs.String(&format, "tabular", "format")
	pos, err := c.fs.Parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("usage: show-hooks UNIT [--hook NAME] [--last N] [--format tabular|json|yaml]")
	}
	if last < 0 {
		return fmt.Errorf("invalid --last %d: must not be negative", last)
	}
	// Checked before asking the model, so a typo costs no round trip.
	if err := checkHookFormat(format); err != nil {
		return err
	}
	var recs []model.HookRecord
	if err := c.call("show-hooks", map[string]string{"Unit": pos[0]}, &recs); err != nil {
		return fmt.Errorf("cannot show the hooks of %s: %w", pos[0], err)
	}
	recs = selectHooks(recs, hook, last)
	return writeHooks(c.env.Stdout, recs, format)
}

// selectHooks keeps the records of one hook or action (all if name is
// empty), then the last n of them (all if n is 0).
func selectHooks(recs []model.HookRecord, name string, n int) []model.HookRecord {
	out := []model.HookRecord{}
	for _, r := range recs {
		if name == "" || r.Name() == name {
			out = append(out, r)
		}
	}
	if n > 0 && len(out) > n {
		out = out[len(out)-n:]
	}
	return out
}

func checkHookFormat(format string) error {
	switch format {
	case "tabular", "json", "yaml":
		return nil
	}
	return fmt.Errorf("cannot print hooks as %q: the formats are tabular, json and yaml", format)
}

// writeHooks prints hook records: a table, or the full records as JSON or
// YAML.
func writeHooks(w io.Writer, recs []model.HookRecord, format string) error {
	switch format {
	case "json":
		return json.NewEncoder(w).Encode(recs)
	case "yaml":
		// Through JSON, so that YAML has the same keys and values.
		var generic any
		data, err := json.Marshal(recs)
		if err != nil {
			return fmt.Errorf("cannot encode hooks: %w", err)
		}
		if err := json.Unmarshal(data, &generic); err != nil {
			return fmt.Errorf("cannot encode hooks: %w", err)
		}
		return writeYAML(w, generic)
	case "tabular":
		tw := tabwriter.NewWriter(w, 0, 1, 2, ' ', 0)
		fmt.Fprintln(tw, "Time\tHook\tDuration(ms)\tExit\tTools\tCalls\tMessage")
		for _, r := range recs {
			name := r.Hook
			if r.Action != "" {
				name = "action " + r.Action
			}
			fmt.Fprintf(tw, "%s\t%s\t%.1f\t%d\t%d\t%s\t%s\n",
				r.Started.Format("02 Jan 2006 15:04:05Z07:00"), name, r.DurationMS, r.ExitCode,
				len(r.Tools), compactTools(r.Tools), r.Error)
		}
		return tw.Flush()
	}
	return checkHookFormat(format)
}

// compactTools names each tool once, in the order of its first call, with
// how many times it was called when more than once: "is-leader
// status-set×2". The records keep the full sequence.
func compactTools(tools []string) string {
	var order []string
	counts := map[string]int{}
	for _, t := range tools {
		if counts[t] == 0 {
			order = append(order, t)
		}
		counts[t]++
	}
	parts := make([]string, len(order))
	for i, t := range order {
		parts[i] = t
		if counts[t] > 1 {
			parts[i] = fmt.Sprintf("%s×%d", t, counts[t])
		}
	}
	return strings.Join(parts, " ")
}
