package projsecret

import (
	"sort"

	corev1 "k8s.io/api/core/v1"
)

// IsProjectSecret reports whether the contract applies to s.
func IsProjectSecret(s *corev1.Secret) bool {
	if s == nil {
		return false
	}
	_, ok := s.Labels[LabelProject]
	return ok
}

// ValidateSecret checks everything about a project Secret that does not
// depend on who writes it or what it was before: name, label, type, keys,
// the entries annotation and its match with the data, owners and size. It
// returns the parsed entries for callers that go on to compare them.
func ValidateSecret(s *corev1.Secret, rule KeyRule) (Entries, error) {
	entries, vs := validateSecret(s, rule, nil)
	return entries, vs.err()
}

// validateSecret is ValidateSecret with its answer typed, so that Review
// needs no type assertion (one that failed would be a panic, a 500 denial),
// and with the entries' label maps shared when shared is not nil.
func validateSecret(s *corev1.Secret, rule KeyRule, shared *labelSets) (Entries, Violations) {
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
	vs = append(vs, ValidateKeys(s, rule)...)

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
	entries, err := parseEntries(annotation, shared)
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

// ValidateKeys checks the names of s's keys (data and stringData) against
// rule, listing every invalid one in one violation. ValidateSecret runs it;
// the client (package store) runs it alone when it adopts a Secret, whose
// keys must follow the contract before it has entries.
func ValidateKeys(s *corev1.Secret, rule KeyRule) Violations {
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
	return Violations{violation(RuleKeyNaming, "invalid key(s) %s: expected %s", KeyList(bad), rule)}
}

func matchKeys(s *corev1.Secret, entries Entries) Violations {
	var missingMeta, missingData []string
	for k := range s.Data {
		if _, ok := entries[k]; !ok {
			missingMeta = append(missingMeta, Clip(k))
		}
	}
	for k := range s.StringData {
		if _, ok := entries[k]; !ok {
			missingMeta = append(missingMeta, Clip(k))
		}
	}
	for k := range entries {
		_, inData := s.Data[k]
		_, inString := s.StringData[k]
		if !inData && !inString {
			missingData = append(missingData, Clip(k))
		}
	}
	var vs Violations
	if len(missingMeta) > 0 {
		sort.Strings(missingMeta)
		vs = append(vs, violation(RuleMetadata, "key(s) %s have no entry in annotation %s: every key needs exactly one", KeyList(missingMeta), AnnotationEntries))
	}
	if len(missingData) > 0 {
		sort.Strings(missingData)
		vs = append(vs, violation(RuleMetadata, "annotation %s has entries %s with no data key: every entry needs one", AnnotationEntries, KeyList(missingData)))
	}
	return vs
}
