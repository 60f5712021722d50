package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/model"
)

func status(c *cmdCtx, args []string) error {
	var format, watch string
	var relations bool
	c.fs.String(&format, "tabular", "format")
	c.fs.String(&watch, "", "watch")
	c.fs.Bool(&relations, "relations")
	c.fs.Bool(new(bool), "color")
	pos, err := c.fs.Parse(args)
	if err != nil {
		return err
	}
	print := func() error {
		var st model.Status
		if err := c.call("status", struct{}{}, &st); err != nil {
			return err
		}
		filterStatus(&st, pos)
		switch format {
		case "json":
			return json.NewEncoder(c.env.Stdout).Encode(st)
		case "yaml":
			var generic any
			data, _ := json.Marshal(st)
			json.Unmarshal(data, &generic)
			return writeYAML(c.env.Stdout, generic)
		case "tabular":
			return writeTabular(c.env.Stdout, st, relations, time.Now())
		}
		return fmt.Errorf("unknown format %q", format)
	}
	if watch == "" {
		return print()
	}
	d, err := time.ParseDuration(watch)
	if err != nil {
		return fmt.Errorf("invalid --watch: %w", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	for {
		fmt.Fprint(c.env.Stdout, "\033[H\033[2J")
		if err := print(); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(d):
		}
	}
}

// filterStatus keeps only the applications (or units' applications) named.
func filterStatus(st *model.Status, patterns []string) {
	if len(patterns) == 0 {
		return
	}
	keep := map[string]bool{}
	for _, p := range patterns {
		keep[strings.SplitN(p, "/", 2)[0]] = true
	}
	for name := range st.Applications {
		if !keep[name] {
			delete(st.Applications, name)
		}
	}
}

func writeTabular(w io.Writer, st model.Status, relations bool, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 1, 2, ' ', 0)
	fmt.Fprintln(tw, "Model\tController\tCloud/Region\tVersion\tSLA\tTimestamp")
	fmt.Fprintf(tw, "%s\t%s\t%s/%s\t%s\t%s\t%s\n", st.Model.Name, st.Model.Controller, st.Model.Cloud, st.Model.Region, st.Model.Version, st.Model.SLA, now.Format("15:04:05Z07:00"))
	tw.Flush()
	if len(st.Applications) == 0 {
		fmt.Fprintln(w, "\nModel \""+st.Model.Name+"\" is empty.")
		return nil
	}
	fmt.Fprintln(w)
	apps := make([]string, 0, len(st.Applications))
	for name := range st.Applications {
		apps = append(apps, name)
	}
	sort.Strings(apps)
	tw = tabwriter.NewWriter(w, 0, 1, 2, ' ', 0)
	fmt.Fprintln(tw, "App\tVersion\tStatus\tScale\tCharm\tChannel\tRev\tAddress\tExposed\tMessage")
	for _, name := range apps {
		a := st.Applications[name]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t\t%d\t%s\tno\t%s\n", name, a.Version, a.ApplicationStatus.Current, a.Scale, a.Charm, a.CharmRev, a.Address, a.ApplicationStatus.Message)
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 1, 2, ' ', 0)
	fmt.Fprintln(tw, "Unit\tWorkload\tAgent\tAddress\tPorts\tMessage")
	for _, name := range apps {
		a := st.Applications[name]
		units := make([]string, 0, len(a.Units))
		for u := range a.Units {
			units = append(units, u)
		}
		sort.Slice(units, func(i, j int) bool { return unitLess(units[i], units[j]) })
		for _, un := range units {
			u := a.Units[un]
			label := un
			if u.Leader {
				label += "*"
			}
			agent := u.JujuStatus.Current
			msg := u.WorkloadStatus.Message
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", label, u.WorkloadStatus.Current, agent, u.Address, strings.Join(u.OpenPorts, ","), msg)
		}
	}
	tw.Flush()
	if relations && len(st.Relations) > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 1, 2, ' ', 0)
		fmt.Fprintln(tw, "Integration provider\tRequirer\tInterface\tType\tMessage")
		for _, r := range st.Relations {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t\n", r.Provider, r.Requirer, r.Interface, r.Type)
		}
		tw.Flush()
	}
	return nil
}

func unitLess(a, b string) bool {
	ia, na := splitUnit(a)
	ib, nb := splitUnit(b)
	if ia != ib {
		return ia < ib
	}
	return na < nb
}

func splitUnit(s string) (string, int) {
	k := strings.LastIndexByte(s, '/')
	if k < 0 {
		return s, 0
	}
	n, _ := strconv.Atoi(s[k+1:])
	return s[:k], n
}
