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
	"k8s.io/client-go/kubernetes/fake"

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

// Each list is checked on thirty keys, of which the message names the
// first ten: with fewer, an unsorted list passes often enough by luck of
// map order that clausemut saw the missing sorts live in one run and die
// in the next.
func TestValidateSecretListsKeysInOrder(t *testing.T) {
	t.Parallel()
	first10 := func(format string) []string {
		var out []string
		for i := range 10 {
			out = append(out, fmt.Sprintf(format, i))
		}
		return out
	}
	for _, tc := range []struct {
		name string
		edit func(s *corev1.Secret, i int)
		want string
	}{
		{"invalid data keys", func(s *corev1.Secret, i int) { s.Data[fmt.Sprintf("d%02d!", i)] = []byte("x") },
			"invalid key(s) " + strings.Join(first10(`"d%02d!"`), ", ") + " and 20 more: expected"},
		{"invalid stringData keys", func(s *corev1.Secret, i int) { s.StringData[fmt.Sprintf("s%02d!", i)] = "x" },
			"invalid key(s) " + strings.Join(first10(`"s%02d!"`), ", ") + " and 20 more: expected"},
		{"keys without an entry", func(s *corev1.Secret, i int) { s.Data[fmt.Sprintf("k%02d", i)] = []byte("x") },
			"key(s) " + strings.Join(first10("k%02d"), ", ") + " and 20 more have no entry"},
		{"entries without a value", func(s *corev1.Secret, i int) {
			e := fixtures.EntriesOf(s)
			e[fmt.Sprintf("e%02d", i)] = byAlice
			fixtures.SetEntries(s, e)
		}, "has entries " + strings.Join(first10("e%02d"), ", ") + " and 20 more with no data key"},
	} {
		s := fixtures.Edit(projectSecret(map[string]string{"api-token": "v1"}), func(s *corev1.Secret) {
			s.StringData = map[string]string{}
			for i := range 30 {
				tc.edit(s, i)
			}
		})
		_, err := ValidateSecret(s, DefaultKeyRule)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: message does not contain %q:\n%v", tc.name, tc.want, err)
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

// TestClientListIsSortedByKey: List's promise, on thirty entries so that
// map order cannot hand back a sorted list by chance.
func TestClientListIsSortedByKey(t *testing.T) {
	t.Parallel()
	values := map[string]string{}
	for i := range 30 {
		values[fmt.Sprintf("K%02d", i)] = "v"
	}
	c := NewClient(fake.NewClientset(fixtures.Secret("ns", "p", values, byAlice)), "ns", as("alice"))
	list, err := c.List(t.Context(), "p")
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, e := range list {
		keys = append(keys, e.Key)
	}
	if len(keys) != 30 || !slices.IsSorted(keys) {
		t.Errorf("List returned keys %q, want all 30 sorted", keys)
	}
}
