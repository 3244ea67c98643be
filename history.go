package projsecret

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	sigsjson "sigs.k8s.io/json"
)

// History is kept out of the project Secret (whose 1 MiB is the project's
// budget, mounted by every consumer) and out of annotations (returned by
// metadata-only listings and written to audit logs): every revision is a
// Secret of its own, as Helm stores releases, immutable, named for its
// content. The project Secret holds only the head: the number and SHA-256
// of its latest revision, written in the same guarded UPDATE as the change
// itself, and every revision names its parent's SHA-256. A revision counts
// only if the owner-guarded head reaches it, so a revision whose project
// write lost a race is never shown, and one planted by a non-owner is
// never trusted (see docs/history.md).
const (
	// HistoryNamePrefix starts every revision's Secret name. Project names
	// are DNS labels, so "proj-history.<project>.r<N>.<sum>" can never be
	// a project Secret's name.
	HistoryNamePrefix = "proj-history."
	// LabelRevision marks a Secret as a revision of the project its
	// LabelProject names; its value is the revision number. Project
	// listings select Secrets without it.
	LabelRevision = "projsecret.io/revision"
	// AnnotationRevision is the project Secret's head: "<N>.<sha256 hex>"
	// of its latest revision.
	AnnotationRevision = "projsecret.io/revision"
	// AnnotationHistoryLimit sets how many revisions of each key a project
	// keeps; DefaultHistoryLimit when absent.
	AnnotationHistoryLimit = "projsecret.io/history-limit"
	// SecretTypeHistory is the type of a revision's Secret. A Secret's
	// type never changes, so a revision can never become a project
	// Secret, nor a project Secret a revision.
	SecretTypeHistory = corev1.SecretType("projsecret.io/history")
	// HistoryDataKey is the one data key of a revision's Secret.
	HistoryDataKey = "revision"

	// DefaultHistoryLimit is how many revisions of each key are kept, as
	// Vault KV's max_versions.
	DefaultHistoryLimit = 10
	// MaxHistoryLimit bounds AnnotationHistoryLimit.
	MaxHistoryLimit = 100
	// MaxHistoryBytes bounds the revisions a project keeps in total;
	// beyond it the oldest go first, whatever the limit per key.
	MaxHistoryBytes = 16 << 20

	// RuleHistory files the denials of writes to revisions.
	RuleHistory = Rule("history")
)

// Change is what one revision did to one key.
type Change string

const (
	ChangeCreated  = Change("created")
	ChangeUpdated  = Change("updated")
	ChangeMetadata = Change("metadata")
	ChangeDeleted  = Change("deleted")
)

// EntryState is one entry as it stood: its value and metadata.
type EntryState struct {
	Value []byte    `json:"value"`
	Meta  EntryMeta `json:"meta"`
}

// KeyChange is one key's part in a revision: the entry before and after.
type KeyChange struct {
	Key    string      `json:"key"`
	Change Change      `json:"change"`
	Before *EntryState `json:"before,omitempty"`
	After  *EntryState `json:"after,omitempty"`
	// Omitted says the values were too large to keep in the revision:
	// the change is recorded, the values are not.
	Omitted bool `json:"omitted,omitempty"`
}

// Revision is one recorded write to a project.
type Revision struct {
	Revision int `json:"revision"`
	// Parent is the SHA-256 of the previous revision's record; empty for
	// the first.
	Parent string    `json:"parent,omitempty"`
	Time   time.Time `json:"time"`
	User   string    `json:"user"`
	// Owners are the project's owners after this revision, so a deleted
	// project is re-created with them.
	Owners string `json:"owners"`
	// ProjectDeleted marks the revision written just before the project's
	// Secret was deleted.
	ProjectDeleted bool        `json:"projectDeleted,omitempty"`
	Changes        []KeyChange `json:"changes"`

	// Sum is the SHA-256 (hex) of the record this was read from.
	Sum string `json:"-"`
	// Size is the record's length in bytes.
	Size int `json:"-"`
	// Name is the Secret it was read from.
	Name string `json:"-"`
	// Created is when the API server stored it.
	Created time.Time `json:"-"`
}

// Touches returns the key's change in r, if r touches it.
func (r *Revision) Touches(key string) (KeyChange, bool) {
	for _, c := range r.Changes {
		if c.Key == key {
			return c, true
		}
	}
	return KeyChange{}, false
}

// Head is a project's latest revision, as AnnotationRevision records it.
type Head struct {
	N   int
	Sum string
}

func (h Head) String() string { return strconv.Itoa(h.N) + "." + h.Sum }

// ParseHead reads AnnotationRevision; empty is no history yet (zero Head).
func ParseHead(annotation string) (Head, error) {
	if annotation == "" {
		return Head{}, nil
	}
	n, sum, ok := strings.Cut(annotation, ".")
	num, err := strconv.Atoi(n)
	if !ok || err != nil || num < 1 || !isSum(sum) {
		return Head{}, violation(RuleHistory, "annotation %s is %s: expected <revision>.<sha256 in hex>", AnnotationRevision, Quote(annotation))
	}
	return Head{N: num, Sum: sum}, nil
}

func isSum(s string) bool {
	if len(s) != sha256.Size*2 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil && strings.ToLower(s) == s
}

// HistoryLimit reads a project Secret's AnnotationHistoryLimit.
func HistoryLimit(s *corev1.Secret) (int, error) {
	v, ok := s.Annotations[AnnotationHistoryLimit]
	if !ok {
		return DefaultHistoryLimit, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > MaxHistoryLimit {
		return 0, violation(RuleHistory, "annotation %s is %s: expected a whole number of revisions per key from 1 to %d", AnnotationHistoryLimit, Quote(v), MaxHistoryLimit)
	}
	return n, nil
}

// HistorySecretName names revision n of project, whose record has SHA-256
// sum: the name binds the content, so nobody can squat a name a writer
// will need without writing the very record it would write.
func HistorySecretName(project string, n int, sum string) string {
	return fmt.Sprintf("%s%s.r%d.%s", HistoryNamePrefix, project, n, sum[:16])
}

// EncodeRevision renders r as its record and the record's SHA-256.
func EncodeRevision(r *Revision) ([]byte, string, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, "", fmt.Errorf("encoding revision %d: %w", r.Revision, err)
	}
	sum := sha256.Sum256(b)
	return b, hex.EncodeToString(sum[:]), nil
}

// HistorySecret is the Secret that stores record, revision r of project.
func HistorySecret(namespace, project string, r *Revision, record []byte, sum string) *corev1.Secret {
	immutable := true
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Name:        HistorySecretName(project, r.Revision, sum),
			Namespace:   namespace,
			Labels:      map[string]string{LabelProject: project, LabelRevision: strconv.Itoa(r.Revision), LabelManagedBy: ManagedByPlugin},
			Annotations: map[string]string{AnnotationOwners: r.Owners},
		},
		Type:      SecretTypeHistory,
		Immutable: &immutable,
		Data:      map[string][]byte{HistoryDataKey: record},
	}
}

// IsHistorySecret reports whether s is (or claims to be) a revision.
func IsHistorySecret(s *corev1.Secret) bool {
	if s == nil {
		return false
	}
	_, labeled := s.Labels[LabelRevision]
	return labeled || s.Type == SecretTypeHistory || strings.HasPrefix(s.Name, HistoryNamePrefix)
}

// ParseHistorySecret checks everything about a revision's Secret that does
// not depend on who writes it: type, immutability, labels, that its name
// is its record's SHA-256, and the record itself. It returns the record.
func ParseHistorySecret(s *corev1.Secret) (*Revision, error) {
	var vs Violations
	bad := func(format string, args ...any) { vs = append(vs, violation(RuleHistory, format, args...)) }
	project := s.Labels[LabelProject]
	if err := ValidateProjectName(project); err != nil {
		bad("revision secret: label %s: %v", LabelProject, err)
	}
	if s.Type != SecretTypeHistory {
		bad("revision secret type is %s: expected %q", Quote(string(s.Type)), SecretTypeHistory)
	}
	if s.Immutable == nil || !*s.Immutable {
		bad("revision secret must be immutable: a stored revision never changes")
	}
	record, ok := s.Data[HistoryDataKey]
	if len(s.Data) != 1 || !ok || len(s.StringData) > 0 {
		bad("revision secret must hold exactly one data key, %q", HistoryDataKey)
	}
	if len(vs) > 0 {
		return nil, vs
	}
	r, err := DecodeRevision(record)
	if err != nil {
		return nil, err
	}
	if want := HistorySecretName(project, r.Revision, r.Sum); s.Name != want {
		bad("revision secret %s holds revision %d of project %s: its name must be %s", Quote(s.Name), r.Revision, Quote(project), Quote(want))
	}
	if s.Labels[LabelRevision] != strconv.Itoa(r.Revision) {
		bad("revision secret: label %s must be %d, the revision it holds", LabelRevision, r.Revision)
	}
	if s.Annotations[AnnotationOwners] != r.Owners {
		bad("revision secret: annotation %s must repeat the record's owners", AnnotationOwners)
	}
	if len(vs) > 0 {
		return nil, vs
	}
	r.Name, r.Created = s.Name, s.CreationTimestamp.Time
	return r, nil
}

// DecodeRevision reads a revision's record strictly and checks it.
func DecodeRevision(record []byte) (*Revision, error) {
	var r Revision
	strictErrs, err := sigsjson.UnmarshalStrict(record, &r)
	switch {
	case err != nil:
		return nil, violation(RuleHistory, "revision record is not valid JSON: %s", Clip(err.Error()))
	case len(strictErrs) > 0:
		return nil, violation(RuleHistory, "revision record: %s", Clip(strictErrs[0].Error()))
	}
	sum := sha256.Sum256(record)
	r.Sum, r.Size = hex.EncodeToString(sum[:]), len(record)
	if err := r.validate(); err != nil {
		return nil, err
	}
	return &r, nil
}

func (r *Revision) validate() error {
	switch {
	case r.Revision < 1:
		return violation(RuleHistory, "revision record: revision %d: expected 1 or more", r.Revision)
	case r.Parent != "" && !isSum(r.Parent):
		return violation(RuleHistory, "revision record: parent %s is not a SHA-256 in hex", Quote(r.Parent))
	case r.User == "":
		return violation(RuleHistory, "revision record names no user")
	case r.Time.IsZero():
		return violation(RuleHistory, "revision record has no time")
	case len(r.Changes) == 0 && !r.ProjectDeleted:
		return violation(RuleHistory, "revision record changes nothing")
	}
	if _, err := ParseOwners(r.Owners); err != nil {
		return violation(RuleHistory, "revision record: %v", err)
	}
	for i, c := range r.Changes {
		if i > 0 && r.Changes[i-1].Key >= c.Key {
			return violation(RuleHistory, "revision record: changes must be sorted by key, each key once (at %s)", Quote(c.Key))
		}
		if err := ValidateKey(c.Key); err != nil {
			return violation(RuleHistory, "revision record: %v", err)
		}
		if err := c.validate(); err != nil {
			return err
		}
	}
	return nil
}

func (c KeyChange) validate() error {
	var ok bool
	switch c.Change {
	case ChangeCreated:
		ok = c.Before == nil && (c.After != nil || c.Omitted)
	case ChangeDeleted:
		ok = c.After == nil && (c.Before != nil || c.Omitted)
	case ChangeUpdated, ChangeMetadata:
		ok = (c.Before != nil && c.After != nil) || c.Omitted
	default:
		return violation(RuleHistory, "revision record: key %s: change %s: expected created, updated, metadata or deleted", Quote(c.Key), Quote(string(c.Change)))
	}
	if !ok {
		return violation(RuleHistory, "revision record: key %s: a %s change must hold the entry as it was before and after, where it existed", Quote(c.Key), c.Change)
	}
	for _, st := range []*EntryState{c.Before, c.After} {
		if st == nil {
			continue
		}
		if err := ValidateEntryMeta(c.Key, st.Meta); err != nil {
			return violation(RuleHistory, "revision record: %v", err)
		}
	}
	return nil
}

// Classify says what happened to one entry between two states; "" is
// nothing. A new value, or a write that only restamps the entry (a set of
// the same value), is an update; a new description or labels alone is a
// metadata change. The client (package store) records it in each revision;
// it lives beside the Change values it returns, which are the contract's.
func Classify(before, after *EntryState) Change {
	switch {
	case before == nil && after == nil:
		return ""
	case before == nil:
		return ChangeCreated
	case after == nil:
		return ChangeDeleted
	case !bytes.Equal(before.Value, after.Value):
		return ChangeUpdated
	case before.Meta.equal(after.Meta):
		return ""
	case before.Meta.Description != after.Meta.Description || !labelsEqual(before.Meta.Labels, after.Meta.Labels) ||
		!before.Meta.ExpiresAt.Equal(after.Meta.ExpiresAt) || before.Meta.RotateEvery != after.Meta.RotateEvery:
		return ChangeMetadata
	default:
		return ChangeUpdated
	}
}

func labelsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
