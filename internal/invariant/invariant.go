// Package invariant states what every verdict of the policy must respect,
// written independently of projsecret.Policy.Review so that fuzzing can
// catch a wrong verdict and not only a crash: a policy that allowed
// everything, or dropped one rule, breaks these properties on the seed
// corpora. The checks are deliberately plain re-statements of the README's
// contract, not calls into the code under test (bar the constants).
package invariant

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/projsecret/projsecret"
)

var (
	keyPattern     = regexp.MustCompile(`^[A-Za-z0-9_-]{1,253}$`)
	projectPattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,48}[a-z0-9])?$`)
)

// Verdict is one answer of the policy to one write.
type Verdict struct {
	Op       projsecret.Operation
	User     string
	Groups   []string
	Old, New *corev1.Secret
	Allowed  bool
	Message  string // the denial, when not allowed
}

// Trust names who the policy trusts beyond a project's owners.
type Trust struct {
	AdminGroups, AdminUsers []string // may act on any project
	CleanupUsers            []string // may delete any project Secret, or release one, and do nothing else
}

// TrustOf reads the trusted identities off a policy.
func TrustOf(p projsecret.Policy) Trust {
	return Trust{AdminGroups: p.AdminGroups, AdminUsers: p.AdminUsers, CleanupUsers: p.CleanupUsers}
}

// Check returns the first property v breaks, or nil. values are the secret
// values the write carried (in either object), none of which may appear in
// a denial.
func Check(v Verdict, trust Trust, values [][]byte) error {
	if !v.Allowed {
		for _, value := range values {
			if len(value) >= 6 && strings.Contains(v.Message, string(value)) {
				return fmt.Errorf("a denial quotes a secret value")
			}
		}
		return nil
	}
	oldProject := isProject(v.Old)
	if !oldProject && !isProject(v.New) {
		return nil // not a project Secret: not the policy's business
	}
	if isRevision(v.Old) || isRevision(v.New) {
		return checkRevision(v, trust)
	}
	cleanup := slices.Contains(trust.CleanupUsers, v.User)
	switch {
	case cleanup && v.Op == projsecret.OpDelete:
		return nil
	case cleanup && v.Op == projsecret.OpUpdate:
		if err := releaseOnly(v.Old, v.New); err != nil {
			return fmt.Errorf("allowed an UPDATE by cleanup identity %q that does more than remove finalizers or owner references: %w", v.User, err)
		}
		return nil
	case cleanup:
		return fmt.Errorf("allowed %s by cleanup identity %q, which may only delete or release", v.Op, v.User)
	}
	admin := slices.Contains(trust.AdminUsers, v.User) ||
		slices.ContainsFunc(trust.AdminGroups, func(g string) bool { return slices.Contains(v.Groups, g) })
	if oldProject && !admin {
		owners := ownerList(v.Old)
		if len(owners) > 0 && !includes(owners, v.User, v.Groups) {
			return fmt.Errorf("allowed %s by %q, who is neither an owner (%v) nor an admin", v.Op, v.User, owners)
		}
		if len(owners) == 0 && v.Op == projsecret.OpDelete {
			return fmt.Errorf("allowed %q, not an admin, to delete ownerless project %q, which whoever created it again would own", v.User, v.Old.Labels[projsecret.LabelProject])
		}
	}
	if v.Op == projsecret.OpDelete {
		return nil
	}
	if v.New == nil {
		return fmt.Errorf("allowed %s without an object", v.Op)
	}
	if err := storedContract(v.New); err != nil {
		return fmt.Errorf("allowed a Secret that breaks the storage contract: %w", err)
	}
	if v.New.Immutable != nil && *v.New.Immutable {
		return fmt.Errorf("allowed an immutable project Secret")
	}
	if !admin {
		newOwners := ownerList(v.New)
		if len(newOwners) > 0 && !slices.Equal(newOwners, ownerList(v.Old)) && !includes(newOwners, v.User, v.Groups) {
			return fmt.Errorf("allowed %q to set owners %v without being one", v.User, newOwners)
		}
		if v.Op == projsecret.OpUpdate && oldProject && len(ownerList(v.Old)) == 0 && len(newOwners) > 0 {
			return fmt.Errorf("allowed %q, not an admin, to claim ownerless project with owners %v", v.User, newOwners)
		}
	}
	if v.Old == nil || v.Old.Annotations[projsecret.AnnotationOwners] != v.New.Annotations[projsecret.AnnotationOwners] {
		for _, o := range ownerList(v.New) {
			if _, name, _ := strings.Cut(o, ":"); !showsAsItself(name) {
				return fmt.Errorf("allowed owner %q, whose name does not show as what it is", o)
			}
		}
	}
	newEntries := entriesOf(v.New)
	var oldEntries map[string]entry
	if v.Op == projsecret.OpUpdate && oldProject {
		if v.New.Labels[projsecret.LabelProject] != v.Old.Labels[projsecret.LabelProject] {
			return fmt.Errorf("allowed an UPDATE that changes the project label")
		}
		oldEntries = entriesOf(v.Old)
	}
	for key, e := range newEntries {
		prev, existed := oldEntries[key]
		switch {
		case !existed && (e.CreatedBy != v.User || e.UpdatedBy != v.User):
			return fmt.Errorf("allowed new entry %q with createdBy %q, updatedBy %q by user %q", key, e.CreatedBy, e.UpdatedBy, v.User)
		case existed && (!sameInstant(prev.CreatedAt, e.CreatedAt) || prev.CreatedBy != e.CreatedBy):
			return fmt.Errorf("allowed entry %q's createdAt/createdBy to change", key)
		case existed && differs(prev, e, value(v.Old, key), value(v.New, key)) && e.UpdatedBy != v.User:
			return fmt.Errorf("allowed a change to entry %q that names %q, not the requester %q, as updatedBy", key, e.UpdatedBy, v.User)
		}
	}
	return nil
}
