package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/projsecret/projsecret"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

// changesOf lists what each revision did to key, newest first.
func changesOf(t *testing.T, revs []*projsecret.Revision, key string) []string {
	t.Helper()
	var out []string
	for _, r := range revs {
		ch, ok := r.Touches(key)
		if !ok {
			t.Fatalf("revision %d does not touch %s", r.Revision, key)
		}
		out = append(out, string(ch.Change))
	}
	return out
}

func revisionSecrets(t *testing.T, cs *fake.Clientset) []corev1.Secret {
	t.Helper()
	list, err := cs.CoreV1().Secrets("ns").List(context.Background(), metav1.ListOptions{LabelSelector: projsecret.LabelRevision})
	if err != nil {
		t.Fatal(err)
	}
	return list.Items
}

// TestHistoryOfAKey walks the story on the resourceVersion
// enforcing fake: create (description "first"), set, describe, set,
// delete; then read back revisions, undelete and roll back, each a new
// revision, and an unknown revision that fails naming it and writes
// nothing.
func TestHistoryOfAKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, cs, _ := newRacingClient(t)
	first, second := []byte("v1\x00\xff"), []byte("v2\n")
	desc := "first"
	steps := []func() error{
		func() error {
			return errOf(c.Create(ctx, "p", "K", first, PutOptions{Meta: MetaChange{Description: &desc}}))
		},
		func() error { return errOf(c.Set(ctx, "p", "K", second, PutOptions{})) },
		func() error { d := "second"; return c.UpdateMeta(ctx, "p", "K", MetaChange{Description: &d}) },
		func() error { return errOf(c.Set(ctx, "p", "K", []byte("v3"), PutOptions{})) },
		func() error { return c.Delete(ctx, "p", "K") },
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i+1, err)
		}
	}
	revs, err := c.History(ctx, "p", "K")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := changesOf(t, revs, "K"), []string{"deleted", "updated", "metadata", "updated", "created"}; !slices.Equal(got, want) {
		t.Fatalf("changes newest first %v, want %v", got, want)
	}
	for i, r := range revs {
		if r.Revision != 5-i || r.User != "alice" || r.Time.IsZero() {
			t.Fatalf("revision %d at %d: user %q, time %v", r.Revision, i, r.User, r.Time)
		}
	}
	for n, want := range map[int][]byte{1: first, 2: second, 3: second} {
		if got, err := c.ReadRevision(ctx, "p", "K", n); err != nil || string(got) != string(want) {
			t.Fatalf("revision %d: %d bytes, %v; want the %d bytes written", n, len(got), err, len(want))
		}
	}
	if _, err := c.ReadRevision(ctx, "p", "K", 5); !errors.Is(err, projsecret.ErrNotAtRevision) {
		t.Fatalf("read at the delete: %v, want ErrNotAtRevision", err)
	}
	if changed, err := c.Undelete(ctx, "p", "K"); err != nil || !slices.Equal(changed, []string{"K"}) {
		t.Fatalf("undelete: changed %v, %v; want [K]", changed, err)
	}
	if v, _ := c.Read(ctx, "p", "K"); string(v) != "v3" {
		t.Fatalf("undeleted %d bytes, want the last value", len(v))
	}
	if changed, err := c.Rollback(ctx, "p", 1, "K"); err != nil || !slices.Equal(changed, []string{"K"}) {
		t.Fatalf("rollback: changed %v, %v; want [K]", changed, err)
	}
	// Rolling back to what is already there changes no value: nothing for
	// --restart to restart.
	if changed, err := c.Rollback(ctx, "p", 1, "K"); err != nil || len(changed) != 0 {
		t.Fatalf("second rollback: changed %v, %v; want none", changed, err)
	}
	entries, err := c.List(ctx, "p", "K")
	if v, _ := c.Read(ctx, "p", "K"); err != nil || string(v) != string(first) || entries[0].Description != "first" {
		t.Fatalf("rolled back: %v, description %q, value equal %v", err, entries[0].Description, string(v) == string(first))
	}
	revs, _ = c.History(ctx, "p", "")
	if got, want := changesOf(t, revs[:2], "K"), []string{"updated", "created"}; len(revs) != 7 || !slices.Equal(got, want) {
		t.Fatalf("%d revisions, newest %v; want 7, the rollback (updated) and the undelete (created) on top", len(revs), got)
	}
	before := len(revisionSecrets(t, cs))
	cs.ClearActions()
	_, err = c.Rollback(ctx, "p", 42, "K")
	if !errors.Is(err, projsecret.ErrUnknownRevision) || !strings.Contains(err.Error(), "revision 42") {
		t.Fatalf("unknown revision: %v, want ErrUnknownRevision naming 42", err)
	}
	_, err = c.Rollback(ctx, "p", 2, "K", "NEVER")
	if !errors.Is(err, projsecret.ErrNotAtRevision) || !strings.Contains(err.Error(), `"NEVER"`) {
		t.Fatalf("a key absent at the revision: %v, want ErrNotAtRevision naming it", err)
	}
	if n := countVerb(cs.Actions(), "create") + countVerb(cs.Actions(), "update"); n != 0 || len(revisionSecrets(t, cs)) != before {
		t.Fatalf("refused rollbacks wrote %d times", n)
	}
}

// TestRevisionLosesTheRaceWithItsProjectWrite: another writer commits
// between a write's revision and its project UPDATE. The loser's first
// revision is never shown; it retries on top, and the history holds each
// write once, in the order they were committed.
func TestRevisionLosesTheRaceWithItsProjectWrite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, cs, v := newRacingClient(t)
	if _, err := c.Create(ctx, "p", "K", []byte("0"), PutOptions{}); err != nil {
		t.Fatal(err)
	}
	// Bob's whole write (revision, then project) lands after Alice's
	// revision and before her project UPDATE. It is made as the client
	// makes it, but stored through v: a reactor holds the fake's lock.
	var once sync.Once
	cs.PrependReactor("update", "secrets", func(k8stesting.Action) (bool, runtime.Object, error) {
		once.Do(func() {
			s, err := v.Get("ns", projsecret.SecretName("p"))
			if err != nil {
				t.Error(err)
				return
			}
			entries := mustEntries(t, s.Annotations[projsecret.AnnotationEntries])
			prior := snapshotEntries(s, entries)
			b := &Batch{project: "p", secret: s, entries: entries, user: "bob", stamp: c.stamp}
			if err := putValue(b, "K", []byte("bob's"), MetaChange{}); err != nil {
				t.Error(err)
			}
			s.Annotations[projsecret.AnnotationEntries], _ = entries.Encode()
			user := "bob"
			rev, err := c.newRevision(ctx, "p", s, prior, entries, &user, writeOptions{})
			if err != nil {
				t.Error(err)
				return
			}
			if err := v.Write(rev.secret); err != nil {
				t.Error(err)
			}
			if err := v.Write(s); err != nil {
				t.Error(err)
			}
		})
		return false, nil, nil
	})
	if _, err := c.Set(ctx, "p", "K", []byte("alice's"), PutOptions{}); err != nil {
		t.Fatal(err)
	}
	revs, err := c.History(ctx, "p", "K")
	if err != nil {
		t.Fatal(err)
	}
	if len(revs) != 3 || revs[0].User != "alice" || revs[1].User != "bob" || revs[2].Revision != 1 {
		t.Fatalf("history %+v, want alice's on bob's on the create", revs)
	}
	if len(revisionSecrets(t, cs)) != 4 {
		t.Fatalf("%d revision secrets, want 4: three committed and alice's lost one", len(revisionSecrets(t, cs)))
	}
	// A write whose project UPDATE fails for good leaves its revision
	// unreachable: history shows no change that did not happen.
	cs.PrependReactor("update", "secrets", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewInternalError(errors.New("etcd is down"))
	})
	if _, err := c.Set(ctx, "p", "K", []byte("never stored"), PutOptions{}); err == nil {
		t.Fatal("the write succeeded though its UPDATE failed")
	}
	if again, _ := c.History(ctx, "p", ""); len(again) != 3 {
		t.Fatalf("%d revisions after a failed write, want still 3", len(again))
	}
}

// TestConcurrentSetsRecordEachOnce: 8 concurrent sets of one key after its
// create leave exactly 9 revisions, each holding one of the values
// written, none twice.
func TestConcurrentSetsRecordEachOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, cs, _ := newRacingClient(t)
	if _, err := c.Create(ctx, "p", "K", []byte("created"), PutOptions{}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := NewClient(cs, "ns", WithUser(named(fmt.Sprintf("writer%d", i))))
			if _, err := w.Set(ctx, "p", "K", []byte(fmt.Sprintf("value %d", i)), PutOptions{}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	revs, err := c.History(ctx, "p", "K")
	if err != nil {
		t.Fatal(err)
	}
	if len(revs) != 9 {
		t.Fatalf("%d revisions, want 9", len(revs))
	}
	seen := map[string]bool{}
	for i, r := range revs {
		ch, _ := r.Touches("K")
		v := string(ch.After.Value)
		if r.Revision != 9-i || seen[v] {
			t.Fatalf("revision %d at %d holds %q, seen before %v", r.Revision, i, v, seen[v])
		}
		seen[v] = true
		if i < 8 && (v != "value "+strings.TrimPrefix(r.User, "writer") || string(ch.Before.Value) != string(revs[i+1].Changes[0].After.Value)) {
			t.Fatalf("revision %d by %s holds %q after %q: not the value it wrote on top of the one before", r.Revision, r.User, v, ch.Before.Value)
		}
	}
}

// TestDeletedProjectComesBack: delete --all keeps the history, and
// undelete re-creates the project with its owners, continuing it; purge
// removes the history.
func TestDeletedProjectComesBack(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, cs, _ := newRacingClient(t)
	for _, k := range []string{"A", "B"} {
		if _, err := c.Create(ctx, "p", k, []byte("value of "+k), PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.SetOwners(ctx, "p", projsecret.Owners{projsecret.User("alice"), projsecret.User("carol")}); err != nil {
		t.Fatal(err)
	}
	if n, err := c.DeleteProject(ctx, "p", nil); err != nil || n != 2 {
		t.Fatalf("delete: %d, %v", n, err)
	}
	revs, err := c.History(ctx, "p", "")
	if err != nil || len(revs) != 3 || !revs[0].ProjectDeleted || len(revs[0].Changes) != 2 {
		t.Fatalf("history of the deleted project: %d revisions, %v", len(revs), err)
	}
	if _, err := c.Undelete(ctx, "p", "B"); err != nil {
		t.Fatal(err)
	}
	owners, err := c.Owners(ctx, "p")
	if v, _ := c.Read(ctx, "p", "B"); err != nil || owners.String() != "user:alice,user:carol" || string(v) != "value of B" {
		t.Fatalf("undeleted project: owners %s (%v), B restored %v", owners, err, string(v) == "value of B")
	}
	if revs, _ := c.History(ctx, "p", ""); len(revs) != 4 || revs[0].Revision != 4 {
		t.Fatalf("%d revisions after undelete, want the 3 and the re-creation", len(revs))
	}
	if _, err := c.PurgeProject(ctx, "p", nil); err != nil {
		t.Fatal(err)
	}
	if n := len(revisionSecrets(t, cs)); n != 0 {
		t.Fatalf("%d revisions after purge", n)
	}
	if _, err := c.History(ctx, "p", ""); !errors.Is(err, projsecret.ErrNotFound) {
		t.Fatalf("history after purge: %v, want ErrNotFound", err)
	}
}

// plant creates a revision as a writer around projsecret would, on top of
// the project's current head (or after the given parent).
func plant(t *testing.T, cs *fake.Clientset, parent projsecret.Head, user string, value string, deleted bool) {
	t.Helper()
	now := projsecret.Timestamp(time.Now())
	st := &projsecret.EntryState{Value: []byte(value), Meta: projsecret.EntryMeta{CreatedAt: now, UpdatedAt: now, CreatedBy: user, UpdatedBy: user}}
	r := &projsecret.Revision{Revision: parent.N + 1, Parent: parent.Sum, Time: now, User: user, Owners: "user:" + user + ",user:alice", ProjectDeleted: deleted,
		Changes: []projsecret.KeyChange{{Key: "K", Change: projsecret.ChangeUpdated, Before: st, After: st}}}
	record, sum, err := projsecret.EncodeRevision(r)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().Secrets("ns").Create(context.Background(), projsecret.HistorySecret("ns", "p", r, record, sum), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// TestPlantedRevisionIsNotTrusted: a revision written around projsecret,
// on top of the head, is not history until an owner's write names it:
// history does not show it and rollback refuses it. On a deleted project,
// a planted ending makes undelete refuse, naming who wrote what, rather
// than restore what an intruder chose.
func TestPlantedRevisionIsNotTrusted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, cs, v := newRacingClient(t)
	if _, err := c.Create(ctx, "p", "K", []byte("mine"), PutOptions{}); err != nil {
		t.Fatal(err)
	}
	s, _ := v.Get("ns", projsecret.SecretName("p"))
	head, _ := projsecret.ParseHead(s.Annotations[projsecret.AnnotationRevision])
	plant(t, cs, head, "mallory", "planted", false)
	if revs, err := c.History(ctx, "p", ""); err != nil || len(revs) != 1 {
		t.Fatalf("history: %d revisions, %v; want only the create", len(revs), err)
	}
	if _, err := c.Rollback(ctx, "p", 2, "K"); !errors.Is(err, projsecret.ErrUnknownRevision) {
		t.Fatalf("rollback to the planted revision: %v, want ErrUnknownRevision", err)
	}
	if _, err := c.DeleteProject(ctx, "p", nil); err != nil {
		t.Fatal(err)
	}
	s2, err := c.History(ctx, "p", "")
	if err != nil || len(s2) != 2 {
		t.Fatalf("deleted project's history: %d, %v", len(s2), err)
	}
	tail := projsecret.Head{N: s2[0].Revision, Sum: s2[0].Sum}
	plant(t, cs, tail, "mallory", "planted", true)
	plant(t, cs, projsecret.Head{}, "mallory", "planted", true)
	_, err = c.Undelete(ctx, "p", "K")
	if err == nil || !strings.Contains(err.Error(), `"mallory"`) || !strings.Contains(err.Error(), `"alice"`) {
		t.Fatalf("undelete with a planted ending: %v, want a refusal naming both authors", err)
	}
	if _, err := c.get(ctx, "p"); !errors.Is(err, projsecret.ErrNotFound) {
		t.Fatalf("the refused undelete re-created the project: %v", err)
	}
}

// TestHistoryRetention: a project keeps the newest revisions of each key
// as its limit says (pruned every pruneEvery revisions), and a value too
// large for a revision is recorded as a change, with a warning naming it.
func TestHistoryRetention(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var warnings []string
	_, cs, v := newRacingClient(t)
	c := NewClient(cs, "ns", WithUser(named("alice")), WithWarnings(func(m string) { warnings = append(warnings, m) }))
	if _, err := c.Create(ctx, "p", "K", []byte("0"), PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create(ctx, "p", "KEEP", []byte("kept"), PutOptions{}); err != nil {
		t.Fatal(err)
	}
	s, _ := v.Get("ns", projsecret.SecretName("p"))
	s.Annotations[projsecret.AnnotationHistoryLimit] = "3"
	if err := v.Write(s); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 2*pruneEvery-2; i++ {
		if _, err := c.Set(ctx, "p", "K", []byte(fmt.Sprint(i)), PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	revs, err := c.History(ctx, "p", "")
	if err != nil {
		t.Fatal(err)
	}
	var ns []int
	for _, r := range revs {
		ns = append(ns, r.Revision)
	}
	// Revision 2 created KEEP, its only revision: it stays. The chain
	// stops at the first pruned revision, so History lists from there.
	if !slices.Equal(ns, []int{20, 19, 18}) || len(revisionSecrets(t, cs)) != 4 {
		t.Fatalf("revisions %v (%d stored), want 20, 19, 18 listed and KEEP's revision 2 stored", ns, len(revisionSecrets(t, cs)))
	}
	if _, err := c.ReadRevision(ctx, "p", "KEEP", 18); err != nil {
		t.Fatalf("KEEP at 18: %v", err)
	}

	big := strings.Repeat("x", 600<<10)
	if _, err := c.Set(ctx, "p", "K", []byte(big), PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Set(ctx, "p", "K", []byte(big+"y"), PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], `key "K"`) || !strings.Contains(warnings[0], "cannot be restored") {
		t.Fatalf("warnings %q, want one naming K", warnings)
	}
	if _, err := c.ReadRevision(ctx, "p", "K", 22); !errors.Is(err, projsecret.ErrValueNotKept) {
		t.Fatalf("reading the value not kept: %v", err)
	}
}

// TestProjectsListingLeavesRevisionsOut: revisions carry the project
// label, but are not projects.
func TestProjectsListingLeavesRevisionsOut(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var warnings []string
	cs := fake.NewClientset()
	c := NewClient(cs, "ns", WithUser(named("alice")), WithWarnings(func(m string) { warnings = append(warnings, m) }))
	if _, err := c.Create(ctx, "p", "K", []byte("1"), PutOptions{}); err != nil {
		t.Fatal(err)
	}
	ps, err := c.Projects(ctx, false)
	if err != nil || len(ps) != 1 || len(warnings) != 0 {
		t.Fatalf("projects %+v, %v, warnings %q", ps, err, warnings)
	}
}

// TestAdoptionIsTheFirstRevision: adopting a Secret creates every entry,
// recorded as the project's first revision.
func TestAdoptionIsTheFirstRevision(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	plain := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: projsecret.SecretName("p"), Namespace: "ns"}, Type: corev1.SecretTypeOpaque,
		Data: map[string][]byte{"A": []byte("a"), "B": []byte("b")}}
	c, _, _ := newRacingClient(t, plain)
	if _, err := c.Adopt(ctx, "p", AdoptOptions{}); err != nil {
		t.Fatal(err)
	}
	revs, err := c.History(ctx, "p", "")
	if err != nil || len(revs) != 1 || len(revs[0].Changes) != 2 || revs[0].Changes[0].Change != projsecret.ChangeCreated {
		t.Fatalf("history after adopt: %d revisions, %v", len(revs), err)
	}
	if v, err := c.ReadRevision(ctx, "p", "B", 1); err != nil || string(v) != "b" {
		t.Fatalf("B at revision 1: %v", err)
	}
}

// TestExpiryChangesAreMetadata: setting or clearing an entry's expiry or
// rotation period alone is recorded as a metadata change, each once.
func TestExpiryChangesAreMetadata(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, _, _ := newRacingClient(t)
	if _, err := c.Create(ctx, "p", "K", []byte("v"), PutOptions{}); err != nil {
		t.Fatal(err)
	}
	at, every, none := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC), 720*time.Hour, time.Duration(0)
	for i, change := range []MetaChange{{ExpiresAt: &at}, {RotateEvery: &every}, {RotateEvery: &none}} {
		if err := c.UpdateMeta(ctx, "p", "K", change); err != nil {
			t.Fatalf("change %d: %v", i, err)
		}
	}
	revs, err := c.History(ctx, "p", "K")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := changesOf(t, revs, "K"), []string{"metadata", "metadata", "metadata", "created"}; !slices.Equal(got, want) {
		t.Fatalf("changes newest first %v, want %v", got, want)
	}
}
