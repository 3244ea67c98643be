package projsecret_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	. "github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/internal/fixtures"
)

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

func TestEntriesKeysAreSorted(t *testing.T) {
	t.Parallel()
	e := Entries{"b": byAlice, "A": byAlice, "a": byAlice}
	if got := e.Keys(); !slices.Equal(got, []string{"A", "a", "b"}) {
		t.Errorf("Keys() = %q, want [A a b]", got)
	}
}

func TestParseEntriesNamesTheBadUpdatedAt(t *testing.T) {
	t.Parallel()
	_, err := ParseEntries(`{"k":{"createdAt":"2025-01-02T03:04:05Z","updatedAt":"yesterday","createdBy":"a","updatedBy":"a"}}`)
	if err == nil || !strings.Contains(err.Error(), `updatedAt "yesterday" is not a timestamp`) {
		t.Errorf("got %v, want the bad updatedAt named", err)
	}
}

func TestValidateEntryMetaNeedsBothTimestamps(t *testing.T) {
	t.Parallel()
	noCreated, noUpdated := byAlice, byAlice
	noCreated.CreatedAt = time.Time{}
	noUpdated.UpdatedAt = time.Time{}
	for name, m := range map[string]EntryMeta{"createdAt": noCreated, "updatedAt": noUpdated} {
		err := ValidateEntryMeta("k", m)
		if err == nil || !strings.Contains(err.Error(), `entry "k": createdAt and updatedAt must be set`) {
			t.Errorf("%s missing: got %v, want it reported as missing", name, err)
		}
	}
}

// Of several invalid labels the smallest is named, whatever the map's
// order: the message is the same on every run (the fuzzer found it varied).
func TestValidateEntryMetaNamesTheSmallestInvalidLabel(t *testing.T) {
	m := EntryMeta{Labels: map[string]string{"teamT03:04": "data", "app.kuberneVes.io/name": "x", "b": "ok", "zz:": "y"}}
	for range 20 {
		err := ValidateEntryMeta("k", m)
		if err == nil || !strings.Contains(err.Error(), "app.kuberneVes.io/name") {
			t.Fatalf("ValidateEntryMeta = %v, want it to name app.kuberneVes.io/name", err)
		}
	}
}
