package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/internal/fixtures"
	. "github.com/projsecret/projsecret/store"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
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
		if _, err := c.Set(ctx, "p", "a", []byte{byte('2' + i)}, PutOptions{}); err != nil {
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
	_, err := c.Set(ctx, "p", "big", make([]byte, MaxSecretDataBytes), PutOptions{CreateMissing: true})
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

// TestFirstWriteAsksForTheUserOnce: WithUser's source is called once per
// write that records an author, also for the write that creates the
// project and makes its requester the owner with the same answer.
func TestFirstWriteAsksForTheUserOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cs := fake.NewClientset()
	var asked atomic.Int32
	c := NewClient(cs, "ns", WithUser(func(context.Context) (string, error) { asked.Add(1); return "alice", nil }))
	if _, err := c.Create(ctx, "p", "K", []byte("v"), PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := asked.Load(); n != 1 {
		t.Errorf("creating a project asked who the user is %d times, want once", n)
	}
	s, err := cs.CoreV1().Secrets("ns").Get(ctx, SecretName("p"), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Annotations[AnnotationOwners]; got != "user:alice" {
		t.Errorf("owners %q, want the requester", got)
	}
}
