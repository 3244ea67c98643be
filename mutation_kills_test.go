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
	"sync/atomic"
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
	"github.com/projsecret/projsecret/internal/fixtures/apiserver"
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

// TestStoredEntryThatBreaksTheContractVouchesForNothing: the webhook trusts
// the stored entries to say who created an entry only if every one of them
// is valid; a stored entry that is invalid in any one field makes every
// entry of the write new, so it must name the requester as its author. A
// write by bob that repairs only that field of alice's entry is therefore
// denied as a new entry (not judged as a change to a trusted one).
func TestStoredEntryThatBreaksTheContractVouchesForNothing(t *testing.T) {
	t.Parallel()
	p := DefaultPolicy()
	p.Now = func() time.Time { return t0 }
	tests := []struct {
		name string
		bad  func(*EntryMeta)
	}{
		{"description with a control character", func(m *EntryMeta) { m.Description = "d\x01" }},
		{"no createdBy", func(m *EntryMeta) { m.CreatedBy = "" }},
		{"no updatedBy", func(m *EntryMeta) { m.UpdatedBy = "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := byAlice
			tt.bad(&bad)
			old := fixtures.Secret("ns", "demo", map[string]string{"api-token": "v1"}, bad)
			repaired := fixtures.Secret("ns", "demo", map[string]string{"api-token": "v1"}, byAlice)
			_, err := p.Review(Write{Operation: OpUpdate, User: "bob", Old: old, New: repaired})
			const want = `entry "api-token" is new: createdBy and updatedBy must be the requesting user "bob"`
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("got %v, want a denial containing %q", err, want)
			}
		})
	}
}

// TestParseEntriesReportsTheSmallestInvalidKey: with several invalid
// entries, the error names the one with the smallest key, whatever the map
// order, so the same annotation always gets the same answer.
func TestParseEntriesReportsTheSmallestInvalidKey(t *testing.T) {
	t.Parallel()
	noAuthor := byAlice
	noAuthor.CreatedBy = ""
	s := fixtures.Secret("ns", "demo", map[string]string{"a": "1", "b": "2", "c": "3", "d": "4"}, noAuthor)
	for range 20 {
		_, err := ParseEntries(s.Annotations[AnnotationEntries])
		if err == nil || !strings.Contains(err.Error(), `entry "a"`) {
			t.Fatalf("got %v, want the error about entry \"a\"", err)
		}
	}
}

// TestEntriesAnnotationAtTheLimit: the entries annotation may be exactly
// MaxAnnotationBytes long (here a valid one padded with JSON whitespace)
// and not one byte longer.
func TestEntriesAnnotationAtTheLimit(t *testing.T) {
	t.Parallel()
	enc, err := Entries{"a": byAlice}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	pad := func(n int) string { return enc[:1] + strings.Repeat(" ", n-len(enc)) + enc[1:] }
	if _, err := ParseEntries(pad(MaxAnnotationBytes)); err != nil {
		t.Errorf("an annotation of exactly %d bytes: %v", MaxAnnotationBytes, err)
	}
	if _, err := ParseEntries(pad(MaxAnnotationBytes + 1)); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("at most %d are allowed", MaxAnnotationBytes)) {
		t.Errorf("one byte past the limit: %v, want refused for its size", err)
	}
}

// TestAdoptTakesOnlyOpaqueSecrets: adopt takes an unlabeled Opaque Secret
// under management, and refuses one of any other type, leaving it as it
// was.
func TestAdoptTakesOnlyOpaqueSecrets(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	unlabeled := func(typ corev1.SecretType) *corev1.Secret {
		return &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: SecretName("legacy"), Namespace: "ns", CreationTimestamp: metav1.NewTime(time.Now())},
			Type:       typ,
			Data:       map[string][]byte{"db_password": []byte("x"), "api-key": []byte("y")},
		}
	}
	tests := []struct {
		typ  corev1.SecretType
		want string // fragment of the refusal; empty: adopted
	}{
		{corev1.SecretTypeOpaque, ""},
		{corev1.SecretTypeTLS, `secret type is "kubernetes.io/tls": only "Opaque" secrets can be adopted`},
	}
	for _, tt := range tests {
		t.Run(string(tt.typ), func(t *testing.T) {
			cs := fake.NewClientset(unlabeled(tt.typ))
			keys, err := NewClient(cs, "ns", as("alice")).Adopt(ctx, "legacy", AdoptOptions{})
			s, getErr := cs.CoreV1().Secrets("ns").Get(ctx, SecretName("legacy"), metav1.GetOptions{})
			if getErr != nil {
				t.Fatal(getErr)
			}
			if tt.want != "" {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("got %v, want a refusal containing %q", err, tt.want)
				}
				if IsProjectSecret(s) || len(s.Annotations) != 0 {
					t.Fatalf("a refused adopt changed the Secret: labels %v, annotation keys %d", s.Labels, len(s.Annotations))
				}
				return
			}
			if err != nil || len(keys) != 2 {
				t.Fatalf("adopt: keys %v, %v", keys, err)
			}
			if _, err := ValidateSecret(s, DefaultKeyRule); err != nil || s.Labels[LabelProject] != "legacy" || s.Type != corev1.SecretTypeOpaque {
				t.Fatalf("adopted Secret: labels %v, type %q, contract: %v", s.Labels, s.Type, err)
			}
			if got := s.Annotations[AnnotationOwners]; got != "user:alice" {
				t.Errorf("adopted without --owner: owners %q, want the adopter, user:alice", got)
			}
		})
	}
}

// TestAdoptRecordsTheOwnersGiven: owners given to adopt are the project's
// owners as given; the adopter is added only when none are given.
func TestAdoptRecordsTheOwnersGiven(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cs := fake.NewClientset(&corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: SecretName("legacy"), Namespace: "ns", CreationTimestamp: metav1.NewTime(time.Now())},
		Type:       corev1.SecretTypeOpaque,
		Data:       map[string][]byte{"api-key": []byte("y")},
	})
	owners := Owners{{Kind: "group", Name: "data-team"}, {Kind: "user", Name: "bob"}}
	if _, err := NewClient(cs, "ns", as("alice")).Adopt(ctx, "legacy", AdoptOptions{Owners: owners}); err != nil {
		t.Fatalf("adopt: %v", err)
	}
	s, err := cs.CoreV1().Secrets("ns").Get(ctx, SecretName("legacy"), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.Annotations[AnnotationOwners], owners.String(); got != want {
		t.Errorf("owners %q, want %q as given", got, want)
	}
}

// TestEnvVarKeysStartWithoutADigit: under the env-var rule a key may not
// start with any digit, the first and last of the range included, while
// the default rule takes the same keys and a digit later on is fine.
func TestEnvVarKeysStartWithoutADigit(t *testing.T) {
	t.Parallel()
	for _, key := range []string{"0_TOKEN", "5_TOKEN", "9_TOKEN"} {
		if err := EnvVarKeyRule.Validate(key); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("key %q is invalid", key)) {
			t.Errorf("env-var rule, key %q: %v, want it refused", key, err)
		}
		if err := DefaultKeyRule.Validate(key); err != nil {
			t.Errorf("default rule, key %q: %v", key, err)
		}
	}
	for _, key := range []string{"TOKEN_0", "TOKEN_9", "_0"} {
		if err := EnvVarKeyRule.Validate(key); err != nil {
			t.Errorf("env-var rule, key %q: %v", key, err)
		}
	}
}

// TestOwnerNameRefusesNUL: NUL (code point 0) is a control character for
// owner names too, whether the owner comes from code or from the stored
// annotation.
func TestOwnerNameRefusesNUL(t *testing.T) {
	t.Parallel()
	const want = "holds the control character U+0000"
	if err := User("ali\x00ce").Validate(); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Validate: %v, want %q", err, want)
	}
	if owners, err := ParseOwners("user:bob,user:ali\x00ce"); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("ParseOwners: %d owner(s), %v, want %q", len(owners), err, want)
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
	if err := c.Create(ctx, "p", "K", []byte("v"), MetaChange{}); err != nil {
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

// TestDenialKeepsALineOnlyWithRoomForTheCount: a denial keeps each whole
// line while it leaves room for its newline and the 40 bytes kept for a
// closing "... and N more"; a line one byte longer than that is counted
// instead. (Messages quote keys, owners and labels of any length, so lines
// land at this edge.)
func TestDenialKeepsALineOnlyWithRoomForTheCount(t *testing.T) {
	t.Parallel()
	first := strings.Repeat("a", 1000)
	fits := MaxMessageBytes - len(first) - 1 - 40
	for _, tt := range []struct {
		second int
		want   string
	}{
		{fits, first + "\n" + strings.Repeat("b", fits)},
		{fits + 1, first + "\n... and 1 more"},
	} {
		vs := Violations{{Rule: RuleMetadata, Message: first}, {Rule: RuleMetadata, Message: strings.Repeat("b", tt.second)}}
		if got := vs.Error(); got != tt.want {
			t.Errorf("a %d-byte line after a %d-byte one: got %d bytes ending %q, want %d bytes ending %q",
				tt.second, len(first), len(got), got[max(0, len(got)-16):], len(tt.want), tt.want[max(0, len(tt.want)-16):])
		}
	}
}

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

// TestPolicyWithoutClockSkewUsesTheDefault: a Policy whose ClockSkew is
// left zero judges timestamps with DefaultClockSkew, not with no leeway at
// all: a new entry stamped a minute before the webhook's clock passes, one
// stamped just past the default is denied naming it.
func TestPolicyWithoutClockSkewUsesTheDefault(t *testing.T) {
	t.Parallel()
	p := Policy{KeyRule: DefaultKeyRule, Now: func() time.Time { return t0 }}
	stampedAt := func(at time.Time) *corev1.Secret {
		m := EntryMeta{CreatedAt: at, UpdatedAt: at, CreatedBy: "alice", UpdatedBy: "alice"}
		return fixtures.Secret("ns", "demo", map[string]string{"a": "1"}, m)
	}
	if _, err := p.Review(Write{Operation: OpCreate, User: "alice", New: stampedAt(t0.Add(-time.Minute))}); err != nil {
		t.Errorf("a minute off with the default skew: %v", err)
	}
	want := fmt.Sprintf("within %s", DefaultClockSkew)
	if _, err := p.Review(Write{Operation: OpCreate, User: "alice", New: stampedAt(t0.Add(-DefaultClockSkew - time.Second))}); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("just past the default skew: %v, want a denial saying %q", err, want)
	}
}

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

// TestAdoptRefusesBeforeReading: an invalid project name, or a user lookup
// that fails, stops adopt before it reads or writes anything.
func TestAdoptRefusesBeforeReading(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	lookup := errors.New("no SelfSubjectReview")
	for _, tt := range []struct {
		name, project string
		user          ClientOption
		want          string
	}{
		{"invalid project name", "Not_A_Label", as("alice"), "Not_A_Label"},
		{"user lookup fails", "legacy", WithUser(func(context.Context) (string, error) { return "", lookup }), lookup.Error()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cs := fake.NewClientset()
			_, err := NewClient(cs, "ns", tt.user).Adopt(ctx, tt.project, AdoptOptions{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error naming %q", err, tt.want)
			}
			if n := len(cs.Actions()); n != 0 {
				t.Fatalf("%d API calls made before refusing", n)
			}
		})
	}
}

// TestQuoteAtItsEdges: Quote keeps a string of exactly 64 bytes whole, cuts
// a longer one at 64 bytes or just before a rune that would be split, and
// never panics, even on bytes that are all UTF-8 continuations (hostile
// keys and owner names reach messages through it).
func TestQuoteAtItsEdges(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in, want string
	}{
		{"exactly 64 bytes", strings.Repeat("k", 64), `"` + strings.Repeat("k", 64) + `"`},
		{"65 bytes", strings.Repeat("k", 65), `"` + strings.Repeat("k", 64) + `"... (65 bytes)`},
		{"a rune across the cut", "a" + strings.Repeat("é", 40), `"a` + strings.Repeat("é", 31) + `"... (81 bytes)`},
		{"only continuation bytes", strings.Repeat("\x80", 70), `""... (70 bytes)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got string
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("Quote of %d bytes panicked", len(tc.in))
					}
				}()
				got = Quote(tc.in)
			}()
			if got != tc.want {
				t.Errorf("Quote of %d bytes: %d bytes out, want %d", len(tc.in), len(got), len(tc.want))
			}
		})
	}
}

// TestDenialCutsALoneLineAtItsEdge: a single line too long to keep is cut
// to leave 40 bytes for the ellipsis; one that is exactly that long is
// kept whole with the ellipsis, not cut (and nothing panics).
func TestDenialCutsALoneLineAtItsEdge(t *testing.T) {
	t.Parallel()
	for _, n := range []int{MaxMessageBytes - 40, MaxMessageBytes - 39} {
		var got string
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("a lone %d-byte line panicked", n)
				}
			}()
			got = Violations{{Rule: RuleSize, Message: strings.Repeat("x", n)}}.Error()
		}()
		if want := strings.Repeat("x", MaxMessageBytes-40) + "..."; got != want {
			t.Errorf("a lone %d-byte line: %d bytes out, want %d", n, len(got), len(want))
		}
	}
}

// TestAnnotationLimitSaysHowFarOver: the size check names how many bytes
// of metadata are over the API server's limit.
func TestAnnotationLimitSaysHowFarOver(t *testing.T) {
	t.Parallel()
	err := Size{AnnotationBytes: MaxAnnotationBytes + 5}.Check()
	want := fmt.Sprintf("annotations total %d bytes (the entries' metadata), 5 over the API server's limit of %d", MaxAnnotationBytes+5, MaxAnnotationBytes)
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %q", err, want)
	}
}
