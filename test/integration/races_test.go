//go:build integration

package integration

import (
	"fmt"
	"sync"
	"testing"

	"github.com/projsecret/projsecret"
)

// TestConcurrentFirstCreate starts many plugin processes at once on a
// project that does not exist yet: all of them find it absent and race to
// create its Secret. The losers get AlreadyExists and must read again and
// add their entry; none may be lost.
func TestConcurrentFirstCreate(t *testing.T) {
	const n = 16
	ns := namespace(t)
	var wg sync.WaitGroup
	results := make([]string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := runQuiet(ns, []byte(fmt.Sprintf("value-%02d", i)), "create", "fresh", fmt.Sprintf("key-%02d", i), "--stdin")
			results[i] = errString(res, err)
		}()
	}
	wg.Wait()
	for _, r := range results {
		if r != "" {
			t.Error(r)
		}
	}
	s := secret(t, ns, "fresh")
	entries, err := projsecret.ParseEntries(s.Annotations[projsecret.AnnotationEntries])
	if err != nil {
		t.Fatal(err)
	}
	lost := 0
	for i := range n {
		key := fmt.Sprintf("key-%02d", i)
		if string(s.Data[key]) != fmt.Sprintf("value-%02d", i) || entries[key].CreatedBy == "" {
			lost++
			t.Errorf("key %s was lost or has no metadata", key)
		}
	}
	if len(s.Data) != n || len(entries) != n {
		t.Errorf("want %d keys and entries, got %d and %d", n, len(s.Data), len(entries))
	}
	t.Logf("%d concurrent first creators, %d lost", n, lost)
}
