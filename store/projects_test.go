package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	. "github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/internal/fixtures"
	"github.com/projsecret/projsecret/internal/fixtures/apiserver"
	. "github.com/projsecret/projsecret/store"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

// TestProjectsWarnsOnlyWhenItSkipsSomething: listing a namespace whose
// project Secrets are all sound says nothing on the warning sink; one whose
// label does not match its name is skipped and counted.
func TestProjectsWarnsOnlyWhenItSkipsSomething(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	good := fixtures.Secret("ns", "good", map[string]string{"a": "1"}, byAlice)
	bad := fixtures.Edit(fixtures.Secret("ns", "aaa", map[string]string{"a": "1"}, byAlice), func(s *corev1.Secret) {
		s.Labels[LabelProject] = "payments"
	})
	for _, tt := range []struct {
		name     string
		objs     []runtime.Object
		warnings []string
	}{
		{"all sound", []runtime.Object{good}, nil},
		{"one mismatched", []runtime.Object{good, bad}, []string{"skipped 1 secret(s) whose"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var warnings []string
			c := NewClient(fake.NewClientset(tt.objs...), "ns", as("alice"), WithWarnings(func(m string) { warnings = append(warnings, m) }))
			projects, err := c.Projects(ctx, false)
			if err != nil || len(projects) != 1 || projects[0].Name != "good" {
				t.Fatalf("projects %+v, %v: want only %q", projects, err, "good")
			}
			if len(warnings) != len(tt.warnings) {
				t.Fatalf("warnings %q, want %d", warnings, len(tt.warnings))
			}
			for i, w := range tt.warnings {
				if !strings.HasPrefix(warnings[i], w) {
					t.Errorf("warning %q, want it to start %q", warnings[i], w)
				}
			}
		})
	}
}

// TestDeleteProject: deleting a project removes its Secret, preconditioned
// on the UID and resourceVersion read, after expect agreed with the entry
// count; expect's refusal, an absent project and a Secret changed in
// between delete nothing.
func TestDeleteProject(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	newClient := func() (*Client, *fake.Clientset) {
		s := fixtures.Secret("ns", "p", map[string]string{"a": "1", "b": "2"}, byAlice)
		s.UID, s.ResourceVersion = "uid-1", "7"
		cs := fake.NewClientset(s)
		apiserver.HonorDryRunDeletes(cs)
		return NewClient(cs, "ns", as("alice")), cs
	}
	exists := func(cs *fake.Clientset) bool {
		_, err := cs.CoreV1().Secrets("ns").Get(ctx, SecretName("p"), metav1.GetOptions{})
		return err == nil
	}

	c, cs := newClient()
	if _, err := c.DeleteProject(ctx, "absent", nil); !errors.Is(err, ErrNotFound) {
		t.Fatalf("absent project: %v, want ErrNotFound", err)
	}
	refused := errors.New("two entries, expected one")
	var counted int
	if n, err := c.DeleteProject(ctx, "p", func(n int) error { counted = n; return refused }); !errors.Is(err, refused) || n != 0 || counted != 2 || !exists(cs) {
		t.Fatalf("expect refusing: %d deleted, %v, expect saw %d, still there %v", n, err, counted, exists(cs))
	}
	var pre *metav1.Preconditions
	cs.PrependReactor("delete", "secrets", func(a k8stesting.Action) (bool, runtime.Object, error) {
		pre = a.(k8stesting.DeleteActionImpl).DeleteOptions.Preconditions
		return false, nil, nil
	})
	if n, err := c.DeleteProject(ctx, "p", nil); err != nil || n != 2 || exists(cs) {
		t.Fatalf("delete: %d deleted, %v, still there %v", n, err, exists(cs))
	}
	if pre == nil || pre.UID == nil || *pre.UID != "uid-1" || pre.ResourceVersion == nil || *pre.ResourceVersion != "7" {
		t.Fatalf("delete preconditions %+v, want the UID and resourceVersion read", pre)
	}

	// A DELETE that would be refused is known from its dry run, before
	// anything is written: the project keeps every entry.
	c, cs = newClient()
	cs.PrependReactor("delete", "secrets", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "secrets"}, SecretName("p"), errors.New("denied by the webhook"))
	})
	if n, err := c.DeleteProject(ctx, "p", nil); !apierrors.IsForbidden(err) || n != 0 {
		t.Fatalf("a refused delete: %d, %v, want Forbidden", n, err)
	}
	if s, err := cs.CoreV1().Secrets("ns").Get(ctx, SecretName("p"), metav1.GetOptions{}); err != nil || len(s.Data) != 2 {
		t.Fatalf("a refused delete changed the project: %v, %d values left", err, len(s.Data))
	}

	c, cs = newClient()
	cs.PrependReactor("delete", "secrets", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if len(a.(k8stesting.DeleteAction).GetDeleteOptions().DryRun) > 0 {
			return false, nil, nil
		}
		return true, nil, conflict("p")
	})
	// The entries' deletion is written and recorded before the Secret is
	// deleted: a change in between leaves the project empty, and says so.
	if n, err := c.DeleteProject(ctx, "p", func(int) error { return nil }); !apierrors.IsConflict(err) || n != 0 || !strings.Contains(err.Error(), "undelete restores them") || !exists(cs) {
		t.Fatalf("changed in between: %d, %v, still there %v, want a conflict that names undelete", n, err, exists(cs))
	}
}
