package walkthrough

import (
	"testing"

	"github.com/stretchr/testify/require"

	temporaladmin "github.com/temporal-k8s/temporal-k8s/tests/localmodel/charms/temporal-admin-k8s"
)

func splitStatus(addrs map[string][]string) *Status {
	s := &Status{Applications: map[string]Application{}}
	for app, list := range addrs {
		a := Application{Scale: len(list), Units: map[string]Unit{}}
		for i, addr := range list {
			a.Units[app+"/"+itoa(i)] = Unit{Address: addr, WorkloadStatus: StatusInfo{Current: "active"}, JujuStatus: StatusInfo{Current: "idle"}}
		}
		s.Applications[app] = a
	}
	return s
}

func itoa(i int) string { return string(rune('0' + i)) }

func ring(role string, ids ...string) temporaladmin.Ring {
	r := temporaladmin.Ring{Role: role, MemberCount: int32(len(ids)), Members: []temporaladmin.HostInfo{}}
	for _, id := range ids {
		r.Members = append(r.Members, temporaladmin.HostInfo{Identity: id})
	}
	return r
}

func description(reachable []string, rings ...temporaladmin.Ring) temporaladmin.Description {
	d := temporaladmin.Description{PersistenceStore: "postgres"}
	d.MembershipInfo.ReachableMembers = reachable
	d.MembershipInfo.Rings = rings
	return d
}

func TestCheckMembership(t *testing.T) {
	status := splitStatus(map[string][]string{
		"temporal-k8s":          {"10.1.0.26"},
		"temporal-k8s-history":  {"10.1.0.6"},
		"temporal-k8s-matching": {"10.1.0.61"},
		"temporal-k8s-worker":   {"10.1.0.42"},
	})
	readme := description(
		[]string{"10.1.0.42:6939", "10.1.0.61:6935", "10.1.0.6:6934", "10.1.0.26:6933"},
		ring("frontend", "10.1.0.26:7233"),
		ring("history", "10.1.0.6:7234"),
		ring("matching", "10.1.0.61:7235"),
		ring("worker", "10.1.0.42:7239"),
	)
	withInternal := description(
		[]string{"10.1.0.42:6939", "10.1.0.61:6935", "10.1.0.6:6934", "10.1.0.26:6933", "10.1.0.26:6936"},
		ring("frontend", "10.1.0.26:7233"),
		ring("internal-frontend", "10.1.0.26:7236"),
		ring("history", "10.1.0.6:7234"),
		ring("matching", "10.1.0.61:7235"),
		ring("worker", "10.1.0.42:7239"),
	)
	stale := description(
		[]string{"10.1.0.42:6939", "10.1.0.61:6935", "10.1.0.6:6934", "10.1.0.26:6933", "10.1.0.7:6934"},
		ring("frontend", "10.1.0.26:7233"),
		ring("history", "10.1.0.6:7234", "10.1.0.7:7234"),
		ring("matching", "10.1.0.61:7235"),
		ring("worker", "10.1.0.42:7239"),
	)
	missing := description(
		[]string{"10.1.0.61:6935", "10.1.0.6:6934", "10.1.0.26:6933"},
		ring("frontend", "10.1.0.26:7233"),
		ring("history", "10.1.0.6:7234"),
		ring("matching", "10.1.0.61:7235"),
	)
	tests := []struct {
		name    string
		d       temporaladmin.Description
		wantErr []string
	}{
		{name: "as in the README", d: readme},
		{name: "with the internal frontend", d: withInternal},
		{name: "a removed unit lingers", d: stale, wantErr: []string{
			"history ring has [10.1.0.6:7234 10.1.0.7:7234], want [10.1.0.6:7234]",
			"reachable members are",
		}},
		{name: "worker not joined", d: missing, wantErr: []string{"no worker ring", "reachable members are"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckMembership(tt.d, status, SplitServices)
			if len(tt.wantErr) == 0 {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			for _, want := range tt.wantErr {
				require.ErrorContains(t, err, want)
			}
		})
	}
}

func TestCheckMembershipAllInOne(t *testing.T) {
	status := splitStatus(map[string][]string{"temporal-k8s": {"10.1.0.5"}})
	d := description(
		[]string{"10.1.0.5:6933", "10.1.0.5:6934", "10.1.0.5:6935", "10.1.0.5:6939"},
		ring("frontend", "10.1.0.5:7233"),
		ring("history", "10.1.0.5:7234"),
		ring("matching", "10.1.0.5:7235"),
		ring("worker", "10.1.0.5:7239"),
	)
	require.NoError(t, CheckMembership(d, status, AllInOne("temporal-k8s")))
	require.Error(t, CheckMembership(d, status, SplitServices))
}

func TestMemberCount(t *testing.T) {
	d := description(nil,
		ring("frontend", "a:7233", "b:7233"),
		ring("internal-frontend", "a:7236", "b:7236"),
		ring("history", "c:7234"),
	)
	require.Equal(t, 3, MemberCount(d))
}

func TestUnexpectedRing(t *testing.T) {
	status := splitStatus(map[string][]string{"temporal-k8s": {"10.1.0.5"}})
	d := description([]string{"10.1.0.5:6933"}, ring("frontend", "10.1.0.5:7233"), ring("mystery", "x:1"))
	err := CheckMembership(d, status, []Service{SplitServices[0]})
	require.ErrorContains(t, err, `unexpected ring "mystery" with 1 members`)
}

func TestRingsAt(t *testing.T) {
	d := description(nil,
		ring("frontend", "a:7233", "b:7233"),
		ring("internal-frontend", "a:7236"),
		ring("history", "c:7234", "d:7234"),
		ring("matching", "e:7235", "f:7235"),
		ring("worker", "g:7239", "h:7239"),
	)
	require.True(t, ringsAt(d, SplitServices, 2))
	require.False(t, ringsAt(d, SplitServices, 1))
	d.MembershipInfo.Rings = d.MembershipInfo.Rings[:4]
	require.False(t, ringsAt(d, SplitServices, 2))
}

func TestDescribedRings(t *testing.T) {
	rings, err := DescribedRings(map[string]any{
		"cluster-id": "c",
		"rings": map[string]any{
			"history":  map[string]any{"count": "2", "members": "10.0.0.9:7234,10.0.0.8:7234"},
			"matching": map[string]any{"count": "0", "members": ""},
		},
	})
	require.NoError(t, err)
	require.Equal(t, map[string][]string{"history": {"10.0.0.8:7234", "10.0.0.9:7234"}, "matching": nil}, rings)
	_, err = DescribedRings(map[string]any{"rings": map[string]any{"history": map[string]any{"count": "1", "members": "a,b"}}})
	require.ErrorContains(t, err, "ring history")
	require.Error(t, sameRings(map[string][]string{"history": {"a"}}, map[string][]string{"history": {"a", "b"}}))
	require.NoError(t, sameRings(map[string][]string{"history": {"a", "b"}, "x": nil}, map[string][]string{"history": {"a", "b"}}))
}
