package projsecret_test

// Tests written for mutants that survived hack/clausemut (make mutation):
// each pins a behaviour that removing one clause or statement of the
// contract broke without any other unit test of the package noticing. The
// ones judged equivalent are in testdata/mutation/equivalent.md.

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	. "github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/internal/fixtures"
)

func TestValidateProjectNameSaysEmpty(t *testing.T) {
	t.Parallel()
	err := ValidateProjectName("")
	if err == nil || !strings.Contains(err.Error(), "project name is empty: expected a DNS-1123 label") {
		t.Errorf("ValidateProjectName(\"\") = %v, want it to say the name is empty", err)
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

// A user owner is not matched by a group of the same name, nor the reverse.
func TestOwnersIncludesKeepsKindsApart(t *testing.T) {
	t.Parallel()
	if (Owners{User("team")}).Includes("bob", []string{"team"}) {
		t.Error("owner user:team included a member of group team")
	}
	if (Owners{{Kind: "group", Name: "bob"}}).Includes("bob", nil) {
		t.Error("owner group:bob included user bob")
	}
}

// With a few keys an unsorted list would pass by luck of map order, so
// each list has eight.
func TestValidateSecretListsKeysInOrder(t *testing.T) {
	t.Parallel()
	s := fixtures.Edit(projectSecret(map[string]string{"api-token": "v1"}), func(s *corev1.Secret) {
		s.StringData = map[string]string{}
		e := fixtures.EntriesOf(s)
		for i := range 8 {
			s.Data[fmt.Sprintf("d%d!", i)] = []byte("x")
			s.StringData[fmt.Sprintf("s%d!", i)] = "x"
			e[fmt.Sprintf("e%d", i)] = byAlice
		}
		fixtures.SetEntries(s, e)
	})
	_, err := ValidateSecret(s, DefaultKeyRule)
	var data, stringData, noEntry, noData []string
	for i := range 8 {
		data = append(data, fmt.Sprintf(`"d%d!"`, i))
		stringData = append(stringData, fmt.Sprintf(`"s%d!"`, i))
		noEntry = append(noEntry, fmt.Sprintf("d%d!", i))
		noData = append(noData, fmt.Sprintf("e%d", i))
	}
	for i := range 2 {
		noEntry = append(noEntry, fmt.Sprintf("s%d!", i))
	}
	for _, want := range []string{
		// data keys, then stringData keys, each sorted
		"invalid key(s) " + strings.Join(data, ", ") + ", " + strings.Join(stringData[:2], ", ") + " and 6 more: expected",
		"key(s) " + strings.Join(noEntry, ", ") + " and 6 more have no entry",
		"has entries " + strings.Join(noData, ", ") + " with no data key",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("message does not contain %q:\n%v", want, err)
		}
	}
}

// TestAuthorshipDenialsSortedByKey: the denial lists entries in key order
// whatever the map order; with two entries an unsorted list passes half
// the time, so this uses many.
func TestAuthorshipDenialsSortedByKey(t *testing.T) {
	t.Parallel()
	values := map[string]string{}
	for i := range 20 {
		values[fmt.Sprintf("K%02d", i)] = "v"
	}
	s := projectSecret(values)
	p := DefaultPolicy()
	p.Now = func() time.Time { return t0 }
	_, err := p.Review(Write{Operation: OpCreate, User: "bob", New: s})
	if err == nil {
		t.Fatal("allowed entries created by alice to be written by bob")
	}
	var keys []string
	for _, line := range strings.Split(err.Error(), "\n") {
		if key, ok := strings.CutPrefix(line, `entry "`); ok {
			keys = append(keys, key[:3])
		}
	}
	if len(keys) != 20 || !slices.IsSorted(keys) {
		t.Errorf("denial lists entries %q, want all 20 in key order", keys)
	}
}
