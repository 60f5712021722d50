// Package jujuapi drives a Juju 3.6 controller through github.com/juju/juju/api
// for the temporal-k8s integration tests: it connects with the local client
// store, manages a model, deploys and relates applications, scales them, sets
// config, reads status and runs actions.
//
// The package is not behind the integration build tag so that plain
// `go vet ./...` and `go test ./...` check it against Juju's fake API caller.
package jujuapi

import (
	"errors"
	"fmt"
	"strings"

	jujuerrors "github.com/juju/errors"
	"github.com/juju/names/v5"

	"github.com/juju/juju/jujuclient"
)

// Environment variables the suite reads. JUJU_DATA is not listed: the client
// store reads it itself, as the juju CLI does.
const (
	EnvController   = "JUJU_CONTROLLER"
	EnvModel        = "JUJU_MODEL"
	EnvKeepModels   = "KEEP_MODELS"
	EnvCharmPath    = "CHARM_PATH"
	EnvServerImage  = "TEMPORAL_SERVER_IMAGE"
	EnvAdminChannel = "TEMPORAL_ADMIN_CHANNEL"
)

// DefaultServerImage is the upstream rock for Temporal server 1.31 (Ubuntu
// 26.04 base), as published by Canonical's OCI factory.
const DefaultServerImage = "ubuntu/temporal-server:1.31-26.04_stable"

// ErrNoController reports that neither JUJU_CONTROLLER nor the client store
// names a controller; the tests skip on it rather than fail.
var ErrNoController = errors.New("no juju controller: set JUJU_CONTROLLER or add a controller to the client store (JUJU_DATA)")

// Settings is what the suite takes from its environment.
type Settings struct {
	// Controller is JUJU_CONTROLLER; empty means the store's current one.
	Controller string
	// Model is JUJU_MODEL ([controller:][owner/]model); empty means a
	// temporary model is created and destroyed.
	Model string
	// KeepModels keeps a temporary model after the run, for debugging.
	KeepModels bool
	// CharmPath is the packed temporal-k8s charm.
	CharmPath string
	// ServerImage is the temporal-server-image OCI resource.
	ServerImage string
	// AdminChannel is the Charmhub channel of temporal-admin-k8s; empty
	// lets Charmhub pick the charm's default channel.
	AdminChannel string
}

// SettingsFrom reads Settings through getenv (os.Getenv in the tests), so
// that the defaults can be checked without touching the process environment.
func SettingsFrom(getenv func(string) string) Settings {
	s := Settings{
		Controller:   strings.TrimSpace(getenv(EnvController)),
		Model:        strings.TrimSpace(getenv(EnvModel)),
		KeepModels:   isSet(getenv(EnvKeepModels)),
		CharmPath:    strings.TrimSpace(getenv(EnvCharmPath)),
		ServerImage:  strings.TrimSpace(getenv(EnvServerImage)),
		AdminChannel: strings.TrimSpace(getenv(EnvAdminChannel)),
	}
	if s.ServerImage == "" {
		s.ServerImage = DefaultServerImage
	}
	return s
}

// isSet treats any value but empty, "0" and "false" as on, so that
// KEEP_MODELS=1 and KEEP_MODELS=yes both keep the model.
func isSet(v string) bool {
	v = strings.TrimSpace(v)
	return v != "" && v != "0" && !strings.EqualFold(v, "false")
}

// SplitModel splits JUJU_MODEL's optional "controller:" prefix from the model
// name, the way the juju CLI reads it.
func SplitModel(spec string) (controller, model string) {
	if c, m, ok := strings.Cut(spec, ":"); ok {
		return c, m
	}
	return "", spec
}

// SelectController returns the controller to use: the one named by
// JUJU_CONTROLLER or by JUJU_MODEL's prefix, else the store's current one.
// It returns ErrNoController only when nothing names a controller; a name
// the store does not know is a configuration error, not a reason to skip.
func SelectController(store jujuclient.ClientStore, s Settings) (string, error) {
	name := s.Controller
	if fromModel, _ := SplitModel(s.Model); fromModel != "" {
		if name != "" && name != fromModel {
			return "", fmt.Errorf("cannot use %s=%q with %s=%q: they name different controllers", EnvController, name, EnvModel, s.Model)
		}
		name = fromModel
	}
	if name == "" {
		current, err := store.CurrentController()
		if errors.Is(err, jujuerrors.NotFound) {
			return "", ErrNoController
		}
		if err != nil {
			return "", fmt.Errorf("cannot read the current controller: %w", err)
		}
		name = current
	}
	if _, err := store.ControllerByName(name); err != nil {
		return "", fmt.Errorf("cannot find controller %q in the client store: %w", name, err)
	}
	return name, nil
}

// QualifiedModelName returns JUJU_MODEL's model as "owner/name", qualifying
// an unqualified name with the account the store logs in as.
func QualifiedModelName(store jujuclient.ClientStore, controller, model string) (string, error) {
	if jujuclient.IsQualifiedModelName(model) {
		return model, nil
	}
	account, err := store.AccountDetails(controller)
	if err != nil {
		return "", fmt.Errorf("cannot read the account for controller %q: %w", controller, err)
	}
	if !names.IsValidUser(account.User) {
		return "", fmt.Errorf("cannot qualify model %q: invalid user %q", model, account.User)
	}
	return jujuclient.JoinOwnerModelName(names.NewUserTag(account.User), model), nil
}
