package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/projsecret/projsecret"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

// TestPutSaysWhatItDid: Create and Set report whether they created the
// project (with the owners stored), created the entry, and changed the
// value, so front ends report the write without reading it back.
func TestPutSaysWhatItDid(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, cs := newTestClient()
	team := projsecret.Owners{projsecret.User("alice"), {Kind: projsecret.KindGroup, Name: "payments"}}
	for _, step := range []struct {
		name string
		put  func() (PutResult, error)
		want PutResult
	}{
		{"create in a new project, owned by the requester",
			func() (PutResult, error) { return c.Create(ctx, "p", "A", []byte("1"), PutOptions{}) },
			PutResult{CreatedProject: true, Owners: projsecret.Owners{projsecret.User("alice")}, CreatedEntry: true, ValueChanged: true}},
		{"create in a new project, owned as given",
			func() (PutResult, error) { return c.Create(ctx, "q", "A", []byte("1"), PutOptions{Owners: team}) },
			PutResult{CreatedProject: true, Owners: team, CreatedEntry: true, ValueChanged: true}},
		{"create in an existing project",
			func() (PutResult, error) { return c.Create(ctx, "p", "B", []byte("2"), PutOptions{Owners: team}) },
			PutResult{CreatedEntry: true, ValueChanged: true}},
		{"set to the same bytes",
			func() (PutResult, error) { return c.Set(ctx, "p", "A", []byte("1"), PutOptions{}) },
			PutResult{}},
		{"set to other bytes",
			func() (PutResult, error) { return c.Set(ctx, "p", "A", []byte("3"), PutOptions{}) },
			PutResult{ValueChanged: true}},
		{"set a missing key with CreateMissing",
			func() (PutResult, error) {
				return c.Set(ctx, "p", "C", []byte("4"), PutOptions{CreateMissing: true})
			},
			PutResult{CreatedEntry: true, ValueChanged: true}},
	} {
		got, err := step.put()
		if err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		if fmt.Sprint(got) != fmt.Sprint(step.want) {
			t.Errorf("%s: %+v, want %+v", step.name, got, step.want)
		}
	}
	if s, _ := stored(t, cs, "q"); s.Annotations[projsecret.AnnotationOwners] != team.String() {
		t.Errorf("project q stored owners %q, want %q", s.Annotations[projsecret.AnnotationOwners], team)
	}
}

// TestPutRefusals: Create refuses a taken key, Set a missing one unless
// CreateMissing, each with the bare sentinel on the key: the hint naming
// a front end's flags is the front end's to add.
func TestPutRefusals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, _ := newTestClient()
	if _, err := c.Create(ctx, "p", "A", []byte("1"), PutOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		err  error
		want error
	}{
		{"create a taken key", errOf(c.Create(ctx, "p", "A", []byte("2"), PutOptions{})), projsecret.ErrExists},
		{"set a missing key", errOf(c.Set(ctx, "p", "B", []byte("2"), PutOptions{})), projsecret.ErrNotFound},
		{"set in a missing project", errOf(c.Set(ctx, "nope", "B", []byte("2"), PutOptions{})), projsecret.ErrNotFound},
	} {
		var e *projsecret.Error
		if !errors.As(tt.err, &e) || e.Err != tt.want || e.Key == "" {
			t.Errorf("%s: %v, want %v on the key", tt.name, tt.err, tt.want)
		}
		if tt.err != nil && strings.Contains(tt.err.Error(), "--") {
			t.Errorf("%s: %q names a flag", tt.name, tt.err)
		}
	}
}

// TestCreateRefusesNULDescription: a description holding U+0000 is refused
// by Create, naming it, and nothing is stored (see the contract's
// TestDescriptionRefusesNUL for why U+0000 in particular).
func TestCreateRefusesNULDescription(t *testing.T) {
	t.Parallel()
	const want = "control character U+0000"
	ctx := context.Background()
	cs := fake.NewClientset()
	desc := "a\x00b"
	_, err := NewClient(cs, "ns", WithUser(named("alice"))).Create(ctx, "p", "K", []byte("v"), PutOptions{Meta: MetaChange{Description: &desc}})
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("Create: %v, want %q", err, want)
	}
	if _, err := cs.CoreV1().Secrets("ns").Get(ctx, projsecret.SecretName("p"), metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("a refused create left a Secret behind: %v", err)
	}
}
