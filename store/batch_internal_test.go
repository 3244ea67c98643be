package store

import (
	"context"
	"errors"
	"maps"
	"slices"
	"testing"

	"github.com/projsecret/projsecret"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8stesting "k8s.io/client-go/testing"
)

func TestApplyWritesOnceAndKeepsMetadata(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, cs := newTestClient()
	desc := "kept"
	if _, err := c.Create(ctx, "p", "A", []byte("a1"), PutOptions{Meta: MetaChange{Description: &desc}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create(ctx, "p", "GONE", []byte("g"), PutOptions{}); err != nil {
		t.Fatal(err)
	}
	c = NewClient(cs, "ns", WithUser(named("bob")))
	cs.ClearActions()
	err := c.Apply(ctx, "p", ApplyOptions{}, func(b *Batch) error {
		if b.IsNew() {
			t.Error("existing project reported as new")
		}
		if err := b.Put("A", []byte("a2"), MetaChange{}); err != nil {
			return err
		}
		if err := b.Put("B", []byte("b1"), MetaChange{SetLabels: map[string]string{"tier": "db"}}); err != nil {
			return err
		}
		return b.Remove("GONE")
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := countVerb(cs.Actions(), "update"); n != 1 {
		t.Fatalf("%d updates, want exactly 1", n)
	}
	s, entries := stored(t, cs, "p")
	if string(s.Data["A"]) != "a2" || string(s.Data["B"]) != "b1" || s.Data["GONE"] != nil {
		t.Fatalf("stored keys %v", slices.Sorted(maps.Keys(s.Data)))
	}
	if m := entries["A"]; m.Description != desc || m.CreatedBy != "alice" || m.UpdatedBy != "bob" {
		t.Fatalf("A's metadata %+v: description and creator kept, bob as updater", m)
	}
	if m := entries["B"]; m.CreatedBy != "bob" || m.Labels["tier"] != "db" {
		t.Fatalf("B's metadata %+v", m)
	}
}

func TestApplyFailureWritesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, cs := newTestClient()
	if _, err := c.Create(ctx, "p", "A", []byte("a1"), PutOptions{}); err != nil {
		t.Fatal(err)
	}
	before, _ := stored(t, cs, "p")
	cs.ClearActions()
	err := c.Apply(ctx, "p", ApplyOptions{}, func(b *Batch) error {
		if err := b.Put("A", []byte("changed"), MetaChange{}); err != nil {
			return err
		}
		return b.Put("bad key", []byte("x"), MetaChange{})
	})
	var e *projsecret.Error
	if !errors.As(err, &e) || e.Project != "p" || e.Key != "bad key" {
		t.Fatalf("error %v: want one naming project p and key %q", err, "bad key")
	}
	if n := countVerb(cs.Actions(), "update") + countVerb(cs.Actions(), "create"); n != 0 {
		t.Fatalf("%d writes after a failed batch, want 0", n)
	}
	after, _ := stored(t, cs, "p")
	if after.ResourceVersion != before.ResourceVersion || string(after.Data["A"]) != "a1" {
		t.Fatal("the failed batch changed the Secret")
	}
}

func TestApplyDryRunSendsOnlyReads(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, cs := newTestClient()
	err := c.Apply(ctx, "new", ApplyOptions{DryRun: true}, func(b *Batch) error {
		if !b.IsNew() {
			t.Error("absent project not reported as new")
		}
		return b.Put("A", []byte("a"), MetaChange{})
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range cs.Actions() {
		if a.GetVerb() != "get" && a.GetResource().Resource == "secrets" {
			t.Fatalf("dry run sent %s", a.GetVerb())
		}
	}
	if _, err := cs.CoreV1().Secrets("ns").Get(ctx, projsecret.SecretName("new"), metav1.GetOptions{}); err == nil {
		t.Fatal("dry run created the Secret")
	}
	// The same limits as a real write apply: a dry run that would not fit fails.
	big := make([]byte, projsecret.MaxSecretDataBytes+1)
	err = c.Apply(ctx, "new", ApplyOptions{DryRun: true}, func(b *Batch) error { return b.Put("A", big, MetaChange{}) })
	if err == nil {
		t.Fatal("a dry run over the size limit passed")
	}
}

func countVerb(actions []k8stesting.Action, verb string) int {
	n := 0
	for _, a := range actions {
		if a.GetVerb() == verb && a.GetResource().Resource == "secrets" {
			n++
		}
	}
	return n
}
