package store_test

import (
	"context"
	"errors"
	"testing"

	. "github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/internal/fixtures"
	. "github.com/projsecret/projsecret/store"
	"k8s.io/client-go/kubernetes/fake"
)

// TestSnapshotAndValues: a snapshot holds every entry of the project, or
// exactly the keys asked for; an absent key or project is ErrNotFound
// placed on it, and a project without values gives an empty map, not nil.
func TestSnapshotAndValues(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	empty := fixtures.Secret("ns", "empty", nil, byAlice)
	empty.Data = nil
	cs := fake.NewClientset(fixtures.Secret("ns", "p", map[string]string{"a": "1", "b": "22"}, byAlice), empty)
	c := NewClient(cs, "ns", as("alice"))

	snap, err := c.Snapshot(ctx, "p")
	if err != nil || len(snap.Values) != 2 || len(snap.Entries) != 2 || len(snap.Values["b"]) != 2 || snap.Entries["b"].CreatedBy != "alice" {
		t.Fatalf("whole snapshot: %d value(s), %d entr(ies), %v", len(snap.Values), len(snap.Entries), err)
	}
	snap, err = c.Snapshot(ctx, "p", "b")
	if err != nil || len(snap.Values) != 1 || len(snap.Values["b"]) != 2 || len(snap.Entries) != 1 || snap.Entries["b"].CreatedBy != "alice" {
		t.Fatalf("snapshot of b: %d value(s), %d entr(ies), %v", len(snap.Values), len(snap.Entries), err)
	}
	var e *Error
	if _, err := c.Snapshot(ctx, "p", "b", "missing"); !errors.Is(err, ErrNotFound) || !errors.As(err, &e) || e.Key != "missing" {
		t.Fatalf("snapshot with an absent key: %v, want ErrNotFound on key missing", err)
	}
	if _, err := c.Snapshot(ctx, "absent"); !errors.Is(err, ErrNotFound) || !errors.As(err, &e) || e.Project != "absent" {
		t.Fatalf("snapshot of an absent project: %v, want ErrNotFound on it", err)
	}
	if snap, err := c.Snapshot(ctx, "empty"); err != nil || snap.Values == nil || len(snap.Values) != 0 {
		t.Fatalf("snapshot of a project without values: nil map %v, %v", snap == nil || snap.Values == nil, err)
	}

	values, err := c.Values(ctx, "p", "a")
	if err != nil || len(values) != 1 || len(values["a"]) != 1 {
		t.Fatalf("values of a: %d, %v", len(values), err)
	}
	if values, err := c.Values(ctx, "absent"); !errors.Is(err, ErrNotFound) || values != nil {
		t.Fatalf("values of an absent project: %d, %v", len(values), err)
	}
}
