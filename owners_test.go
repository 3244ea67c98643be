package projsecret_test

import (
	"strings"
	"testing"

	. "github.com/projsecret/projsecret"
)

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
