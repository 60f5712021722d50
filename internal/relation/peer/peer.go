// Package peer holds the charm's peer app data: only the history shard
// lock, stored as the Python charm stored it so that it survives a refresh.
// Nothing secret ever goes here.
package peer

import (
	"fmt"
	"strconv"
	"strings"
)

// ShardsKey holds the shard count as a JSON integer.
const ShardsKey = "num_history_shards"

// LockedShards returns the locked shard count, if any.
func LockedShards(app map[string]string) (int, bool, error) {
	raw := strings.TrimSpace(app[ShardsKey])
	if raw == "" || raw == "null" {
		return 0, false, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 {
		return 0, false, fmt.Errorf("cannot parse peer %s %q", ShardsKey, raw)
	}
	return n, true, nil
}

// LockShards is the app data that locks the shard count.
func LockShards(n int) map[string]string {
	return map[string]string{ShardsKey: strconv.Itoa(n)}
}
