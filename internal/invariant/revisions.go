// The contract of history objects (docs/history.md).

package invariant

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/projsecret/projsecret"
)

// isRevision: a Secret that is, or claims to be, a revision of a project's
// history (docs/history.md): by its type, its revision label or its name.
func isRevision(s *corev1.Secret) bool {
	if s == nil {
		return false
	}
	_, labeled := s.Labels[projsecret.LabelRevision]
	return labeled || s.Type == projsecret.SecretTypeHistory || strings.HasPrefix(s.Name, "proj-history.")
}

// checkRevision states the contract of history objects: a stored revision
// never changes, only its recorded owners (or admins, or cleanup) erase
// it, and a new one is immutable, named for its record's SHA-256, records
// its requester as its user and is written by one of the owners it records.
func checkRevision(v Verdict, trust Trust) error {
	cleanup := slices.Contains(trust.CleanupUsers, v.User)
	admin := slices.Contains(trust.AdminUsers, v.User) ||
		slices.ContainsFunc(trust.AdminGroups, func(g string) bool { return slices.Contains(v.Groups, g) })
	switch v.Op {
	case projsecret.OpDelete:
		owners := ownerList(v.Old)
		if !admin && !cleanup && len(owners) > 0 && !includes(owners, v.User, v.Groups) {
			return fmt.Errorf("allowed %q, neither a recorded owner (%v) nor an admin, to delete a revision", v.User, owners)
		}
		return nil
	case projsecret.OpUpdate:
		if !cleanup && !admin {
			return fmt.Errorf("allowed %q to change a stored revision", v.User)
		}
		if !isRevision(v.Old) {
			return fmt.Errorf("allowed a project Secret to become a revision")
		}
		return nil
	}
	if cleanup {
		return fmt.Errorf("allowed cleanup identity %q to create a revision", v.User)
	}
	s := v.New
	if s == nil {
		return fmt.Errorf("allowed %s without an object", v.Op)
	}
	if len(s.Finalizers) > 0 {
		return fmt.Errorf("allowed a revision with finalizers, which nobody could remove")
	}
	if s.Immutable == nil || !*s.Immutable || s.Type != projsecret.SecretTypeHistory || len(s.Data) != 1 || len(s.StringData) != 0 {
		return fmt.Errorf("allowed a revision that is mutable, of type %q, or holds other data", s.Type)
	}
	record := s.Data["revision"]
	var r struct {
		Revision int    `json:"revision"`
		User     string `json:"user"`
		Owners   string `json:"owners"`
	}
	if err := json.Unmarshal(record, &r); err != nil {
		return fmt.Errorf("allowed a revision whose record is not JSON")
	}
	sum := sha256.Sum256(record)
	project := s.Labels[projsecret.LabelProject]
	if want := fmt.Sprintf("proj-history.%s.r%d.%s", project, r.Revision, hex.EncodeToString(sum[:])[:16]); s.Name != want || !projectPattern.MatchString(project) {
		return fmt.Errorf("allowed revision %q, whose name is not %q", s.Name, want)
	}
	if r.User != v.User {
		return fmt.Errorf("allowed a revision by %q that records user %q", v.User, r.User)
	}
	var owners []string
	for _, item := range strings.Split(r.Owners, ",") {
		if item = strings.TrimSpace(item); item != "" {
			owners = append(owners, item)
		}
	}
	if !admin && len(owners) > 0 && !includes(owners, v.User, v.Groups) {
		return fmt.Errorf("allowed %q to write a revision owned by %v", v.User, owners)
	}
	return nil
}
