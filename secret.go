package projsecret

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Violations are every rule a Secret breaks, each on its own line.
type Violations []*Violation

// Error joins the messages, one a line, capped at MaxMessageBytes: each
// message bounds the input it quotes, and the cap bounds their number.
func (vs Violations) Error() string {
	lines := make([]string, len(vs))
	for i, v := range vs {
		lines[i] = v.Message
	}
	return capMessage(lines)
}

// err returns vs as an error, or a nil error when there are none, so callers
// never hold a non-nil interface around an empty list.
func (vs Violations) err() error {
	if len(vs) == 0 {
		return nil
	}
	return vs
}

// IsProjectSecret reports whether the contract applies to s.
func IsProjectSecret(s *corev1.Secret) bool {
	if s == nil {
		return false
	}
	_, ok := s.Labels[LabelProject]
	return ok
}

// Size is what a Secret spends of the API server's limits.
type Size struct {
	DataBytes       int // sum of values in data and stringData
	AnnotationBytes int // sum of annotation keys and values
}

// SizeOf measures s the way the API server's validation does.
func SizeOf(s *corev1.Secret) Size {
	var size Size
	for _, v := range s.Data {
		size.DataBytes += len(v)
	}
	for _, v := range s.StringData {
		size.DataBytes += len(v)
	}
	for k, v := range s.Annotations {
		size.AnnotationBytes += len(k) + len(v)
	}
	return size
}

// Check reports the first limit the size exceeds and how far over it is.
func (s Size) Check() error {
	if s.DataBytes > MaxSecretDataBytes {
		return violation(RuleSize, "values total %d bytes, %d over the API server's limit of %d", s.DataBytes, s.DataBytes-MaxSecretDataBytes, MaxSecretDataBytes)
	}
	if s.AnnotationBytes > MaxAnnotationBytes {
		return violation(RuleSize, "annotations total %d bytes (the entries' metadata), %d over the API server's limit of %d", s.AnnotationBytes, s.AnnotationBytes-MaxAnnotationBytes, MaxAnnotationBytes)
	}
	return nil
}

// WarnSecretDataBytes is where an allowed write starts to warn: above
// 900 KiB of values the next few entries will not fit.
const WarnSecretDataBytes = 900 << 10

// Warnings are the limits an allowed Secret is getting close to.
func (s Size) Warnings() []string {
	var w []string
	if s.DataBytes > WarnSecretDataBytes && s.DataBytes <= MaxSecretDataBytes {
		w = append(w, fmt.Sprintf("project secret values total %d KiB of the %d KiB limit", s.DataBytes>>10, MaxSecretDataBytes>>10))
	}
	if s.AnnotationBytes > MaxAnnotationBytes*9/10 && s.AnnotationBytes <= MaxAnnotationBytes {
		w = append(w, fmt.Sprintf("project secret annotations total %d KiB of the %d KiB limit", s.AnnotationBytes>>10, MaxAnnotationBytes>>10))
	}
	return w
}

// ValidateSecret checks everything about a project Secret that does not
// depend on who writes it or what it was before: name, label, type, keys,
// the entries annotation and its match with the data, owners and size. It
// returns the parsed entries for callers that go on to compare them.
func ValidateSecret(s *corev1.Secret, rule KeyRule) (Entries, error) {
	entries, vs := validateSecret(s, rule)
	return entries, vs.err()
}

// validateSecret is ValidateSecret with its answer typed, so that Review
// needs no type assertion (one that failed would be a panic, a 500 denial).
func validateSecret(s *corev1.Secret, rule KeyRule) (Entries, Violations) {
	var vs Violations
	project := s.Labels[LabelProject]
	if err := ValidateProjectName(project); err != nil {
		vs = append(vs, violation(RuleOwnership, "label %s: %v", LabelProject, err))
	} else if s.Name != SecretName(project) {
		vs = append(vs, violation(RuleOwnership, "secret %s is labeled for project %s: its name must be %s", Quote(s.Name), Quote(project), Quote(SecretName(project))))
	}
	if s.Type != corev1.SecretTypeOpaque && s.Type != "" {
		vs = append(vs, violation(RuleOwnership, "secret type is %s: project secrets must be %q", Quote(string(s.Type)), corev1.SecretTypeOpaque))
	}
	// An immutable Secret can never be changed again, nor made mutable:
	// its owners could no longer rotate a value or fix an owners list.
	if s.Immutable != nil && *s.Immutable {
		vs = append(vs, violation(RuleOwnership, "immutable is true: project secrets must stay writable (leave immutable unset or false)"))
	}
	vs = append(vs, validateKeys(s, rule)...)

	// An empty annotation reads as no entries (ParseEntries), like an
	// absent one, but it is not the JSON object the contract stores: a
	// write must say {} for none, as the plugin does.
	annotation, ok := s.Annotations[AnnotationEntries]
	switch {
	case !ok:
		vs = append(vs, violation(RuleMetadata, "annotation %s is missing: every project secret records its entries' metadata there", AnnotationEntries))
	case annotation == "":
		vs = append(vs, violation(RuleMetadata, "annotation %s is empty: expected a JSON object of entries ({} when there are none)", AnnotationEntries))
	}
	entries, err := ParseEntries(annotation)
	if err != nil {
		vs = append(vs, asViolation(RuleMetadata, err))
	} else {
		vs = append(vs, matchKeys(s, entries)...)
	}
	if _, err := ParseHead(s.Annotations[AnnotationRevision]); err != nil {
		vs = append(vs, asViolation(RuleHistory, err))
	}
	if _, err := HistoryLimit(s); err != nil {
		vs = append(vs, asViolation(RuleHistory, err))
	}
	if owners, ok := s.Annotations[AnnotationOwners]; ok {
		if _, err := ParseOwners(owners); err != nil {
			vs = append(vs, asViolation(RuleOwnership, err))
		}
	}
	if err := SizeOf(s).Check(); err != nil {
		vs = append(vs, asViolation(RuleSize, err))
	}
	return entries, vs
}

// asViolation keeps err's own rule when it is a *Violation and files it
// under rule otherwise, so a validator that one day returns a plain error
// still gives a denial with a message, never a panic.
func asViolation(rule Rule, err error) *Violation {
	var v *Violation
	if errors.As(err, &v) {
		return v
	}
	return &Violation{Rule: rule, Message: err.Error()}
}

func validateKeys(s *corev1.Secret, rule KeyRule) Violations {
	// Only invalid keys are sorted, so that a valid Secret sorts nothing.
	var bad []string
	for k := range s.Data {
		if !rule.valid(k) {
			bad = append(bad, k)
		}
	}
	// Data keys are listed before stringData keys, each sorted.
	nData := len(bad)
	for k := range s.StringData {
		if !rule.valid(k) {
			bad = append(bad, k)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	sort.Strings(bad[:nData])
	sort.Strings(bad[nData:])
	for i, k := range bad {
		bad[i] = Quote(k)
	}
	return Violations{violation(RuleKeyNaming, "invalid key(s) %s: expected %s", keyList(bad), rule)}
}

func matchKeys(s *corev1.Secret, entries Entries) Violations {
	var missingMeta, missingData []string
	for k := range s.Data {
		if _, ok := entries[k]; !ok {
			missingMeta = append(missingMeta, clip(k))
		}
	}
	for k := range s.StringData {
		if _, ok := entries[k]; !ok {
			missingMeta = append(missingMeta, clip(k))
		}
	}
	for k := range entries {
		_, inData := s.Data[k]
		_, inString := s.StringData[k]
		if !inData && !inString {
			missingData = append(missingData, clip(k))
		}
	}
	var vs Violations
	if len(missingMeta) > 0 {
		sort.Strings(missingMeta)
		vs = append(vs, violation(RuleMetadata, "key(s) %s have no entry in annotation %s: every key needs exactly one", keyList(missingMeta), AnnotationEntries))
	}
	if len(missingData) > 0 {
		sort.Strings(missingData)
		vs = append(vs, violation(RuleMetadata, "annotation %s has entries %s with no data key: every entry needs one", AnnotationEntries, keyList(missingData)))
	}
	return vs
}

func mapKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// maxListedKeys keeps a denial of thousands of keys to a line a person reads.
const maxListedKeys = 10

// keyList joins keys for a message, naming the first maxListedKeys and
// counting the rest.
func keyList(keys []string) string {
	if len(keys) <= maxListedKeys {
		return strings.Join(keys, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(keys[:maxListedKeys], ", "), len(keys)-maxListedKeys)
}
