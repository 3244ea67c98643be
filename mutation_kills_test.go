package projsecret_test

// Tests written for mutants that survived `make mutation` (gremlins): each
// pins a behaviour that a one-token change in the root package broke
// without any other unit test of the package noticing.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	. "github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/internal/fixtures"
)

// as is a user source that always answers name: the fake clientset has no
// SelfSubjectReview.
func as(name string) ClientOption {
	return WithUser(func(context.Context) (string, error) { return name, nil })
}

func conflict(project string) error {
	return apierrors.NewConflict(schema.GroupResource{Resource: "secrets"}, SecretName(project), errors.New("the object has been modified"))
}

// TestFirstRetryWaitsTheDocumentedBackoff: with the default retry budget, a
// write that lost a race waits at least the first backoff step (10ms, plus
// jitter) before reading again, rather than hammering the API server. Three
// writes each lose once; every gap between the lost UPDATE and the next one
// must be at least 10ms (timers never fire early, so a loaded machine
// cannot fail this).
func TestFirstRetryWaitsTheDocumentedBackoff(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cs := fake.NewClientset(fixtures.Secret("ns", "p", map[string]string{"a": "1"}, byAlice))
	c := NewClient(cs, "ns", as("alice"))
	var (
		mu       sync.Mutex
		attempts []time.Time
	)
	cs.PrependReactor("update", "secrets", func(k8stesting.Action) (bool, runtime.Object, error) {
		mu.Lock()
		defer mu.Unlock()
		attempts = append(attempts, time.Now())
		if len(attempts)%2 == 1 {
			return true, nil, conflict("p")
		}
		return false, nil, nil
	})
	for i := range 3 {
		if err := c.Set(ctx, "p", "a", []byte{byte('2' + i)}, false); err != nil {
			t.Fatalf("write %d through one conflict: %v", i, err)
		}
	}
	if len(attempts) != 6 {
		t.Fatalf("%d UPDATEs for 3 writes that lost one race each, want 6", len(attempts))
	}
	for i := 0; i < len(attempts); i += 2 {
		if gap := attempts[i+1].Sub(attempts[i]); gap < 10*time.Millisecond {
			t.Errorf("write %d retried %s after losing, want at least the first backoff step of 10ms", i/2, gap)
		}
	}
}

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

// TestWriteRefusedSaysHowMuchRoomWasLeft: a write that would break the
// values limit is refused before sending, and the message gives the room
// the project had before it, measured from the stored Secret, so the user
// knows how much smaller to make the value. Nothing is stored.
func TestWriteRefusedSaysHowMuchRoomWasLeft(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	stored := fixtures.Secret("ns", "p", map[string]string{"a": strings.Repeat("v", 1000)}, byAlice)
	annotationBytes := 0
	for k, v := range stored.Annotations {
		annotationBytes += len(k) + len(v)
	}
	cs := fake.NewClientset(stored)
	c := NewClient(cs, "ns", as("alice"))
	err := c.Set(ctx, "p", "big", make([]byte, MaxSecretDataBytes), true)
	want := fmt.Sprintf("room left before this write: %d bytes of values, %d bytes of metadata", MaxSecretDataBytes-1000, MaxAnnotationBytes-annotationBytes)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v, want it to say %q", err, want)
	}
	s, err := cs.CoreV1().Secrets("ns").Get(ctx, SecretName("p"), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Data["big"]; ok || len(s.Data) != 1 {
		t.Fatalf("refused write changed the stored values: %d key(s), \"big\" present: %v", len(s.Data), ok)
	}
}

// TestDescriptionRefusesNUL: NUL is a control character like any other (its
// code point is 0, the first a check for "found" could miss); a description
// holding one is refused, naming it, and the client stores nothing.
func TestDescriptionRefusesNUL(t *testing.T) {
	t.Parallel()
	const want = "control character U+0000"
	if err := ValidateDescription("db\x00password"); err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("ValidateDescription: %v, want %q", err, want)
	}
	ctx := context.Background()
	cs := fake.NewClientset()
	desc := "a\x00b"
	err := NewClient(cs, "ns", as("alice")).Create(ctx, "p", "K", []byte("v"), MetaChange{Description: &desc})
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("Create: %v, want %q", err, want)
	}
	if _, err := cs.CoreV1().Secrets("ns").Get(ctx, SecretName("p"), metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("a refused create left a Secret behind: %v", err)
	}
}
