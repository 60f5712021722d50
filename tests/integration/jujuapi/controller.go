package jujuapi

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/juju/names/v5"

	"github.com/juju/juju/api"
	"github.com/juju/juju/api/base"
	"github.com/juju/juju/api/client/modelmanager"
	"github.com/juju/juju/api/connector"
	"github.com/juju/juju/jujuclient"
	"github.com/juju/juju/rpc/params"
)

// dialTimeout bounds each connection attempt; Juju's default of ten minutes
// would hide an unreachable controller for most of a CI job.
const dialTimeout = 30 * time.Second

// Dial connects to a controller (modelUUID empty) or to one of its models,
// with the login, macaroons and Kubernetes port-forward proxy recorded in
// the client store, as the juju CLI does.
func Dial(store jujuclient.ClientStore, controller, modelUUID string) (api.Connection, error) {
	opts := api.DefaultDialOpts()
	opts.Timeout = dialTimeout
	c, err := connector.NewClientStore(connector.ClientStoreConfig{
		ControllerName: controller,
		ModelUUID:      modelUUID,
		ClientStore:    store,
	}, api.WithDialOpts(opts))
	if err != nil {
		return nil, fmt.Errorf("cannot configure a connection to controller %q: %w", controller, err)
	}
	conn, err := c.Connect()
	if err != nil {
		return nil, fmt.Errorf("cannot connect to controller %q (model %q): %w", controller, modelUUID, err)
	}
	return conn, nil
}

// Controller holds the controller-level calls: models are created,
// found and destroyed through the ModelManager facade.
type Controller struct {
	models *modelmanager.Client
	// PollInterval spaces the checks while a model is destroyed.
	PollInterval time.Duration
}

// NewController wraps a controller connection (or a fake caller in tests).
func NewController(caller base.APICallCloser) *Controller {
	return &Controller{models: modelmanager.NewClient(caller), PollInterval: 5 * time.Second}
}

// CreateModel adds a model owned by owner on the controller's own cloud and
// credential, and returns its UUID. The model is not written to the client
// store, so callers connect to it by UUID.
func (c *Controller) CreateModel(name, owner string) (string, error) {
	info, err := c.models.CreateModel(name, owner, "", "", names.CloudCredentialTag{}, nil)
	if err != nil {
		return "", fmt.Errorf("cannot create model %q: %w", name, err)
	}
	return info.UUID, nil
}

// ModelUUID finds "owner/name" among the models the user can see, for a
// JUJU_MODEL that the local client store does not list.
func (c *Controller) ModelUUID(user, qualifiedName string) (string, error) {
	owner, name, ok := strings.Cut(qualifiedName, "/")
	if !ok {
		return "", fmt.Errorf("cannot look up model %q: want owner/name", qualifiedName)
	}
	models, err := c.models.ListModels(user)
	if err != nil {
		return "", fmt.Errorf("cannot list the models of %q: %w", user, err)
	}
	for _, m := range models {
		if m.Owner == owner && m.Name == name {
			return m.UUID, nil
		}
	}
	return "", fmt.Errorf("cannot find model %q on the controller", qualifiedName)
}

// DestroyModel destroys a model with its storage, forcing past stuck
// units, and waits until the controller no longer knows it so that a CI
// run does not leave pods behind.
func (c *Controller) DestroyModel(ctx context.Context, uuid string) error {
	destroyStorage, force := true, true
	maxWait := 2 * time.Minute
	tag := names.NewModelTag(uuid)
	if err := c.models.DestroyModel(tag, &destroyStorage, &force, &maxWait, nil); err != nil {
		return fmt.Errorf("cannot destroy model %s: %w", uuid, err)
	}
	for {
		results, err := c.models.ModelInfo([]names.ModelTag{tag})
		if err != nil {
			return fmt.Errorf("cannot read model %s while destroying it: %w", uuid, err)
		}
		if gone(results[0].Error) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("cannot confirm model %s is destroyed: %w", uuid, ctx.Err())
		case <-time.After(c.PollInterval):
		}
	}
}

// gone reports whether a ModelInfo result says the model no longer exists.
func gone(err *params.Error) bool {
	// A nil *params.Error must not reach IsCodeNotFound as a non-nil error.
	return err != nil && params.IsCodeNotFound(err)
}
