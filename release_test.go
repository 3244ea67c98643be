package projsecret_test

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	. "github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/internal/fixtures"
)

// TestCleanupReleaseEdges covers what TestPolicyReview's release rows left
// to chance (issue 23, survivors of the clause mutator in release.go): an
// UPDATE without its new object, and owner references whose
// blockOwnerDeletion is unset, or that are unblocked and changed at once.
func TestCleanupReleaseEdges(t *testing.T) {
	t.Parallel()
	const gc = "system:serviceaccount:kube-system:generic-garbage-collector"
	owned := fixtures.Edit(projectSecret(map[string]string{"api-token": "v1"}), fixtures.WithOwners("user:alice"))
	unset := ownerRef("a", false)
	unset.BlockOwnerDeletion = nil
	tests := []struct {
		name     string
		old, new *corev1.Secret
		want     string // a fragment of the denial; empty means allowed
	}{
		{name: "update without the new object", old: fixtures.Edit(owned, withFinalizers("foregroundDeletion"), deleting),
			want: "(the request does not carry both the stored and the new object)"},
		{name: "unblocked and pointed at another owner at once",
			old:  fixtures.Edit(owned, withOwnerRefs(ownerRef("a", true), ownerRef("b", false))),
			new:  fixtures.Edit(owned, withOwnerRefs(ownerRef("c", false), ownerRef("b", false))),
			want: "(it adds, reorders or changes owner references)"},
		{name: "unset blockOwnerDeletion set to false", old: fixtures.Edit(owned, withOwnerRefs(unset)), new: fixtures.Edit(owned, withOwnerRefs(ownerRef("a", false))),
			want: "(it adds, reorders or changes owner references)"},
		{name: "unset blockOwnerDeletion on a reference pointed elsewhere", old: fixtures.Edit(owned, withOwnerRefs(unset)), new: fixtures.Edit(owned, withOwnerRefs(ownerRef("c", false))),
			want: "(it adds, reorders or changes owner references)"},
		{name: "reference with unset blockOwnerDeletion removed", old: fixtures.Edit(owned, withOwnerRefs(unset, ownerRef("b", false))), new: fixtures.Edit(owned, withOwnerRefs(ownerRef("b", false)))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DefaultPolicy().Review(Write{Operation: OpUpdate, User: gc, Old: tc.old, New: tc.new})
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("denied: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("got %v, want a denial containing %q", err, tc.want)
			}
		})
	}
}
