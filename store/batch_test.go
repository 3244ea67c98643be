package store_test

import (
	"context"
	"errors"
	"testing"

	. "github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/internal/fixtures"
	. "github.com/projsecret/projsecret/store"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

// TestBatchUpdateMeta: inside Apply, UpdateMeta changes an existing
// entry's metadata as the requester, and refuses an absent key with
// ErrNotFound placed on it, which aborts the whole batch.
func TestBatchUpdateMeta(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cs := fake.NewClientset(fixtures.Secret("ns", "p", map[string]string{"a": "1"}, byAlice))
	c := NewClient(cs, "ns", as("bob"))
	desc := "rotated monthly"
	err := c.Apply(ctx, "p", ApplyOptions{}, func(b *Batch) error {
		if err := b.UpdateMeta("a", MetaChange{Description: &desc}); err != nil {
			return err
		}
		return b.UpdateMeta("missing", MetaChange{Description: &desc})
	})
	var e *Error
	if !errors.Is(err, ErrNotFound) || !errors.As(err, &e) || e.Key != "missing" {
		t.Fatalf("batch with an absent key: %v, want ErrNotFound on key missing", err)
	}
	s, _ := cs.CoreV1().Secrets("ns").Get(ctx, SecretName("p"), metav1.GetOptions{})
	if m := fixtures.EntriesOf(s)["a"]; m.Description != byAlice.Description {
		t.Fatalf("a failed batch changed entry a: description %q", m.Description)
	}
	if err := c.Apply(ctx, "p", ApplyOptions{}, func(b *Batch) error { return b.UpdateMeta("a", MetaChange{Description: &desc}) }); err != nil {
		t.Fatal(err)
	}
	s, _ = cs.CoreV1().Secrets("ns").Get(ctx, SecretName("p"), metav1.GetOptions{})
	if m := fixtures.EntriesOf(s)["a"]; m.Description != desc || m.UpdatedBy != "bob" || m.CreatedBy != "alice" {
		t.Fatalf("entry a after UpdateMeta: %+v", m)
	}
}
