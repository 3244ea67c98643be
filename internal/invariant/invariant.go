// Package invariant states what every verdict of the policy must respect,
// written independently of projsecret.Policy.Review so that fuzzing can
// catch a wrong verdict and not only a crash: a policy that allowed
// everything, or dropped one rule, breaks these properties on the seed
// corpora. The checks are deliberately plain re-statements of the README's
// contract, not calls into the code under test (bar the constants).
package invariant

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

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

// entry is the stored metadata of one entry, with timestamps as the raw
// strings they were written as.
type entry struct {
	Description string            `json:"description"`
	Labels      map[string]string `json:"labels"`
	CreatedAt   string            `json:"createdAt"`
	UpdatedAt   string            `json:"updatedAt"`
	CreatedBy   string            `json:"createdBy"`
	UpdatedBy   string            `json:"updatedBy"`
	ExpiresAt   *string           `json:"expiresAt"`
	RotateEvery *string           `json:"rotateEvery"`
}

func storedContract(s *corev1.Secret) error {
	project := s.Labels[projsecret.LabelProject]
	if !projectPattern.MatchString(project) {
		return fmt.Errorf("project label %q is not a DNS label of at most 50 characters", project)
	}
	if s.Name != "proj-secrets-"+project {
		return fmt.Errorf("name %q does not match project label %q", s.Name, project)
	}
	if s.Type != "" && s.Type != corev1.SecretTypeOpaque {
		return fmt.Errorf("type %q", s.Type)
	}
	var entries map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s.Annotations[projsecret.AnnotationEntries]), &entries); err != nil || entries == nil {
		return fmt.Errorf("entries annotation is not a JSON object")
	}
	keys := map[string]bool{}
	for k := range s.Data {
		keys[k] = true
	}
	for k := range s.StringData {
		keys[k] = true
	}
	for k := range keys {
		if !keyPattern.MatchString(k) {
			return fmt.Errorf("key %q breaks the key rule", k)
		}
		if _, ok := entries[k]; !ok {
			return fmt.Errorf("key %q has no entry", k)
		}
	}
	for k := range entries {
		if !keys[k] {
			return fmt.Errorf("entry %q has no value", k)
		}
	}
	for k, e := range entriesOf(s) {
		if err := expiryForm(e); err != nil {
			return fmt.Errorf("entry %q: %w", k, err)
		}
	}
	return nil
}

// expiryForm: an expiresAt is RFC 3339 in UTC with whole seconds and Z;
// a rotateEvery is a Go duration of whole seconds from 1h to 87600h.
func expiryForm(e entry) error {
	if e.ExpiresAt != nil {
		if !expiresAtPattern.MatchString(*e.ExpiresAt) {
			return fmt.Errorf("expiresAt %q is not RFC 3339 UTC whole seconds with Z", *e.ExpiresAt)
		}
		if _, err := time.Parse(time.RFC3339, *e.ExpiresAt); err != nil {
			return fmt.Errorf("expiresAt %q is no date", *e.ExpiresAt)
		}
	}
	if e.RotateEvery != nil {
		d, err := time.ParseDuration(*e.RotateEvery)
		if err != nil || d < time.Hour || d > 87600*time.Hour || d%time.Second != 0 {
			return fmt.Errorf("rotateEvery %q is not a whole-second duration from 1h to 87600h", *e.RotateEvery)
		}
	}
	return nil
}

var expiresAtPattern = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$`)

func entriesOf(s *corev1.Secret) map[string]entry {
	var out map[string]entry
	dec := json.NewDecoder(strings.NewReader(s.Annotations[projsecret.AnnotationEntries]))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		return nil // an unreadable stored list vouches for nothing: every entry is new
	}
	for key, e := range out {
		// A stored entry without its authorship vouches for nothing either:
		// the writer repairs it as a new entry, in their own name.
		if e.CreatedAt == "" || e.CreatedBy == "" || e.UpdatedAt == "" || e.UpdatedBy == "" {
			delete(out, key)
		}
	}
	return out
}

func value(s *corev1.Secret, key string) []byte {
	if s == nil {
		return nil
	}
	if v, ok := s.StringData[key]; ok {
		return []byte(v)
	}
	return s.Data[key]
}

func differs(a, b entry, oldValue, newValue []byte) bool {
	return !bytes.Equal(oldValue, newValue) || a.Description != b.Description ||
		!maps.Equal(a.Labels, b.Labels) || !sameInstant(a.UpdatedAt, b.UpdatedAt) || a.UpdatedBy != b.UpdatedBy ||
		!sameOptional(a.ExpiresAt, b.ExpiresAt) || !sameOptional(a.RotateEvery, b.RotateEvery)
}

func sameOptional(a, b *string) bool {
	if a == nil || b == nil {
		return a == b
	}
	if da, errA := time.ParseDuration(*a); errA == nil {
		if db, errB := time.ParseDuration(*b); errB == nil {
			return da == db
		}
	}
	return *a == *b || sameInstant(*a, *b)
}

// sameInstant compares two stored timestamps as instants, as the contract
// does ("2025-01-01T00:00:00+00:00" and "...Z" are one moment); text that
// does not parse is compared as text.
func sameInstant(a, b string) bool {
	ta, errA := time.Parse(time.RFC3339, a)
	tb, errB := time.Parse(time.RFC3339, b)
	if errA != nil || errB != nil {
		return a == b
	}
	return ta.Equal(tb)
}

func isProject(s *corev1.Secret) bool {
	if s == nil {
		return false
	}
	_, ok := s.Labels[projsecret.LabelProject]
	return ok
}

// ownerList reads the owners annotation as "kind:name" items, sorted; an
// unreadable list counts as owned by nobody in particular but still guarded,
// so it is returned as is to make Includes fail.
func ownerList(s *corev1.Secret) []string {
	if s == nil {
		return nil
	}
	var out []string
	for _, item := range strings.Split(s.Annotations[projsecret.AnnotationOwners], ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	slices.Sort(out)
	return out
}

// showsAsItself: valid UTF-8, every character printable, and none of them
// a format character (Cf), which would be invisible or reorder the text.
func showsAsItself(name string) bool {
	if !utf8.ValidString(name) {
		return false
	}
	for _, r := range name {
		if !unicode.IsPrint(r) || unicode.Is(unicode.Cf, r) {
			return false
		}
	}
	return true
}

// releaseOnly: a cleanup identity's UPDATE leaves values, annotations
// (the owners and the entries among them), labels, type and immutability
// as they were, and adds no finalizer or owner reference, nor makes one
// block its owner's deletion where it did not.
func releaseOnly(old, new *corev1.Secret) error {
	if old == nil || new == nil {
		return fmt.Errorf("without both objects")
	}
	if len(old.Data) != len(new.Data) || len(new.StringData) != 0 {
		return fmt.Errorf("values change")
	}
	for k, v := range old.Data {
		if w, ok := new.Data[k]; !ok || !bytes.Equal(v, w) {
			return fmt.Errorf("value %q changes", k)
		}
	}
	if !maps.Equal(old.Annotations, new.Annotations) && (len(old.Annotations) > 0 || len(new.Annotations) > 0) {
		return fmt.Errorf("annotations change")
	}
	if !maps.Equal(old.Labels, new.Labels) && (len(old.Labels) > 0 || len(new.Labels) > 0) {
		return fmt.Errorf("labels change")
	}
	if old.Type != new.Type || (old.Immutable != nil && *old.Immutable) != (new.Immutable != nil && *new.Immutable) {
		return fmt.Errorf("type or immutable change")
	}
	left := map[string]int{}
	for _, f := range old.Finalizers {
		left[f]++
	}
	for _, f := range new.Finalizers {
		if left[f]--; left[f] < 0 {
			return fmt.Errorf("finalizer %q is added", f)
		}
	}
	for _, ref := range new.OwnerReferences {
		i := slices.IndexFunc(old.OwnerReferences, func(o metav1.OwnerReference) bool { return o.UID == ref.UID })
		if i < 0 {
			return fmt.Errorf("owner reference %q is added", ref.UID)
		}
		o := old.OwnerReferences[i]
		blocks := func(r metav1.OwnerReference) bool { return r.BlockOwnerDeletion != nil && *r.BlockOwnerDeletion }
		if o.APIVersion != ref.APIVersion || o.Kind != ref.Kind || o.Name != ref.Name ||
			(o.Controller != nil && *o.Controller) != (ref.Controller != nil && *ref.Controller) || (blocks(ref) && !blocks(o)) {
			return fmt.Errorf("owner reference %q changes", ref.UID)
		}
	}
	return nil
}

func includes(owners []string, user string, groups []string) bool {
	for _, o := range owners {
		kind, name, _ := strings.Cut(o, ":")
		if (kind == "user" && name == user) || (kind == "group" && slices.Contains(groups, name)) {
			return true
		}
	}
	return false
}

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
