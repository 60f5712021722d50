package walkthrough

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/types/known/durationpb"
)

// Namespace is where the walkthrough's workflows run.
const Namespace = "default"

// Greet is the walkthrough's workflow: one activity, one result.
func Greet(ctx workflow.Context, name string) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	var greeting string
	err := workflow.ExecuteActivity(ctx, Hello, name).Get(ctx, &greeting)
	return greeting, err
}

// Hello is Greet's activity.
func Hello(ctx context.Context, name string) (string, error) {
	activity.GetLogger(ctx).Info("greeting", "name", name)
	return "hello " + name, nil
}

func quietLogger() sdklog.Logger {
	return sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// Endpoint is where a client reaches the frontend: an address, the TLS
// it speaks there (nil: none), and the host it names (:authority), which
// a proxy routes by; empty for the address.
type Endpoint struct {
	HostPort  string
	TLS       *tls.Config
	Authority string
}

// options are the SDK's client options for the endpoint.
func (e Endpoint) options(namespace string) client.Options {
	return client.Options{HostPort: e.HostPort, Namespace: namespace, Logger: quietLogger(),
		ConnectionOptions: client.ConnectionOptions{TLS: e.TLS, Authority: e.Authority}}
}

func (e Endpoint) String() string {
	out := e.HostPort
	if e.Authority != "" {
		out += " (as " + e.Authority + ")"
	}
	if e.TLS != nil {
		out += " (TLS, " + e.TLS.ServerName + ")"
	}
	return out
}

// EnsureNamespace registers the namespace unless it exists. The server
// does not create "default" by itself.
func EnsureNamespace(ctx context.Context, hostPort, namespace string) error {
	return EnsureNamespaceAt(ctx, Endpoint{HostPort: hostPort}, namespace)
}

// EnsureNamespaceAt is EnsureNamespace through any endpoint.
func EnsureNamespaceAt(ctx context.Context, e Endpoint, namespace string) error {
	hostPort := e.String()
	nc, err := client.NewNamespaceClient(e.options(""))
	if err != nil {
		return fmt.Errorf("cannot connect to %s: %w", hostPort, err)
	}
	defer nc.Close()
	if _, err := nc.Describe(ctx, namespace); err == nil {
		return nil
	}
	err = nc.Register(ctx, &workflowservice.RegisterNamespaceRequest{
		Namespace:                        namespace,
		WorkflowExecutionRetentionPeriod: durationpb.New(24 * time.Hour),
	})
	var exists *serviceerror.NamespaceAlreadyExists
	if err != nil && !errors.As(err, &exists) {
		return fmt.Errorf("cannot register namespace %s: %w", namespace, err)
	}
	return nil
}

// RunWorkflow starts Greet through the frontend at hostPort, with a worker
// in this process, and waits for its result. It retries while the cluster
// is still warming up (namespace not yet in every host's cache, shards
// still moving) until ctx ends. It returns the result and the ID of the
// workflow that gave it.
func RunWorkflow(ctx context.Context, hostPort, id string) (string, string, error) {
	return RunWorkflowAt(ctx, Endpoint{HostPort: hostPort}, id)
}

// RunWorkflowAt is RunWorkflow through any endpoint.
func RunWorkflowAt(ctx context.Context, e Endpoint, id string) (string, string, error) {
	hostPort := e.String()
	var lastErr error
	for attempt := 1; ; attempt++ {
		// A fresh ID per attempt: an earlier attempt's run may still be open.
		attemptID := fmt.Sprintf("%s-%d", id, attempt)
		result, err := runWorkflowOnce(ctx, e, attemptID)
		if err == nil {
			return result, attemptID, nil
		}
		lastErr = err
		select {
		case <-ctx.Done():
			return "", "", fmt.Errorf("cannot run a workflow through %s: %w", hostPort, lastErr)
		case <-time.After(2 * time.Second):
		}
	}
}

func runWorkflowOnce(ctx context.Context, e Endpoint, id string) (string, error) {
	hostPort := e.String()
	attempt, cancel := context.WithTimeout(ctx, 45*time.Second)
	defer cancel()
	if err := EnsureNamespaceAt(attempt, e, Namespace); err != nil {
		return "", err
	}
	c, err := client.DialContext(attempt, e.options(Namespace))
	if err != nil {
		return "", fmt.Errorf("cannot connect to %s: %w", hostPort, err)
	}
	defer c.Close()
	queue := "walkthrough-" + id
	w := worker.New(c, queue, worker.Options{})
	w.RegisterWorkflow(Greet)
	w.RegisterActivity(Hello)
	if err := w.Start(); err != nil {
		return "", fmt.Errorf("cannot start a worker: %w", err)
	}
	defer w.Stop()
	run, err := c.ExecuteWorkflow(attempt, client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                queue,
		WorkflowExecutionTimeout: 40 * time.Second,
	}, Greet, "walkthrough")
	if err != nil {
		return "", fmt.Errorf("cannot start workflow %s: %w", id, err)
	}
	var result string
	if err := run.Get(attempt, &result); err != nil {
		return "", fmt.Errorf("workflow %s (run %s): %w", id, run.GetRunID(), err)
	}
	if want := "hello walkthrough"; result != want {
		return "", fmt.Errorf("workflow %s returned %q, want %q", id, result, want)
	}
	return result, nil
}

// workflowID makes IDs unique across attempts and runs.
func workflowID(step string) string {
	return fmt.Sprintf("walkthrough-%s-%d", strings.ReplaceAll(step, " ", "-"), time.Now().UnixNano())
}
