package projsecret

import (
	"bytes"
	"maps"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// Operation is the kind of write being judged.
type Operation string

const (
	OpCreate = Operation("CREATE")
	OpUpdate = Operation("UPDATE")
	OpDelete = Operation("DELETE")
)

// Write is one write to a Secret, as an admission webhook sees it.
type Write struct {
	Operation Operation
	User      string
	Groups    []string
	Old, New  *corev1.Secret // Old is nil on CREATE, New is nil on DELETE
}

// Policy is the cluster-side contract: ValidateSecret plus the rules that
// depend on who writes, on what was stored before, and on the time.
type Policy struct {
	KeyRule KeyRule
	// AdminGroups and AdminUsers name the admins: they may change or delete
	// any project Secret whatever its owners, and give an ownerless project
	// its first owners. Nobody else is an admin here, not even a holder of
	// RBAC's cluster-admin role, unless named.
	AdminGroups []string
	AdminUsers  []string
	// CleanupUsers may delete any project Secret, and release one: an
	// UPDATE that only removes finalizers or owner references. They may
	// not create one or change it otherwise. They are the namespace
	// controller and the garbage collector, so that deleting a namespace
	// never hangs on an owned project Secret, nor a foreground or orphan
	// delete on the finalizer the garbage collector removes at its end.
	CleanupUsers []string
	// ClockSkew is how far createdAt and updatedAt of an entry that a write
	// creates or changes may stray from Now; zero means DefaultClockSkew.
	ClockSkew time.Duration
	// Now is the clock timestamps are judged against; nil means time.Now.
	Now func() time.Time
}

// DefaultCleanupUsers are the identities that delete a namespace's
// objects: the namespace controller (as a service account, or as the
// controller manager when it runs without per-controller credentials) and
// the garbage collector.
func DefaultCleanupUsers() []string {
	return []string{
		"system:serviceaccount:kube-system:namespace-controller",
		"system:kube-controller-manager",
		"system:serviceaccount:kube-system:generic-garbage-collector",
	}
}

// DefaultPolicy uses DefaultKeyRule, trusts system:masters, lets the
// DefaultCleanupUsers delete and allows DefaultClockSkew.
func DefaultPolicy() Policy {
	return Policy{KeyRule: DefaultKeyRule, AdminGroups: []string{"system:masters"}, CleanupUsers: DefaultCleanupUsers(), ClockSkew: DefaultClockSkew}
}

// Applies reports whether w touches a project Secret, before or after.
func (p Policy) Applies(w Write) bool { return IsProjectSecret(w.Old) || IsProjectSecret(w.New) }

// Review judges w. It returns warnings for an allowed write near a limit, or
// the violations that deny it.
func (p Policy) Review(w Write) (warnings []string, err error) {
	if !p.Applies(w) {
		return nil, nil
	}
	if IsHistorySecret(w.Old) || IsHistorySecret(w.New) {
		return nil, p.reviewHistory(w).err()
	}
	if slices.Contains(p.CleanupUsers, w.User) {
		return nil, cleanupReview(w)
	}
	if w.Operation == OpDelete {
		return nil, p.checkOwners(w, w.Old).err()
	}
	if w.New == nil {
		return nil, Violations{violation(RuleMetadata, "%s request carries no object", w.Operation)}
	}
	// Review only reads the entries, so both objects' entries may share
	// label maps.
	shared := &labelSets{}
	entries, vs := validateSecret(w.New, p.KeyRule, shared)
	var old *corev1.Secret
	if w.Operation == OpUpdate && IsProjectSecret(w.Old) {
		old = w.Old
		if w.New.Labels[LabelProject] != old.Labels[LabelProject] {
			vs = append(vs, violation(RuleOwnership, "label %s cannot be changed or removed (it was %s)", LabelProject, Quote(old.Labels[LabelProject])))
		}
	}
	vs = append(vs, p.checkOwners(w, old)...)
	if entries != nil {
		vs = append(vs, checkAuthorship(w, old, entries, shared, p.clock())...)
	}
	if len(vs) > 0 {
		return nil, vs
	}
	return append(SizeOf(w.New).Warnings(), expiryWarnings(entries, p.clock().now)...), nil
}

// checkOwners applies projsecret.io/owners: the stored list guards every
// change, and whoever sets a list must be on it, so nobody locks themselves
// or others out by accident. A stored project without owners is not up
// for grabs: giving it its first owners is an admin's act, or anyone with
// write access could take it over, and so is deleting it, or anyone could
// create it again as its owner. (CREATE, and the UPDATE that makes a plain
// Secret a project Secret, store no project yet: stored is nil.)
func (p Policy) checkOwners(w Write, stored *corev1.Secret) Violations {
	if p.isAdmin(w.User, w.Groups) {
		return nil
	}
	var storedOwners Owners
	if stored != nil {
		owners, err := ParseOwners(stored.Annotations[AnnotationOwners])
		switch {
		case err != nil:
			// Nobody can tell who the owners are, so only an admin may act
			// until the list is repaired: failing open would unguard it.
			return Violations{violation(RuleOwnership, "the stored %s annotation of project %s is unreadable (%v): only admins (%s) may change or delete it until an admin fixes the list", AnnotationOwners, Quote(stored.Labels[LabelProject]), err, p.adminsText())}
		case len(owners) > 0 && !owners.Includes(w.User, w.Groups):
			return Violations{violation(RuleOwnership, "user %s is not an owner of project %s (owners: %s; admins: %s)", Quote(w.User), Quote(stored.Labels[LabelProject]), owners.Text(), p.adminsText())}
		case len(owners) == 0 && w.Operation == OpDelete:
			return Violations{violation(RuleOwnership, "project %s has no owners: only an admin (%s) may delete it, since whoever created it again would own it", Quote(stored.Labels[LabelProject]), p.adminsText())}
		}
		storedOwners = owners
	}
	if w.New != nil {
		list := w.New.Annotations[AnnotationOwners]
		if stored == nil || stored.Annotations[AnnotationOwners] != list {
			// An empty list, like an absent one, means no owners (SetOwners
			// removes the annotation for it).
			owners, err := ParseOwners(list)
			switch {
			case err != nil || len(owners) == 0:
			case stored != nil && len(storedOwners) == 0:
				return Violations{violation(RuleOwnership, "project %s has no owners: only an admin (%s) may give it its first owners", Quote(stored.Labels[LabelProject]), p.adminsText())}
			case !owners.Includes(w.User, w.Groups):
				return Violations{violation(RuleOwnership, "user %s sets owners %s without being one of them: include yourself, or ask an admin (%s)", Quote(w.User), owners.Text(), p.adminsText())}
			}
		}
	}
	return nil
}

// adminsText names the admins for a denial, so the reader knows whom to ask.
func (p Policy) adminsText() string {
	var names []string
	for _, u := range p.AdminUsers {
		names = append(names, "user "+Clip(u))
	}
	for _, g := range p.AdminGroups {
		names = append(names, "group "+Clip(g))
	}
	if len(names) == 0 {
		return "none configured"
	}
	return KeyList(names)
}

func (p Policy) isAdmin(user string, groups []string) bool {
	if slices.Contains(p.AdminUsers, user) {
		return true
	}
	for _, g := range p.AdminGroups {
		if slices.Contains(groups, g) {
			return true
		}
	}
	return false
}

// clock is the moment a review judges timestamps against, and the leeway.
type clock struct {
	now  time.Time
	skew time.Duration
}

func (p Policy) clock() clock {
	c := clock{now: time.Now(), skew: p.ClockSkew}
	if p.Now != nil {
		c.now = p.Now()
	}
	if c.skew <= 0 {
		c.skew = DefaultClockSkew
	}
	return c
}

// check refuses a timestamp this write sets that is not the current time:
// a backdated or future createdAt/updatedAt would make the audit trail lie.
func (c clock) check(key, field string, t time.Time) *Violation {
	d := t.Sub(c.now)
	if d.Abs() <= c.skew {
		return nil
	}
	return violation(RuleMetadata, "entry %s: %s %s is %s away from the webhook's clock (%s): an entry a write creates or changes must carry the current time, within %s",
		Quote(key), field, formatTimestamp(t), d.Abs().Round(time.Second), formatTimestamp(c.now), c.skew)
}

// checkAuthorship keeps the audit trail honest: creation facts never change,
// and every entry this write touches names the requesting user as its author.
// entries passed ValidateEntryMeta already.
func checkAuthorship(w Write, old *corev1.Secret, entries Entries, shared *labelSets, c clock) Violations {
	var oldEntries Entries
	if old != nil {
		oldEntries = storedEntries(old, entries, shared)
	}
	// Keys are visited in map order and only violations sorted, so that an
	// allowed write sorts nothing.
	type keyed struct {
		key string
		v   *Violation
	}
	var bad []keyed
	for key, m := range entries {
		if v := authorshipViolation(w, old, oldEntries, key, m, c); v != nil {
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
func storedEntries(old *corev1.Secret, entries Entries, shared *labelSets) Entries {
	oldEntries, err := decodeEntries(old.Annotations[AnnotationEntries], shared)
	if err != nil || oldEntries.validate(entries) != nil {
		return nil
	}
	return oldEntries
}

func authorshipViolation(w Write, old *corev1.Secret, oldEntries Entries, key string, m EntryMeta, c clock) *Violation {
	prev, existed := oldEntries[key]
	switch {
	case !existed:
		if m.CreatedBy != w.User || m.UpdatedBy != w.User {
			return violation(RuleMetadata, "entry %s is new: createdBy and updatedBy must be the requesting user %s", Quote(key), Quote(w.User))
		}
		if v := c.check(key, "createdAt", m.CreatedAt); v != nil {
			return v
		}
		return c.check(key, "updatedAt", m.UpdatedAt)
	case !prev.CreatedAt.Equal(m.CreatedAt) || prev.CreatedBy != m.CreatedBy:
		return violation(RuleMetadata, "entry %s: createdAt and createdBy cannot change", Quote(key))
	case changed(prev, m, old, w.New, key):
		if m.UpdatedBy != w.User {
			return violation(RuleMetadata, "entry %s changed: updatedBy must be the requesting user %s, not %s", Quote(key), Quote(w.User), Quote(m.UpdatedBy))
		}
		return c.check(key, "updatedAt", m.UpdatedAt)
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
		prev.UpdatedBy != cur.UpdatedBy ||
		!prev.ExpiresAt.Equal(cur.ExpiresAt) || prev.RotateEvery != cur.RotateEvery
}
