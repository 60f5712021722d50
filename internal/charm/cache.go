package charm

import (
	"encoding/json"
	"errors"
	"os"
)

// cache holds facts that stay true for the life of the pod or of a
// relation, so steady-state hooks need not ask for them again. Nothing
// secret goes here. A missing or unreadable cache is simply empty.
type cache struct {
	// BootID is the workload Pebble's boot the version was read in.
	BootID  string `json:"boot-id,omitempty"`
	Version string `json:"version,omitempty"`
	// VersionSet is the version last given to application-version-set.
	VersionSet string `json:"version-set,omitempty"`
	// BindAddress is the pod IP: it only changes with the pod, which
	// also empties the charm container's disk.
	BindAddress string `json:"bind-address,omitempty"`
	// RemoteApps maps a relation id to its remote application.
	RemoteApps map[string]string `json:"remote-apps,omitempty"`
	// Leader is whether this unit led when it last wrote the cache, and
	// Published the hash of what each app databag is known to hold: read
	// back, or written in an earlier hook and read back since.
	Leader    bool              `json:"leader,omitempty"`
	Published map[string]string `json:"published,omitempty"`
	// EmptyRings are the service rings the cluster lacked at the last
	// update-status: reported until the next one looks again.
	EmptyRings []string `json:"empty-rings,omitempty"`
}

func loadCache(path string) cache {
	var ca cache
	if path == "" {
		return ca
	}
	data, err := os.ReadFile(path)
	if err == nil {
		_ = json.Unmarshal(data, &ca)
	}
	if ca.RemoteApps == nil {
		ca.RemoteApps = map[string]string{}
	}
	if ca.Published == nil {
		ca.Published = map[string]string{}
	}
	return ca
}

func (ca cache) save(path string) error {
	if path == "" {
		return nil
	}
	data, err := json.Marshal(ca)
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return errors.Join(err, os.Remove(tmp))
	}
	return os.Rename(tmp, path)
}
