package projsecret

import (
	"bytes"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Operation is the kind of write being judged.
type Operation string

const (
	Create = Operation("CREATE")
	Update = Operation("UPDATE")
	Delete = Operation("DELETE")
)

// Write is one write to a Secret, as an admission webhook sees it.
type Write struct {
	Operation Operation
	User      string
	Groups    []string
	Old, New  *corev1.Secret // Old is nil on CREATE, New is nil on DELETE
}

// Policy is the cluster-side contract: ValidateSecret plus the rules that
// depend on who writes and on what was stored before.
type Policy struct {
	KeyRule     KeyRule
	AdminGroups []string
}

// DefaultPolicy uses DefaultKeyRule and trusts system:masters.
var DefaultPolicy = Policy{KeyRule: DefaultKeyRule, AdminGroups: []string{"system:masters"}}

// Applies reports whether w touches a project Secret, before or after.
func (p Policy) Applies(w Write) bool { return IsProjectSecret(w.Old) || IsProjectSecret(w.New) }

// Review judges w. It returns warnings for an allowed write near a limit, or
// the violations that deny it.
func (p Policy) Review(w Write) (warnings []string, err error) {
	if !p.Applies(w) {
		return nil, nil
	}
	if w.Operation == Delete {
		return nil, p.checkOwners(w, w.Old).err()
	}
	if w.New == nil {
		return nil, Violations{violation(RuleMetadata, "%s request carries no object", w.Operation)}
	}
	entries, err := ValidateSecret(w.New, p.KeyRule)
	var vs Violations
	if err != nil {
		vs = append(vs, err.(Violations)...)
	}
	var old *corev1.Secret
	if w.Operation == Update && IsProjectSecret(w.Old) {
		old = w.Old
		if w.New.Labels[LabelProject] != old.Labels[LabelProject] {
			vs = append(vs, violation(RuleOwnership, "label %s cannot be changed or removed (it was %q)", LabelProject, old.Labels[LabelProject]))
		}
	}
	vs = append(vs, p.checkOwners(w, old)...)
	if entries != nil {
		vs = append(vs, checkAuthorship(w, old, entries)...)
	}
	if len(vs) > 0 {
		return nil, vs
	}
	return SizeOf(w.New).Warnings(), nil
}

// checkOwners applies projsecret.io/owners: the stored list guards every
// change, and whoever sets a list must be on it, so nobody locks themselves
// or others out by accident.
func (p Policy) checkOwners(w Write, stored *corev1.Secret) Violations {
	if p.isAdmin(w.Groups) {
		return nil
	}
	if stored != nil {
		owners, err := ParseOwners(stored.Annotations[AnnotationOwners])
		switch {
		case err != nil:
			// Nobody can tell who the owners are, so only an admin may act
			// until the list is repaired: failing open would unguard it.
			return Violations{violation(RuleOwnership, "the stored %s annotation of project %q is unreadable (%v): only members of %s may change or delete it until an admin fixes the list", AnnotationOwners, stored.Labels[LabelProject], err, p.adminGroupsText())}
		case len(owners) > 0 && !owners.Includes(w.User, w.Groups):
			return Violations{violation(RuleOwnership, "user %q is not an owner of project %q (owners: %s; admins: %s)", w.User, stored.Labels[LabelProject], owners, p.adminGroupsText())}
		}
	}
	if w.New != nil {
		list := w.New.Annotations[AnnotationOwners]
		if stored == nil || stored.Annotations[AnnotationOwners] != list {
			// An empty list, like an absent one, means no owners (SetOwners
			// removes the annotation for it).
			owners, err := ParseOwners(list)
			if err == nil && len(owners) > 0 && !owners.Includes(w.User, w.Groups) {
				return Violations{violation(RuleOwnership, "user %q sets owners %s without being one of them: include yourself, or ask a member of %s", w.User, owners, p.adminGroupsText())}
			}
		}
	}
	return nil
}

func (p Policy) adminGroupsText() string {
	if len(p.AdminGroups) == 0 {
		return "no admin group"
	}
	return "group " + strings.Join(p.AdminGroups, ", group ")
}

func (p Policy) isAdmin(groups []string) bool {
	for _, g := range p.AdminGroups {
		if slices.Contains(groups, g) {
			return true
		}
	}
	return false
}

// checkAuthorship keeps the audit trail honest: creation facts never change,
// and every entry this write touches names the requesting user as its author.
// entries passed ValidateEntryMeta already.
func checkAuthorship(w Write, old *corev1.Secret, entries Entries) Violations {
	var oldEntries Entries
	if old != nil {
		oldEntries = storedEntries(old, entries)
	}
	// Keys are visited in map order and only violations sorted, so that an
	// allowed write sorts nothing.
	type keyed struct {
		key string
		v   *Violation
	}
	var bad []keyed
	for key, m := range entries {
		if v := authorshipViolation(w, old, oldEntries, key, m); v != nil {
			bad = append(bad, keyed{key, v})
		}
	}
	slices.SortFunc(bad, func(a, b keyed) int { return strings.Compare(a.key, b.key) })
	var vs Violations
	for _, b := range bad {
		vs = append(vs, b.v)
	}
	return vs
}

// storedEntries decodes the stored entries for comparison. A stored
// annotation that no longer parses, or holds an invalid entry, cannot vouch
// for anything: every entry is then judged as new (nil). Stored entries
// equal to new ones, which passed validation, are not validated again.
func storedEntries(old *corev1.Secret, entries Entries) Entries {
	oldEntries, err := decodeEntries(old.Annotations[AnnotationEntries])
	if err != nil || oldEntries.validate(entries) != nil {
		return nil
	}
	return oldEntries
}

func authorshipViolation(w Write, old *corev1.Secret, oldEntries Entries, key string, m EntryMeta) *Violation {
	prev, existed := oldEntries[key]
	switch {
	case !existed:
		if m.CreatedBy != w.User || m.UpdatedBy != w.User {
			return violation(RuleMetadata, "entry %q is new: createdBy and updatedBy must be the requesting user %q", key, w.User)
		}
	case !prev.CreatedAt.Equal(m.CreatedAt) || prev.CreatedBy != m.CreatedBy:
		return violation(RuleMetadata, "entry %q: createdAt and createdBy cannot change", key)
	case changed(prev, m, old, w.New, key) && m.UpdatedBy != w.User:
		return violation(RuleMetadata, "entry %q changed: updatedBy must be the requesting user %q, not %q", key, w.User, m.UpdatedBy)
	}
	return nil
}

func changed(prev, cur EntryMeta, old, new *corev1.Secret, key string) bool {
	newValue, ok := new.Data[key]
	if s, inString := new.StringData[key]; inString {
		newValue, ok = []byte(s), true
	}
	return !ok || !bytes.Equal(old.Data[key], newValue) ||
		prev.Description != cur.Description ||
		!maps.Equal(prev.Labels, cur.Labels) ||
		!prev.UpdatedAt.Equal(cur.UpdatedAt) ||
		prev.UpdatedBy != cur.UpdatedBy
}
