package jujuapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/juju/charm/v12"
	charmresource "github.com/juju/charm/v12/resource"
	"github.com/juju/names/v5"
	"github.com/juju/version/v2"
	"gopkg.in/yaml.v2"

	"github.com/juju/juju/api/base"
	"github.com/juju/juju/api/client/action"
	"github.com/juju/juju/api/client/application"
	"github.com/juju/juju/api/client/charms"
	"github.com/juju/juju/api/client/client"
	"github.com/juju/juju/api/client/resources"
	apicharm "github.com/juju/juju/api/common/charm"
	"github.com/juju/juju/core/arch"
	corebase "github.com/juju/juju/core/base"
	coremodel "github.com/juju/juju/core/model"
	coreresources "github.com/juju/juju/core/resources"
	"github.com/juju/juju/rpc/params"
)

// Model drives one model. Every method builds its facade client from the
// caller, so a test can hand in Juju's fake caller and see each request.
type Model struct {
	caller base.APICallCloser
	// agentVersion is the controller's version; AddLocalCharm checks the
	// charm's min-juju-version against it.
	agentVersion version.Number

	// PollInterval spaces status and action polls.
	PollInterval time.Duration
	// Settle is how many polls in a row a status check must pass: units
	// report active/idle for a moment between hooks, so one pass proves
	// little.
	Settle int
}

// NewModel wraps a model connection (or a fake caller in tests).
func NewModel(caller base.APICallCloser, agentVersion version.Number) *Model {
	return &Model{caller: caller, agentVersion: agentVersion, PollInterval: 5 * time.Second, Settle: 3}
}

// LocalCharm is a charm uploaded to the model, ready to deploy under any
// number of application names.
type LocalCharm struct {
	URL       string
	Origin    apicharm.Origin
	Resources map[string]charmresource.Meta
}

// UploadCharm uploads a packed charm (or charm directory) once; the
// walkthrough then deploys it as four applications.
func (m *Model) UploadCharm(path string) (LocalCharm, error) {
	ch, err := charm.ReadCharm(path)
	if err != nil {
		return LocalCharm{}, fmt.Errorf("cannot read charm %s: %w", path, err)
	}
	origin, err := localOrigin(ch)
	if err != nil {
		return LocalCharm{}, fmt.Errorf("cannot deploy charm %s: %w", path, err)
	}
	uploader, err := charms.NewLocalCharmClient(m.caller)
	if err != nil {
		return LocalCharm{}, fmt.Errorf("cannot upload charm %s: %w", path, err)
	}
	curl := &charm.URL{Schema: string(charm.Local), Name: ch.Meta().Name, Revision: ch.Revision()}
	added, err := uploader.AddLocalCharm(curl, ch, false, m.agentVersion)
	if err != nil {
		return LocalCharm{}, fmt.Errorf("cannot upload charm %s: %w", path, err)
	}
	origin.Revision = &added.Revision
	return LocalCharm{URL: added.String(), Origin: origin, Resources: ch.Meta().Resources}, nil
}

// localOrigin mirrors the juju CLI: a local charm's origin carries the
// first base of its manifest and that base's first architecture.
func localOrigin(ch charm.Charm) (apicharm.Origin, error) {
	manifest := ch.Manifest()
	if manifest == nil || len(manifest.Bases) == 0 {
		return apicharm.Origin{}, fmt.Errorf("cannot find a base: the charm has no manifest bases")
	}
	b := manifest.Bases[0]
	parsed, err := corebase.ParseBase(b.Name, b.Channel.Track)
	if err != nil {
		return apicharm.Origin{}, fmt.Errorf("cannot parse base %s@%s: %w", b.Name, b.Channel.Track, err)
	}
	architecture := arch.DefaultArchitecture
	if len(b.Architectures) > 0 {
		architecture = b.Architectures[0]
	}
	return apicharm.Origin{Source: apicharm.OriginLocal, Architecture: architecture, Base: parsed}, nil
}

// DeployOptions are the `juju deploy` flags the walkthrough uses.
type DeployOptions struct {
	Units int
	// Config is `--config key=value`.
	Config map[string]string
	// Images maps an oci-image resource to an image reference
	// (`--resource name=ref`).
	Images map[string]string
	Trust  bool
}

// DeployLocal deploys an uploaded charm as app, uploading each image
// reference as a pending resource first, as `juju deploy --resource` does.
func (m *Model) DeployLocal(app string, ch LocalCharm, opts DeployOptions) error {
	pending, err := m.uploadImages(app, ch, opts.Images)
	if err != nil {
		return err
	}
	config := maps.Clone(opts.Config)
	if opts.Trust {
		// The CLI sends --trust as this config key; Deploy has no flag.
		if config == nil {
			config = map[string]string{}
		}
		config["trust"] = "true"
	}
	err = application.NewClient(m.caller).Deploy(application.DeployArgs{
		CharmID:         application.CharmID{URL: ch.URL, Origin: ch.Origin},
		CharmOrigin:     ch.Origin,
		ApplicationName: app,
		NumUnits:        opts.Units,
		Config:          config,
		Resources:       pending,
	})
	if err != nil {
		return fmt.Errorf("cannot deploy %s as %q: %w", ch.URL, app, err)
	}
	return nil
}

// uploadImages returns the pending resource ID of each image. Every
// resource the charm declares must be given: a local charm has no store to
// fetch a default from.
func (m *Model) uploadImages(app string, ch LocalCharm, images map[string]string) (map[string]string, error) {
	for name := range ch.Resources {
		if _, ok := images[name]; !ok {
			return nil, fmt.Errorf("cannot deploy %q: no value for resource %q", app, name)
		}
	}
	if len(images) == 0 {
		return nil, nil
	}
	client, err := resources.NewClient(m.caller)
	if err != nil {
		return nil, fmt.Errorf("cannot upload resources for %q: %w", app, err)
	}
	pending := make(map[string]string, len(images))
	// Sorted so the requests come in a stable order.
	for _, name := range slices.Sorted(maps.Keys(images)) {
		meta, ok := ch.Resources[name]
		if !ok {
			return nil, fmt.Errorf("cannot deploy %q: the charm has no resource %q", app, name)
		}
		if meta.Type != charmresource.TypeContainerImage {
			return nil, fmt.Errorf("cannot deploy %q: resource %q is a %s, not an oci-image", app, name, meta.Type)
		}
		ref := images[name]
		if err := coreresources.ValidateDockerRegistryPath(ref); err != nil {
			return nil, fmt.Errorf("cannot use image %q for resource %q: %w", ref, name, err)
		}
		body, err := yaml.Marshal(coreresources.DockerImageDetails{RegistryPath: ref})
		if err != nil {
			return nil, fmt.Errorf("cannot encode image %q: %w", ref, err)
		}
		res := charmresource.Resource{Meta: meta, Origin: charmresource.OriginUpload}
		id, err := client.UploadPendingResource(app, res, ref, bytes.NewReader(body))
		if err != nil {
			return nil, fmt.Errorf("cannot upload resource %q for %q: %w", name, app, err)
		}
		pending[name] = id
	}
	return pending, nil
}

// CharmhubOptions are the `juju deploy <charm>` flags for a Charmhub charm.
type CharmhubOptions struct {
	Charm   string
	Channel string // empty: Charmhub's default channel
	Units   int
	Trust   bool
}

// DeployCharmhub deploys a Charmhub charm; the controller resolves the
// charm and its resources itself.
func (m *Model) DeployCharmhub(app string, opts CharmhubOptions) error {
	units := opts.Units
	arg := application.DeployFromRepositoryArg{
		CharmName:       opts.Charm,
		ApplicationName: app,
		NumUnits:        &units,
		Trust:           opts.Trust,
	}
	if opts.Channel != "" {
		channel := opts.Channel
		arg.Channel = &channel
	}
	_, uploads, errs := application.NewClient(m.caller).DeployFromRepository(arg)
	if len(errs) > 0 {
		return fmt.Errorf("cannot deploy %s as %q: %w", opts.Charm, app, errors.Join(errs...))
	}
	if len(uploads) > 0 {
		// Only local resource values need uploads, and none were given.
		return fmt.Errorf("cannot deploy %s as %q: the controller asks for %d resource uploads", opts.Charm, app, len(uploads))
	}
	return nil
}

// Integrate relates two endpoints ("app:endpoint"), as `juju integrate`.
func (m *Model) Integrate(a, b string) error {
	if _, err := application.NewClient(m.caller).AddRelation([]string{a, b}, nil); err != nil {
		return fmt.Errorf("cannot integrate %s with %s: %w", a, b, err)
	}
	return nil
}

// Scale sets a Kubernetes application's unit count, as
// `juju scale-application`.
func (m *Model) Scale(app string, units int) error {
	res, err := application.NewClient(m.caller).ScaleApplication(application.ScaleApplicationParams{
		ApplicationName: app,
		Scale:           units,
	})
	if err != nil {
		return fmt.Errorf("cannot scale %q to %d: %w", app, units, err)
	}
	if res.Error != nil {
		return fmt.Errorf("cannot scale %q to %d: %w", app, units, res.Error)
	}
	return nil
}

// SetConfig sets application options, as `juju config app k=v`.
func (m *Model) SetConfig(app string, config map[string]string) error {
	if err := application.NewClient(m.caller).SetConfig(coremodel.GenerationMaster, app, "", config); err != nil {
		return fmt.Errorf("cannot configure %q: %w", app, err)
	}
	return nil
}

// ResetConfig returns options to their defaults, as `juju config app --reset`.
func (m *Model) ResetConfig(app string, keys ...string) error {
	if err := application.NewClient(m.caller).UnsetApplicationConfig(coremodel.GenerationMaster, app, keys); err != nil {
		return fmt.Errorf("cannot reset %v on %q: %w", keys, app, err)
	}
	return nil
}

// discardLogger satisfies the status client's logger, which only reports
// on controllers older than any this suite supports.
type discardLogger struct{}

func (discardLogger) Errorf(string, ...interface{}) {}

// Status reads the model's full status.
func (m *Model) Status() (*params.FullStatus, error) {
	st, err := client.NewClient(m.caller, discardLogger{}).Status(nil)
	if err != nil {
		return nil, fmt.Errorf("cannot read status: %w", err)
	}
	return st, nil
}

// Check inspects a status: nil means the model is where the test wants
// it, an error says why not yet.
type Check func(*params.FullStatus) error

// WaitFor polls status until check passes Settle times in a row, or ctx
// ends; the error then carries the last reason the check gave.
func (m *Model) WaitFor(ctx context.Context, check Check) (*params.FullStatus, error) {
	var last error
	passes := 0
	for {
		st, err := m.Status()
		if err == nil {
			err = check(st)
		}
		if err == nil {
			passes++
			if passes >= m.Settle {
				return st, nil
			}
		} else {
			last, passes = err, 0
		}
		if err := sleep(ctx, m.PollInterval); err != nil {
			if last == nil {
				// Every poll passed, just not Settle of them yet.
				return nil, fmt.Errorf("cannot see the wanted status %d times in a row: %w", m.Settle, err)
			}
			return nil, fmt.Errorf("cannot reach the wanted status: %w (last: %w)", err, last)
		}
	}
}

// ActionNames lists the actions an application's charm defines.
func (m *Model) ActionNames(app string) ([]string, error) {
	specs, err := action.NewClient(m.caller).ApplicationCharmActions(app)
	if err != nil {
		return nil, fmt.Errorf("cannot list the actions of %q: %w", app, err)
	}
	return slices.Sorted(maps.Keys(specs)), nil
}

// ActionResult is a finished action.
type ActionResult struct {
	ID      string
	Status  string
	Message string
	Output  map[string]interface{}
}

// RunAction runs an action on a unit ("app/N") and waits for it to end,
// as `juju run`. An action that ends in any state but completed is an
// error carrying its message and output.
func (m *Model) RunAction(ctx context.Context, unit, name string, args map[string]interface{}) (ActionResult, error) {
	if !names.IsValidUnit(unit) {
		return ActionResult{}, fmt.Errorf("cannot run %s: invalid unit %q", name, unit)
	}
	c := action.NewClient(m.caller)
	enqueued, err := c.EnqueueOperation([]action.Action{{
		Receiver:   names.NewUnitTag(unit).String(),
		Name:       name,
		Parameters: args,
	}})
	if err != nil {
		return ActionResult{}, fmt.Errorf("cannot run %s on %s: %w", name, unit, err)
	}
	if len(enqueued.Actions) != 1 {
		return ActionResult{}, fmt.Errorf("cannot run %s on %s: %d actions enqueued, want 1", name, unit, len(enqueued.Actions))
	}
	first := enqueued.Actions[0]
	if first.Error != nil {
		return ActionResult{}, fmt.Errorf("cannot run %s on %s: %w", name, unit, first.Error)
	}
	if first.Action == nil {
		return ActionResult{}, fmt.Errorf("cannot run %s on %s: the controller returned no action ID", name, unit)
	}
	id := first.Action.ID
	for {
		results, err := c.Actions([]string{id})
		if err != nil {
			return ActionResult{}, fmt.Errorf("cannot read action %s (%s on %s): %w", id, name, unit, err)
		}
		if len(results) != 1 {
			return ActionResult{}, fmt.Errorf("cannot read action %s: %d results, want 1", id, len(results))
		}
		r := results[0]
		if r.Error != nil {
			return ActionResult{}, fmt.Errorf("cannot read action %s: %w", id, r.Error)
		}
		res := ActionResult{ID: id, Status: r.Status, Message: r.Message, Output: r.Output}
		switch r.Status {
		case params.ActionCompleted:
			return res, nil
		case params.ActionFailed, params.ActionCancelled, params.ActionAborted, params.ActionError:
			return res, fmt.Errorf("action %s %s on %s ended %s: %q (output %v)", id, name, unit, r.Status, r.Message, r.Output)
		}
		if err := sleep(ctx, m.PollInterval); err != nil {
			return res, fmt.Errorf("cannot wait for action %s (%s on %s, %s): %w", id, name, unit, r.Status, err)
		}
	}
}

// sleep waits d, or less if ctx ends first.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
