package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/projsecret/projsecret"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
)

// TestClientValueLimitAtTheEdge: the client sends a Secret whose values
// total exactly the API server's limit, and refuses one byte more before
// sending anything.
func TestClientValueLimitAtTheEdge(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, cs := newTestClient()
	if _, err := c.Create(ctx, "p", "BIG", make([]byte, projsecret.MaxSecretDataBytes), PutOptions{}); err != nil {
		t.Fatalf("a value of exactly %d bytes: %v", projsecret.MaxSecretDataBytes, err)
	}
	cs.ClearActions()
	if _, err := c.Create(ctx, "p", "ONE", []byte{1}, PutOptions{}); err == nil || !strings.Contains(err.Error(), "refused before sending") {
		t.Fatalf("one byte past the limit: %v, want refused before sending", err)
	}
	if n := countVerb(cs.Actions(), "update") + countVerb(cs.Actions(), "create"); n != 0 {
		t.Fatalf("%d writes sent for a refused write", n)
	}
}

// TestRetriesStopAtSteps: a write that keeps losing makes exactly
// backoff.Steps attempts, no more.
func TestRetriesStopAtSteps(t *testing.T) {
	t.Parallel()
	c := NewClient(nil, "ns", WithRetry(wait.Backoff{Steps: 3, Duration: time.Millisecond, Factor: 1}, time.Minute))
	calls := 0
	attempts, err := c.retryRaces(context.Background(), func() error {
		calls++
		return apierrors.NewConflict(schema.GroupResource{Resource: "secrets"}, "s", errors.New("modified"))
	})
	if calls != 3 || attempts != 3 || !apierrors.IsConflict(err) {
		t.Fatalf("%d calls, %d attempts reported, error %v; want exactly 3 and the conflict", calls, attempts, err)
	}
}

func TestClientCreatesOwnedProjects(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, cs := newTestClient()
	if _, err := c.Create(ctx, "p", "K", []byte("v"), PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if s, _ := stored(t, cs, "p"); s.Annotations[projsecret.AnnotationOwners] != "user:alice" {
		t.Errorf("create: owners %q, want the requester", s.Annotations[projsecret.AnnotationOwners])
	}
	// A later write, by someone else, leaves the owners alone.
	c = NewClient(cs, "ns", WithUser(named("bob")))
	if _, err := c.Set(ctx, "p", "K", []byte("w"), PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if s, _ := stored(t, cs, "p"); s.Annotations[projsecret.AnnotationOwners] != "user:alice" {
		t.Errorf("update: owners %q, want them unchanged", s.Annotations[projsecret.AnnotationOwners])
	}

	team := projsecret.Owners{projsecret.User("bob"), {Kind: "group", Name: "payments"}}
	var sawNew bool
	if err := c.Apply(ctx, "q", ApplyOptions{Owners: team}, func(b *Batch) error {
		sawNew = b.IsNew()
		return b.Put("K", []byte("v"), MetaChange{})
	}); err != nil || !sawNew {
		t.Fatalf("Apply with owners: %v, new %v", err, sawNew)
	}
	if s, _ := stored(t, cs, "q"); s.Annotations[projsecret.AnnotationOwners] != "user:bob,group:payments" {
		t.Errorf("Apply: owners %q, want the given ones", s.Annotations[projsecret.AnnotationOwners])
	}
	// Given owners do not replace those of an existing project.
	if err := c.Apply(ctx, "q", ApplyOptions{Owners: projsecret.Owners{projsecret.User("mallory")}}, func(b *Batch) error {
		return b.Put("L", []byte("v"), MetaChange{})
	}); err != nil {
		t.Fatal(err)
	}
	if s, _ := stored(t, cs, "q"); s.Annotations[projsecret.AnnotationOwners] != "user:bob,group:payments" {
		t.Errorf("Apply on an existing project: owners %q", s.Annotations[projsecret.AnnotationOwners])
	}

	err := c.Apply(ctx, "r", ApplyOptions{Owners: projsecret.Owners{projsecret.User("a,b")}}, func(b *Batch) error { return b.Put("K", nil, MetaChange{}) })
	if err == nil || !strings.Contains(err.Error(), "initial owners") {
		t.Errorf("invalid initial owners: %v", err)
	}
	c = NewClient(cs, "ns", WithUser(named("")))
	if _, err := c.Create(ctx, "s", "K", nil, PutOptions{}); err == nil || !strings.Contains(err.Error(), "no owner") {
		t.Errorf("create with no user name: %v", err)
	}
}
