package store

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/internal/fixtures/apiserver"
)

// newRacingClient is newTestClient over a fake that guards resourceVersion
// as the API server does.
func newRacingClient(t *testing.T, objs ...runtime.Object) (*Client, *fake.Clientset, *apiserver.Versions) {
	t.Helper()
	c, cs := newTestClient(objs...)
	v, err := apiserver.EnforceVersions(cs)
	if err != nil {
		t.Fatal(err)
	}
	return c, cs, v
}

// TestWriteRereadsAfterLosingARace slips another writer's entry in between
// the client's read and its update: the update must be refused as stale,
// and the client must read again and keep the other writer's entry.
func TestWriteRereadsAfterLosingARace(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, cs, v := newRacingClient(t)
	if _, err := c.Create(ctx, "p", "MINE", []byte("1"), PutOptions{}); err != nil {
		t.Fatal(err)
	}
	once := sync.Once{}
	cs.PrependReactor("update", "secrets", func(k8stesting.Action) (bool, runtime.Object, error) {
		once.Do(func() {
			s, err := v.Get("ns", projsecret.SecretName("p"))
			if err != nil {
				t.Error(err)
				return
			}
			other := &Batch{project: "p", secret: s, entries: mustEntries(t, s.Annotations[projsecret.AnnotationEntries]), user: "bob", stamp: func() time.Time { return projsecret.Timestamp(time.Now()) }}
			if err := putValue(other, "THEIRS", []byte("2"), MetaChange{}); err != nil {
				t.Error(err)
			}
			encoded, _ := other.entries.Encode()
			s.Annotations[projsecret.AnnotationEntries] = encoded
			if err := v.Write(s); err != nil {
				t.Error(err)
			}
		})
		return false, nil, nil
	})
	cs.ClearActions()
	if _, err := c.Set(ctx, "p", "MINE", []byte("3"), PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := v.Refused(); got != 1 {
		t.Fatalf("%d stale writes refused, want exactly the 1 the competing writer caused", got)
	}
	if gets := countGets(cs.Actions(), projsecret.SecretName("p")); gets != 2 {
		t.Fatalf("%d GETs, want 2: the client must read again after the conflict", gets)
	}
	s, entries := stored(t, cs, "p")
	if string(s.Data["MINE"]) != "3" || string(s.Data["THEIRS"]) != "2" || entries["THEIRS"].CreatedBy != "bob" {
		t.Fatalf("after the race: keys %v, THEIRS by %q; want both writes kept", slices.Sorted(maps.Keys(s.Data)), entries["THEIRS"].CreatedBy)
	}
}

// TestFirstCreateRace: another writer creates the project Secret after this
// client found it absent; the CREATE fails with AlreadyExists, and the client
// must read again and add its entry to the other writer's Secret.
func TestFirstCreateRace(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, cs, v := newRacingClient(t)
	once := sync.Once{}
	cs.PrependReactor("create", "secrets", func(k8stesting.Action) (bool, runtime.Object, error) {
		once.Do(func() {
			theirs := newSecret("p", "ns")
			b := &Batch{project: "p", secret: theirs, entries: projsecret.Entries{}, user: "bob", isNew: true, stamp: func() time.Time { return projsecret.Timestamp(time.Now()) }}
			if err := putValue(b, "THEIRS", []byte("2"), MetaChange{}); err != nil {
				t.Error(err)
			}
			encoded, _ := b.entries.Encode()
			theirs.Annotations = map[string]string{projsecret.AnnotationEntries: encoded}
			if err := v.Write(theirs); err != nil {
				t.Error(err)
			}
		})
		return false, nil, nil
	})
	if _, err := c.Create(ctx, "p", "MINE", []byte("1"), PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := v.Refused(); got != 1 {
		t.Fatalf("%d stale writes refused, want the 1 AlreadyExists", got)
	}
	s, _ := stored(t, cs, "p")
	if len(s.Data) != 2 || s.Data["MINE"] == nil || s.Data["THEIRS"] == nil {
		t.Fatalf("after the create race: keys %v, want MINE and THEIRS", slices.Sorted(maps.Keys(s.Data)))
	}
}

// TestConcurrentWritersLoseNothing: many writers create the first entries
// of a brand-new project at once, through a fake that refuses stale writes.
func TestConcurrentWritersLoseNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, cs, v := newRacingClient(t)
	const writers = 24
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := fmt.Sprintf("K%02d", i)
			if i%2 == 0 {
				errs <- errOf(c.Create(ctx, "p", key, []byte(key), PutOptions{}))
			} else {
				errs <- errOf(c.Set(ctx, "p", key, []byte(key), PutOptions{CreateMissing: true}))
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	s, entries := stored(t, cs, "p")
	if len(s.Data) != writers || len(entries) != writers {
		t.Fatalf("%d values and %d entries after %d writers, want %d of each (%d stale writes refused)", len(s.Data), len(entries), writers, writers, v.Refused())
	}
	for key, value := range s.Data {
		if string(value) != key {
			t.Fatalf("key %s holds another writer's value", key)
		}
	}
}

func mustEntries(t *testing.T, annotation string) projsecret.Entries {
	t.Helper()
	e, err := projsecret.ParseEntries(annotation)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// countGets counts the GETs of one Secret.
func countGets(actions []k8stesting.Action, name string) int {
	n := 0
	for _, a := range actions {
		if g, ok := a.(k8stesting.GetAction); ok && g.GetName() == name {
			n++
		}
	}
	return n
}
