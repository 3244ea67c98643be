package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/internal/fixtures/apiserver"
)

func newTestClient(objs ...runtime.Object) (*Client, *fake.Clientset) {
	cs := fake.NewClientset(objs...)
	apiserver.HonorDryRunDeletes(cs)
	return NewClient(cs, "ns", WithUser(named("alice"))), cs
}

// named is a user source that always answers name: the fake clientset has
// no SelfSubjectReview.
func named(name string) func(context.Context) (string, error) {
	return func(context.Context) (string, error) { return name, nil }
}

func stored(t *testing.T, cs *fake.Clientset, project string) (*corev1.Secret, projsecret.Entries) {
	t.Helper()
	s, err := cs.CoreV1().Secrets("ns").Get(context.Background(), projsecret.SecretName(project), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	entries, err := projsecret.ParseEntries(s.Annotations[projsecret.AnnotationEntries])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := projsecret.ValidateSecret(s, projsecret.DefaultKeyRule); err != nil {
		t.Fatalf("the client wrote a secret that breaks the contract: %v", err)
	}
	return s, entries
}

func TestClientLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, cs := newTestClient()
	desc := "db password"
	if _, err := c.Create(ctx, "p", "DB_PASS", []byte("v1"), PutOptions{Meta: MetaChange{Description: &desc, SetLabels: map[string]string{"tier": "db"}}}); err != nil {
		t.Fatal(err)
	}
	s, entries := stored(t, cs, "p")
	if s.Labels[projsecret.LabelProject] != "p" || s.Type != corev1.SecretTypeOpaque {
		t.Fatalf("secret labels %v type %q", s.Labels, s.Type)
	}
	if m := entries["DB_PASS"]; m.Description != desc || m.CreatedBy != "alice" || m.Labels["tier"] != "db" {
		t.Fatalf("metadata %+v", m)
	}
	if _, err := c.Create(ctx, "p", "DB_PASS", []byte("v2"), PutOptions{}); !errors.Is(err, projsecret.ErrExists) {
		t.Fatalf("second create: %v, want ErrExists", err)
	}
	if _, err := c.Set(ctx, "p", "OTHER", []byte("x"), PutOptions{}); !errors.Is(err, projsecret.ErrNotFound) {
		t.Fatalf("set absent: %v, want ErrNotFound", err)
	}
	if _, err := c.Set(ctx, "p", "OTHER", []byte("x"), PutOptions{CreateMissing: true}); err != nil {
		t.Fatal(err)
	}
	c = NewClient(cs, "ns", WithUser(named("bob")))
	if _, err := c.Set(ctx, "p", "DB_PASS", []byte("v2"), PutOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err := c.Read(ctx, "p", "DB_PASS")
	if err != nil || string(got) != "v2" {
		t.Fatalf("read %q, %v", got, err)
	}
	_, entries = stored(t, cs, "p")
	if m := entries["DB_PASS"]; m.Description != desc || m.CreatedBy != "alice" || m.UpdatedBy != "bob" {
		t.Fatalf("set must keep metadata and record the updater: %+v", m)
	}
	if err := c.UpdateMeta(ctx, "p", "DB_PASS", MetaChange{RemoveLabels: []string{"tier"}}); err != nil {
		t.Fatal(err)
	}
	list, err := c.List(ctx, "p")
	if err != nil || len(list) != 2 || list[0].Key != "DB_PASS" || list[0].Size != 2 || list[0].Labels != nil {
		t.Fatalf("list %+v, %v", list, err)
	}
	if err := c.Delete(ctx, "p", "DB_PASS", "missing"); !errors.Is(err, projsecret.ErrNotFound) {
		t.Fatalf("delete with a missing key: %v, want ErrNotFound", err)
	}
	if _, err := c.Read(ctx, "p", "DB_PASS"); err != nil {
		t.Fatalf("a failed delete removed an entry: %v", err)
	}
	if err := c.Delete(ctx, "p", "DB_PASS", "OTHER"); err != nil {
		t.Fatal(err)
	}
	s, entries = stored(t, cs, "p")
	if len(s.Data) != 0 || len(entries) != 0 || s.Labels[projsecret.LabelProject] != "p" {
		t.Fatalf("emptied secret: data %d entries %d labels %v", len(s.Data), len(entries), s.Labels)
	}
	projects, err := c.Projects(ctx, false)
	if err != nil || len(projects) != 1 || projects[0].Name != "p" || projects[0].Entries != 0 {
		t.Fatalf("projects %+v, %v", projects, err)
	}
}

func TestClientRefuses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	foreign := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: projsecret.SecretName("taken"), Namespace: "ns"}}
	c, _ := newTestClient(foreign)
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"invalid key", errOf(c.Create(ctx, "p", "a.b", nil, PutOptions{})), `key "a.b" is invalid`},
		{"invalid project", errOf(c.Create(ctx, "P", "k", nil, PutOptions{})), `project name "P" is invalid`},
		{"unlabeled secret", errOf(c.Create(ctx, "taken", "k", nil, PutOptions{})), "not labeled as a project secret"},
		{"too large", errOf(c.Create(ctx, "p", "k", make([]byte, projsecret.MaxSecretDataBytes+1), PutOptions{})), "room left"},
		{"bad label", errOf(c.Create(ctx, "p", "k", nil, PutOptions{Meta: MetaChange{SetLabels: map[string]string{"a b": "c"}}})), `label key "a b" is invalid`},
		{"read absent project", func() error { _, err := c.Read(ctx, "nope", "k"); return err }(), "not found"},
		{"set owners of absent project", c.SetOwners(ctx, "nope", projsecret.Owners{{Kind: "user", Name: "bob"}}), `project "nope": not found`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.err == nil || !strings.Contains(tc.err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", tc.err, tc.want)
			}
		})
	}
}

// TestClientRetriesConflicts makes the API server report a conflict on the
// first updates: the client must read again and land the write.
func TestClientRetriesConflicts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, cs := newTestClient()
	if _, err := c.Create(ctx, "p", "a", []byte("1"), PutOptions{}); err != nil {
		t.Fatal(err)
	}
	conflicts := 3
	cs.PrependReactor("update", "secrets", func(k8stesting.Action) (bool, runtime.Object, error) {
		if conflicts == 0 {
			return false, nil, nil
		}
		conflicts--
		return true, nil, apierrors.NewConflict(schema.GroupResource{Resource: "secrets"}, projsecret.SecretName("p"), errors.New("the object has been modified"))
	})
	if _, err := c.Set(ctx, "p", "a", []byte("2"), PutOptions{}); err != nil {
		t.Fatalf("set through 3 conflicts: %v", err)
	}
	if v, _ := c.Read(ctx, "p", "a"); string(v) != "2" {
		t.Fatalf("value after retries: %q", v)
	}
}

// TestClientRetriesForRetryTimeout keeps losing every race: the client must
// go on retrying, past where the delay reaches the backoff's Cap, until
// the retry timeout (long before its Steps), and then say it gave up. (wait.Backoff alone stops at Cap,
// which once made 32 writers on one project give up after 14 attempts.)
func TestClientRetriesForRetryTimeout(t *testing.T) {
	t.Parallel()
	const retryTimeout = 200 * time.Millisecond
	ctx := context.Background()
	cs := fake.NewClientset()
	c := NewClient(cs, "ns", WithUser(named("alice")),
		WithRetry(wait.Backoff{Steps: 1000, Duration: time.Millisecond, Factor: 2, Cap: 2 * time.Millisecond}, retryTimeout))
	if _, err := c.Create(ctx, "p", "a", []byte("1"), PutOptions{}); err != nil {
		t.Fatal(err)
	}
	attempts := 0
	cs.PrependReactor("update", "secrets", func(k8stesting.Action) (bool, runtime.Object, error) {
		attempts++
		return true, nil, apierrors.NewConflict(schema.GroupResource{Resource: "secrets"}, projsecret.SecretName("p"), errors.New("the object has been modified"))
	})
	start := time.Now()
	_, err := c.Set(ctx, "p", "a", []byte("2"), PutOptions{})
	if !apierrors.IsConflict(err) || !strings.Contains(err.Error(), "gave up after") {
		t.Fatalf("error %v, want a conflict the client gave up on", err)
	}
	if elapsed := time.Since(start); elapsed < retryTimeout-10*time.Millisecond || elapsed > 10*retryTimeout {
		t.Errorf("gave up after %s, want about the retry timeout (%s)", elapsed, retryTimeout)
	}
	// wait.Backoff alone would stop after the 2 steps before Cap; 5 shows
	// the retries went on. (Each attempt also records a revision, and on
	// a loaded machine under -race one can take tens of milliseconds, so
	// no higher count is certain within the timeout.)
	if attempts < 5 {
		t.Errorf("%d attempts in %s, want retries to go on at Cap until the retry timeout", attempts, retryTimeout)
	}
}

// TestClientStopsRetryingWhenCanceled: an interrupted command does not sit
// out the retry budget.
func TestClientStopsRetryingWhenCanceled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c, cs := newTestClient()
	if _, err := c.Create(ctx, "p", "a", []byte("1"), PutOptions{}); err != nil {
		t.Fatal(err)
	}
	cs.PrependReactor("update", "secrets", func(k8stesting.Action) (bool, runtime.Object, error) {
		cancel()
		return true, nil, apierrors.NewConflict(schema.GroupResource{Resource: "secrets"}, projsecret.SecretName("p"), errors.New("the object has been modified"))
	})
	if _, err := c.Set(ctx, "p", "a", []byte("2"), PutOptions{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
}

// TestClientAsksForTheUserOnlyWhenItRecordsOne keeps delete and owners at
// one GET and one UPDATE: they stamp no entry, so no SelfSubjectReview.
func TestClientAsksForTheUserOnlyWhenItRecordsOne(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, cs := newTestClient()
	if _, err := c.Create(ctx, "p", "a", []byte("1"), PutOptions{}); err != nil {
		t.Fatal(err)
	}
	asked := 0
	c = NewClient(cs, "ns", WithUser(func(context.Context) (string, error) { asked++; return "alice", nil }))
	if err := c.SetOwners(ctx, "p", projsecret.Owners{{Kind: "user", Name: "alice"}}); err != nil {
		t.Fatal(err)
	}
	if asked != 0 {
		t.Fatalf("setting owners asked who the user is %d times", asked)
	}
	// A delete records its revision's author.
	if err := c.Delete(ctx, "p", "a"); err != nil || asked != 1 {
		t.Fatalf("delete: %v, asked %d times, want once", err, asked)
	}
	if _, err := c.Set(ctx, "p", "b", []byte("2"), PutOptions{CreateMissing: true}); err != nil || asked != 2 {
		t.Fatalf("set: %v, asked %d times in all, want twice", err, asked)
	}
}

func TestInNamespaceWritesThereWithTheSameUser(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, cs := newTestClient()
	other := c.InNamespace("other")
	if other.Namespace() != "other" || c.Namespace() != "ns" {
		t.Fatalf("namespaces %q and %q", other.Namespace(), c.Namespace())
	}
	if _, err := other.Create(ctx, "p", "K", []byte("v"), PutOptions{}); err != nil {
		t.Fatal(err)
	}
	s, err := cs.CoreV1().Secrets("other").Get(ctx, projsecret.SecretName("p"), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	entries, _ := projsecret.ParseEntries(s.Annotations[projsecret.AnnotationEntries])
	if entries["K"].CreatedBy != "alice" {
		t.Fatalf("createdBy %q, want the original client's user", entries["K"].CreatedBy)
	}
	if _, err := cs.CoreV1().Secrets("ns").Get(ctx, projsecret.SecretName("p"), metav1.GetOptions{}); err == nil {
		t.Fatal("InNamespace wrote to the original namespace")
	}
}

// TestClientOptionsCarryOver: the clock stamps entries (UTC, whole
// seconds), and the clients InNamespace and Quiet derive keep every
// option but the one Quiet drops.
func TestClientOptionsCarryOver(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	at := time.Date(2025, 6, 7, 8, 9, 10, 500_000_000, time.FixedZone("CEST", 2*3600))
	cs := fake.NewClientset(mismatched(t))
	var warnings []string
	c := NewClient(cs, "ns", WithUser(named("carol")), WithClock(func() time.Time { return at }),
		WithWarnings(func(m string) { warnings = append(warnings, m) }))
	for _, client := range []*Client{c, c.InNamespace("other"), c.Quiet()} {
		if _, err := client.Create(ctx, "p", "K", []byte("v"), PutOptions{}); err != nil {
			t.Fatal(err)
		}
		s, err := cs.CoreV1().Secrets(client.Namespace()).Get(ctx, projsecret.SecretName("p"), metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		entries, _ := projsecret.ParseEntries(s.Annotations[projsecret.AnnotationEntries])
		want := time.Date(2025, 6, 7, 6, 9, 10, 0, time.UTC)
		if m := entries["K"]; !m.CreatedAt.Equal(want) || m.CreatedAt.Location() != time.UTC || m.CreatedBy != "carol" {
			t.Errorf("namespace %s: entry %+v, want created by carol at %s", client.Namespace(), m, want)
		}
		if err := client.Delete(ctx, "p", "K"); err != nil {
			t.Fatal(err)
		}
		if !client.Now().Equal(at) {
			t.Errorf("Now() = %s, want the clock's %s", client.Now(), at)
		}
	}
	if _, err := c.Quiet().Projects(ctx, false); err != nil || len(warnings) != 0 {
		t.Fatalf("quiet client: %v, warnings %q", err, warnings)
	}
	if _, err := c.Projects(ctx, false); err != nil || len(warnings) != 1 {
		t.Fatalf("client: %v, warnings %q, want the mismatched secret named once", err, warnings)
	}
}

// errOf keeps the error of a Create or Set, for tests about the error alone.
func errOf(_ PutResult, err error) error { return err }
