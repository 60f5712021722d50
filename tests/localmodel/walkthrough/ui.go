package walkthrough

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// UIPort is the UI charm's default port, which it opens.
const UIPort = "8080"

// UI deploys temporal-ui-k8s (the real Temporal UI server) and relates it
// as the UI charm's README does: ui, for the server's readiness, and
// temporal-host-info, for its address. Then CheckUI.
func (s *Scenario) UI(ctx context.Context) error {
	if err := s.deploy(ctx, AppUI, ""); err != nil {
		return err
	}
	frontend := s.frontendApp()
	for _, ep := range []string{"ui", "temporal-host-info"} {
		if err := s.relate(ctx, frontend+":"+ep, AppUI+":"+ep); err != nil {
			return err
		}
	}
	scales := s.scales(1)
	scales[AppUI] = 1
	if _, err := s.WaitSettled(ctx, scales, s.Timeouts.Deploy); err != nil {
		return err
	}
	return s.CheckUI(ctx)
}

func (s *Scenario) frontendApp() string {
	for _, svc := range s.Services {
		if svc.Role == "frontend" {
			return svc.App
		}
	}
	return AppFrontend
}

// CheckUI finds the last completed workflow through the UI's Service: in
// the UI server's API (which asks the frontend temporal-host-info named),
// then in the workflow list a headless Chromium renders from the UI's own
// scripts; and saves a screenshot of that list in ArtifactDir.
func (s *Scenario) CheckUI(ctx context.Context) error {
	if len(s.Completed) == 0 {
		return errors.New("no completed workflow to look for in the UI")
	}
	id := s.Completed[len(s.Completed)-1]
	status, err := s.CLI.Status(ctx)
	if err != nil {
		return err
	}
	addr := status.Applications[AppUI].Address
	if addr == "" {
		return fmt.Errorf("%s has no service address", AppUI)
	}
	base := "http://" + net.JoinHostPort(addr, UIPort)
	start := time.Now()
	if err := waitFor(ctx, 2*time.Minute, func() error { return uiAPIHas(ctx, base, id) }); err != nil {
		return fmt.Errorf("the UI server at %s: %w", base, err)
	}
	list := base + "/namespaces/" + Namespace + "/workflows"
	browser := Browser{Path: s.Chromium}
	if err := waitFor(ctx, 2*time.Minute, func() error {
		dom, err := browser.DOM(ctx, list)
		if err != nil {
			return err
		}
		if !strings.Contains(dom, id) {
			return fmt.Errorf("workflow %s is not in the list Chromium rendered (%d bytes of DOM)", id, len(dom))
		}
		return nil
	}); err != nil {
		return fmt.Errorf("the UI at %s: %w", list, err)
	}
	dir := s.ArtifactDir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "walkthrough-"); err != nil {
			return err
		}
	}
	// Chromium runs in its profile directory: give it an absolute path.
	if dir, err = filepath.Abs(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	shot := filepath.Join(dir, "temporal-ui-workflows.png")
	if err := browser.Screenshot(ctx, list, shot); err != nil {
		return err
	}
	s.Screenshot = shot
	s.printf("Temporal UI at %s: workflow %s in the UI server's API and in the list Chromium rendered (%s); screenshot: %s\n",
		list, id, time.Since(start).Round(100*time.Millisecond), shot)
	return nil
}

// uiAPIHas asks the UI server's own HTTP API, as the UI's scripts do, for
// the workflow by ID.
func uiAPIHas(ctx context.Context, base, id string) error {
	q := url.Values{"query": {fmt.Sprintf("WorkflowId=%q", id)}}
	var resp struct {
		Executions []struct {
			Execution struct {
				WorkflowID string `json:"workflowId"`
			} `json:"execution"`
			Status string `json:"status"`
		} `json:"executions"`
	}
	if err := getJSON(ctx, base+"/api/v1/namespaces/"+Namespace+"/workflows?"+q.Encode(), &resp); err != nil {
		return err
	}
	for _, e := range resp.Executions {
		if e.Execution.WorkflowID == id {
			// Temporal's JSON writes enums in full or shorthand form.
			if !strings.EqualFold(strings.TrimPrefix(e.Status, "WORKFLOW_EXECUTION_STATUS_"), "completed") {
				return fmt.Errorf("workflow %s is %s, want completed", id, e.Status)
			}
			return nil
		}
	}
	return fmt.Errorf("workflow %s is not in the UI server's answer (%d executions)", id, len(resp.Executions))
}

// waitFor retries check every 2 s until it passes or d has gone.
func waitFor(ctx context.Context, d time.Duration, check func() error) error {
	deadline := time.Now().Add(d)
	for {
		err := check()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("after %s: %w", d, err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last: %v)", ctx.Err(), err)
		case <-time.After(2 * time.Second):
		}
	}
}
