package projsecret

import (
	"slices"
	"strconv"

	corev1 "k8s.io/api/core/v1"
)

// reviewHistory judges a write to a revision's Secret. The webhook sees
// only the revision, not its project, so it guards what the revision
// says, and the client does the rest: it trusts a revision only if the
// project's owner-guarded head reaches it by SHA-256 (see history.go), so
// a revision anyone creates is harmless until an owner's write names it.
//
//   - CREATE: the Secret is a well-formed revision named for its record,
//     the record's user is the requester, and the requester is among the
//     owners it records (unless an admin; an ownerless project is open to
//     anyone, as its Secret is).
//   - UPDATE: refused: a stored revision never changes (its data cannot:
//     it is immutable). Only the cleanup identities (the garbage collector
//     edits ownerReferences) and admins may change its metadata.
//   - DELETE: the owners the revision records, admins and the cleanup
//     identities, so a non-owner cannot erase history.
func (p Policy) reviewHistory(w Write) Violations {
	switch w.Operation {
	case OpDelete:
		if slices.Contains(p.CleanupUsers, w.User) || p.isAdmin(w.User, w.Groups) {
			return nil
		}
		owners, err := ParseOwners(w.Old.Annotations[AnnotationOwners])
		if err == nil && (len(owners) == 0 || owners.Includes(w.User, w.Groups)) {
			return nil
		}
		return Violations{violation(RuleHistory, "user %s may not delete %s: only the project's owners as the revision records them (%s), admins (%s) and cleanup identities may erase history",
			Quote(w.User), historyWhat(w.Old), owners.Text(), p.adminsText())}
	case OpUpdate:
		trusted := slices.Contains(p.CleanupUsers, w.User) || p.isAdmin(w.User, w.Groups)
		if trusted && IsHistorySecret(w.Old) && IsHistorySecret(w.New) {
			return nil
		}
		if !IsHistorySecret(w.Old) {
			return Violations{violation(RuleHistory, "a project secret cannot become a revision: the label %s, the type %s and the name prefix %s belong to revisions", LabelRevision, SecretTypeHistory, HistoryNamePrefix)}
		}
		return Violations{violation(RuleHistory, "%s cannot be changed: a stored revision never changes (delete it, if you own the project)", historyWhat(w.Old))}
	}
	if w.New == nil {
		return Violations{violation(RuleMetadata, "%s request carries no object", w.Operation)}
	}
	if slices.Contains(p.CleanupUsers, w.User) {
		return Violations{violation(RuleOwnership, "user %s is a cleanup identity: it may delete revisions, not create them", Quote(w.User))}
	}
	r, err := ParseHistorySecret(w.New)
	if err != nil {
		return Violations{asViolation(RuleHistory, err)}
	}
	var vs Violations
	// Nobody but an admin could remove a finalizer from a revision (they
	// never change), so one would keep it, and its namespace, for ever.
	if len(w.New.Finalizers) > 0 {
		vs = append(vs, violation(RuleHistory, "revision %d carries finalizers: a revision must stay deletable", r.Revision))
	}
	if r.User != w.User {
		vs = append(vs, violation(RuleHistory, "revision %d records user %s: a revision must record the requesting user %s", r.Revision, Quote(r.User), Quote(w.User)))
	}
	owners, _ := ParseOwners(r.Owners) // ParseHistorySecret checked it
	if len(owners) > 0 && !owners.Includes(w.User, w.Groups) && !p.isAdmin(w.User, w.Groups) {
		// Worded as the project's own denial: the owners are the ones the
		// revision records, the project's as its writer read them.
		vs = append(vs, violation(RuleOwnership, "user %s is not an owner of project %s (owners: %s; admins: %s)",
			Quote(w.User), Quote(w.New.Labels[LabelProject]), owners.Text(), p.adminsText()))
	}
	if v := p.clock().check("(revision "+strconv.Itoa(r.Revision)+")", "time", r.Time); v != nil {
		vs = append(vs, v)
	}
	return vs
}

// historyWhat names a revision's Secret in a denial.
func historyWhat(s *corev1.Secret) string {
	return "revision " + Clip(s.Labels[LabelRevision]) + " of project " + Quote(s.Labels[LabelProject])
}
