package projsecret

import (
	"encoding/json"
	"fmt"
	"maps"
	"sort"
	"time"

	sigsjson "sigs.k8s.io/json"
)

// EntryMeta is the metadata of one entry, stored in AnnotationEntries.
type EntryMeta struct {
	Description string            `json:"description"`
	Labels      map[string]string `json:"labels,omitempty"`
	CreatedAt   time.Time         `json:"createdAt"`
	UpdatedAt   time.Time         `json:"updatedAt"`
	CreatedBy   string            `json:"createdBy"`
	UpdatedBy   string            `json:"updatedBy"`
}

// Entries maps entry keys to their metadata.
type Entries map[string]EntryMeta

// Keys returns the entry keys in sorted order.
func (e Entries) Keys() []string {
	keys := make([]string, 0, len(e))
	for k := range e {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// ParseEntries decodes AnnotationEntries strictly: unknown or duplicate
// fields, fields in the wrong case and trailing data are errors, and every
// entry must pass ValidateEntryMeta. An empty annotation is no entries.
func ParseEntries(annotation string) (Entries, error) {
	entries, err := decodeEntries(annotation)
	if err != nil {
		return nil, err
	}
	if err := entries.validate(nil); err != nil {
		return nil, err
	}
	return entries, nil
}

// decodeEntries is ParseEntries without ValidateEntryMeta.
func decodeEntries(annotation string) (Entries, error) {
	if len(annotation) > MaxAnnotationBytes {
		return nil, violation(RuleMetadata, "annotation %s is %d bytes: at most %d are allowed", AnnotationEntries, len(annotation), MaxAnnotationBytes)
	}
	entries := Entries{}
	if annotation == "" {
		return entries, nil
	}
	strictErrs, err := sigsjson.UnmarshalStrict([]byte(annotation), &entries)
	if err != nil {
		return nil, violation(RuleMetadata, "annotation %s is not a JSON object of entries: %v", AnnotationEntries, err)
	}
	if len(strictErrs) > 0 {
		return nil, violation(RuleMetadata, "annotation %s: %v (expected only description, labels, createdAt, updatedAt, createdBy, updatedBy)", AnnotationEntries, strictErrs[0])
	}
	if entries == nil {
		return nil, violation(RuleMetadata, "annotation %s is null: expected a JSON object of entries", AnnotationEntries)
	}
	return entries, nil
}

// validate runs ValidateEntryMeta on every entry that is not also in known,
// which holds entries already validated, and reports the invalid entry
// with the smallest key, so the answer does not depend on map order. It
// sorts nothing when every entry is valid: the webhook calls it for every
// entry of every admitted write.
func (e Entries) validate(known Entries) error {
	var firstKey string
	var first error
	for key, m := range e {
		if k, ok := known[key]; ok && k.equal(m) {
			continue
		}
		if first != nil && key > firstKey {
			continue
		}
		if err := ValidateEntryMeta(key, m); err != nil {
			firstKey, first = key, err
		}
	}
	return first
}

// equal reports whether m and o mean the same metadata; ValidateEntryMeta
// judges them alike.
func (m EntryMeta) equal(o EntryMeta) bool {
	return m.Description == o.Description && maps.Equal(m.Labels, o.Labels) &&
		m.CreatedAt.Equal(o.CreatedAt) && m.UpdatedAt.Equal(o.UpdatedAt) &&
		m.CreatedBy == o.CreatedBy && m.UpdatedBy == o.UpdatedBy
}

// Encode renders entries as the annotation value. encoding/json sorts map
// keys, so equal entries always encode to equal strings.
func (e Entries) Encode() (string, error) {
	b, err := json.Marshal(e)
	if err != nil {
		return "", fmt.Errorf("encoding %s: %w", AnnotationEntries, err)
	}
	return string(b), nil
}

// ValidateEntryMeta checks one entry's metadata on its own.
func ValidateEntryMeta(key string, m EntryMeta) error {
	if err := ValidateDescription(m.Description); err != nil {
		return violation(RuleMetadata, "entry %q: %v", key, err)
	}
	for lk, lv := range m.Labels {
		if err := ValidateLabel(lk, lv); err != nil {
			return violation(RuleMetadata, "entry %q: %v", key, err)
		}
	}
	switch {
	case m.CreatedAt.IsZero() || m.UpdatedAt.IsZero():
		return violation(RuleMetadata, "entry %q: createdAt and updatedAt must be set (RFC 3339, UTC)", key)
	case m.UpdatedAt.Before(m.CreatedAt):
		return violation(RuleMetadata, "entry %q: updatedAt %s is before createdAt %s", key, m.UpdatedAt.Format(time.RFC3339), m.CreatedAt.Format(time.RFC3339))
	case m.CreatedBy == "" || m.UpdatedBy == "":
		return violation(RuleMetadata, "entry %q: createdBy and updatedBy must name a user", key)
	}
	return nil
}

// Now is the timestamp format entries use: UTC, whole seconds, as
// metav1.Time does, so timestamps round-trip through RFC 3339 unchanged.
func Now() time.Time { return time.Now().UTC().Truncate(time.Second) }
