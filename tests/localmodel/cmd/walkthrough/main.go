// Command walkthrough runs the temporal-k8s README on the local model:
// deploy, check the cluster, run workflows, scale up and down, and print
// what it measured.
//
// Usage: walkthrough [--keep] [--all-in-one] [--update-status-interval D] [--artifacts DIR] [-- BOOTSTRAP-OPTIONS...]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/walkthrough"
)

func main() {
	keep := flag.Bool("keep", false, "leave the model running at the end")
	allInOne := flag.Bool("all-in-one", false, "then deploy a fresh model with one application running every service")
	interval := flag.Duration("update-status-interval", 0, "update-status interval for the model (0: the model's default)")
	artifacts := flag.String("artifacts", "", "`directory` for what the walkthrough saves (the UI's screenshot); a temporary one when empty")
	flag.Parse()
	if err := run(*keep, *allInOne, *interval, *artifacts, flag.Args()); err != nil {
		fmt.Fprintf(os.Stderr, "error: %v\n", err)
		os.Exit(1)
	}
}

func run(keep, allInOne bool, interval time.Duration, artifacts string, bootstrapArgs []string) error {
	cfg, err := walkthrough.ConfigFromEnv(os.Getenv)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cli := cfg.CLI()
	cli.Log = os.Stdout
	s := walkthrough.New(cli, os.Stdout)
	s.Resources = cfg.Resources()
	s.Chromium = cfg.Chromium
	s.ArtifactDir = artifacts
	s.UpdateStatusInterval = interval
	s.BootstrapArgs = append(cfg.BootstrapArgs, bootstrapArgs...)
	if !keep {
		defer destroy(s)
	}
	if err := s.RunAll(ctx); err != nil {
		return err
	}
	if !allInOne {
		return nil
	}
	fmt.Println("\n## all services in one application, on a fresh model")
	if err := s.Destroy(ctx); err != nil {
		return err
	}
	if err := s.Bootstrap(ctx); err != nil {
		return err
	}
	if err := s.AllInOneScenario(ctx); err != nil {
		return err
	}
	s.PrintTimings()
	return nil
}

// destroy runs even after an interrupt, with its own time limit.
func destroy(s *walkthrough.Scenario) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := s.Destroy(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "error: cannot destroy the model: %v\n", err)
	}
}
