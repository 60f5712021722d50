package postgresql

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/charms/internal/workload"
)

// database is the SQL side of answering requests.
type database interface {
	// Available reports whether the workload can be asked at all.
	Available() bool
	// Run runs a psql script as the superuser and returns its output;
	// errNotReady when the server refused the connection.
	Run(ctx context.Context, script string) (string, error)
}

// workloadDB runs psql in the workload container.
type workloadDB struct{ c *Charm }

func (w workloadDB) Available() bool { return w.c.container.Ready() }

func (w workloadDB) Run(ctx context.Context, script string) (string, error) {
	if err := w.c.readConfig(ctx); err != nil {
		return "", err
	}
	if err := w.c.findBinDir(); err != nil {
		return "", err
	}
	out, err := w.c.psql(ctx, script)
	if connectFailed(out, err) {
		return "", fmt.Errorf("%w: %v", errNotReady, err)
	}
	return out, err
}

// connectFailed reports whether psql could not connect at all: it exits
// 2 when the connection fails, and without output nothing of the script
// ran (its first statement shows something). A later failure, such as a
// \connect to a database that does not exist, is an error, not a reason
// to wait.
func connectFailed(out string, err error) bool {
	var execErr *workload.ExecError
	return errors.As(err, &execErr) && execErr.ExitCode == 2 && strings.TrimSpace(out) == ""
}

// answer serves the pending requests among rels: one psql run creates
// every user and database they need, then each relation gets its answer.
// A request the server cannot take yet is deferred in st; one with
// invalid roles blocks the unit until it changes or goes.
func (c *Charm) answer(ctx context.Context, st *unitState, rels []relation) error {
	type job struct {
		rel     relation
		req     UserRequest
		secrets bool
	}
	var jobs []job
	for _, rel := range rels {
		if !Pending(rel.remote, rel.own) {
			st.done(rel.id)
			continue
		}
		// The track decides which roles a request may ask for; an
		// answered request reads no config.
		if err := c.readConfig(ctx); err != nil {
			return err
		}
		privileges, err := ParseRoles(rel.remote["extra-user-roles"], c.track)
		if err != nil {
			st.block(rel.id, err.Error())
			continue
		}
		password := rel.own["password"]
		if uri := rel.own["secret-user"]; uri != "" {
			// Same user, new request: keep its credentials.
			content, err := c.juju.SecretGet(ctx, uri, true)
			if err != nil {
				return err
			}
			password = content["password"]
		}
		if password == "" {
			if password, err = NewPassword(); err != nil {
				return err
			}
		}
		jobs = append(jobs, job{
			rel:     rel,
			req:     UserRequest{User: UserName(rel.num), Password: password, Database: rel.remote["database"], Privileges: privileges, Track: c.track},
			secrets: wantsSecrets(rel.remote),
		})
	}
	if len(jobs) == 0 {
		return nil
	}
	deferAll := func(why error) {
		for _, j := range jobs {
			st.deferRequest(j.rel.id, j.rel.app)
		}
		c.logf(ctx, "deferring the database requests of %s: %v", relationList(jobs, func(j job) string { return j.rel.id }), why)
	}
	if !c.db.Available() {
		deferAll(errors.New("the workload container is not ready"))
		return nil
	}
	reqs := make([]UserRequest, len(jobs))
	for i, j := range jobs {
		reqs[i] = j.req
	}
	out, err := c.db.Run(ctx, AnswerSQL(reqs))
	if errors.Is(err, errNotReady) {
		deferAll(err)
		return nil
	}
	if err != nil {
		return fmt.Errorf("cannot create the users and databases of %s: %w", relationList(jobs, func(j job) string { return j.rel.id }), err)
	}
	version, err := ParseServerVersion(out)
	if err != nil {
		return err
	}
	address := c.primaryAddress()
	for _, j := range jobs {
		if err := c.publish(ctx, j.rel, j.req, j.secrets, address, version); err != nil {
			return fmt.Errorf("cannot answer %s: %w", j.rel.id, err)
		}
		st.done(j.rel.id)
	}
	return nil
}

func relationList[T any](items []T, id func(T) string) string {
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = id(it)
	}
	return strings.Join(ids, ", ")
}

// primaryAddress is what the real charm publishes: the primary's
// Service, which holds across pod churn and failover.
func (c *Charm) primaryAddress() string {
	return fmt.Sprintf("%s-primary.%s.svc.cluster.local", c.event.App, c.event.Model)
}

// AnswerData is the provider's app data answering one request (without
// the secrets, which publish adds).
func AnswerData(address, version, database string, remote map[string]string) map[string]string {
	endpoint := fmt.Sprintf("%s:%d", address, Port)
	return map[string]string{
		"endpoints":           endpoint,
		"read-only-endpoints": endpoint,
		"version":             version,
		"database":            database,
		requestKey:            RequestSnapshot(remote),
	}
}

// userContent is a relation user's credentials as published.
func (c *Charm) userContent(remote map[string]string, secrets bool, user, password, address, database string) map[string]string {
	content := map[string]string{"username": user, "password": password, "uris": URI(user, password, address, Port, database)}
	if secrets && c.track == Track16 && requested(remote, "read-only-uris") {
		// Track 16 publishes it only as a secret, for requirers that ask
		// for it (postgresql_provider.py, update_endpoints): the
		// data_interfaces library (LIBPATCH 59) does by default.
		content["read-only-uris"] = URI(user, password, address, Port, database)
	}
	return content
}

// publish writes one relation's answer: its user in a secret (or in plain
// fields for requirers that did not ask for secrets) and the endpoints.
func (c *Charm) publish(ctx context.Context, rel relation, req UserRequest, secrets bool, address, version string) error {
	data := AnswerData(address, version, req.Database, rel.remote)
	userContent := c.userContent(rel.remote, secrets, req.User, req.Password, address, req.Database)
	tlsContent := map[string]string{"tls": "False"}
	if c.tls {
		ca, err := c.ensureTLS()
		if err != nil {
			return err
		}
		tlsContent = map[string]string{"tls": "True", "tls-ca": ca}
	}
	if secrets {
		if uri := rel.own["secret-user"]; uri == "" {
			uri, err := c.addSecret(ctx, rel.id, userContent, userSecretLabel(rel.num))
			if err != nil {
				return err
			}
			data["secret-user"] = uri
		} else if err := c.juju.SecretSet(ctx, uri, userContent); err != nil {
			// The database may have changed: so has the URI.
			return err
		}
		if uri := rel.own["secret-tls"]; uri == "" {
			uri, err := c.addSecret(ctx, rel.id, tlsContent, tlsSecretLabel(rel.num))
			if err != nil {
				return err
			}
			data["secret-tls"] = uri
		} else if err := c.juju.SecretSet(ctx, uri, tlsContent); err != nil {
			return err
		}
		// Plain credentials of an earlier answer go.
		for _, k := range []string{"username", "password", "uris", "tls"} {
			if rel.own[k] != "" {
				data[k] = ""
			}
		}
	} else {
		for k, v := range userContent {
			data[k] = v
		}
		for k, v := range tlsContent {
			data[k] = v
		}
		// An earlier answer in secrets goes: the requirer now reads
		// plain fields.
		for _, k := range []string{"secret-user", "secret-tls"} {
			if rel.own[k] != "" {
				data[k] = ""
			}
		}
	}
	if !changed(rel.own, data) {
		return nil
	}
	return c.juju.RelationSet(ctx, rel.id, true, data)
}
