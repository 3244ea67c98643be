package projsecret

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"sort"
	"time"
	"unsafe"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/projsecret/projsecret/internal/jsonerr"
)

// EntryMeta is the metadata of one entry, stored in AnnotationEntries.
type EntryMeta struct {
	Description string            `json:"description"`
	Labels      map[string]string `json:"labels,omitempty"`
	CreatedAt   time.Time         `json:"createdAt"`
	UpdatedAt   time.Time         `json:"updatedAt"`
	CreatedBy   string            `json:"createdBy"`
	UpdatedBy   string            `json:"updatedBy"`
	// ExpiresAt, if not zero, is when the value should have been rotated.
	ExpiresAt time.Time `json:"expiresAt,omitempty"`
	// RotateEvery, if not zero, sets ExpiresAt this long after each new
	// value (see expiry.go).
	RotateEvery time.Duration `json:"rotateEvery,omitempty"`
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
	return parseEntries(annotation, nil)
}

// parseEntries is ParseEntries whose entries may share label maps
// (see labelSets).
func parseEntries(annotation string, shared *labelSets) (Entries, error) {
	entries, err := decodeEntries(annotation, shared)
	if err != nil {
		return nil, err
	}
	if err := entries.validate(nil); err != nil {
		return nil, err
	}
	return entries, nil
}

// decodeEntries is ParseEntries without ValidateEntryMeta. Timestamps are
// decoded as the strings they were written as, because time.Time accepts
// offsets and fractions that the contract refuses (see parseTimestamp).
func decodeEntries(annotation string, shared *labelSets) (Entries, error) {
	if len(annotation) > MaxAnnotationBytes {
		return nil, violation(RuleMetadata, "annotation %s is %d bytes: at most %d are allowed", AnnotationEntries, len(annotation), MaxAnnotationBytes)
	}
	if annotation == "" {
		return Entries{}, nil
	}
	// JSON v2 refuses duplicate names, invalid UTF-8 and trailing data;
	// readEntries refuses unknown names and names in the wrong case.
	// Unmarshal reads a []byte in place and never writes to it (its
	// decoder mutates only buffers it filled from a reader), so the
	// annotation, up to 256 KiB read twice per UPDATE, is not copied.
	text := unsafe.Slice(unsafe.StringData(annotation), len(annotation))
	read := entriesJSON{text: text, shared: shared}
	if err := jsonv2.Unmarshal(text, &read, entriesOptions); err != nil {
		// Text that is not JSON is reported as such, though the decoder
		// may have stopped on a field before the syntax error.
		var v jsontext.Value
		if syntaxErr := jsonv2.Unmarshal(text, &v, jsontext.AllowDuplicateNames(true)); syntaxErr != nil {
			err = syntaxErr
		}
		var sem *jsonv2.SemanticError
		if errors.As(err, &sem) && errors.Is(sem.Err, jsonv2.ErrUnknownName) {
			return nil, violation(RuleMetadata, "annotation %s: %s (expected only description, labels, createdAt, updatedAt, createdBy, updatedBy, expiresAt, rotateEvery)", AnnotationEntries, Clip(jsonerr.Describe(err)))
		}
		if _, syntax := jsonerr.SyntaxOffset(err); !syntax && sem == nil {
			// A duplicate name: the text is a JSON object, read strictly.
			return nil, violation(RuleMetadata, "annotation %s: %s", AnnotationEntries, Clip(jsonerr.Describe(err)))
		}
		return nil, violation(RuleMetadata, "annotation %s is not a JSON object of entries: %s", AnnotationEntries, Clip(jsonerr.Describe(err)))
	}
	if read.invalid != nil {
		return nil, read.invalid
	}
	if read.entries == nil {
		return nil, violation(RuleMetadata, "annotation %s is null: expected a JSON object of entries", AnnotationEntries)
	}
	return read.entries, nil
}

// rawEntryMeta is EntryMeta as the annotation spells it.
type rawEntryMeta struct {
	Description string            `json:"description"`
	Labels      map[string]string `json:"labels,omitempty"`
	CreatedAt   string            `json:"createdAt"`
	UpdatedAt   string            `json:"updatedAt"`
	CreatedBy   string            `json:"createdBy"`
	UpdatedBy   string            `json:"updatedBy"`
	// Pointers, so that an empty string is refused, not taken as absent.
	ExpiresAt   *string `json:"expiresAt,omitempty"`
	RotateEvery *string `json:"rotateEvery,omitempty"`
}

// timestampLayout is the only form a timestamp takes: RFC 3339 in UTC,
// whole seconds, with Z. One form means equal instants are equal strings,
// and what a reader sees is what the webhook judged.
const timestampLayout = "2006-01-02T15:04:05Z"

// parseTimestamp reads one timestamp in timestampLayout; an empty one is
// the zero time, which ValidateEntryMeta reports as missing.
func parseTimestamp(key, field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(timestampLayout, s)
	if err != nil || len(s) != len(timestampLayout) {
		return time.Time{}, violation(RuleMetadata, "annotation %s: entry %s: %s %s is not a timestamp in RFC 3339, UTC, whole seconds, with Z (like 2025-01-02T03:04:05Z)", AnnotationEntries, Quote(key), field, Quote(s))
	}
	return t, nil
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
		m.CreatedBy == o.CreatedBy && m.UpdatedBy == o.UpdatedBy &&
		m.ExpiresAt.Equal(o.ExpiresAt) && m.RotateEvery == o.RotateEvery
}

// Encode renders entries as the annotation value, every timestamp in
// timestampLayout (converted to UTC and cut to whole seconds).
// encoding/json sorts map keys, so equal entries always encode to equal
// strings.
func (e Entries) Encode() (string, error) {
	raw := make(map[string]rawEntryMeta, len(e))
	for key, m := range e {
		r := rawEntryMeta{Description: m.Description, Labels: m.Labels,
			CreatedAt: formatTimestamp(m.CreatedAt), UpdatedAt: formatTimestamp(m.UpdatedAt),
			CreatedBy: m.CreatedBy, UpdatedBy: m.UpdatedBy}
		if !m.ExpiresAt.IsZero() {
			at := formatTimestamp(m.ExpiresAt)
			r.ExpiresAt = &at
		}
		if m.RotateEvery != 0 {
			every := FormatRotateEvery(m.RotateEvery)
			r.RotateEvery = &every
		}
		raw[key] = r
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return "", fmt.Errorf("encoding %s: %w", AnnotationEntries, err)
	}
	return string(b), nil
}

// ValidateEntryMeta checks one entry's metadata on its own.
func ValidateEntryMeta(key string, m EntryMeta) error {
	if err := ValidateDescription(m.Description); err != nil {
		return violation(RuleMetadata, "entry %s: %v", Quote(key), err)
	}
	// The smallest invalid label is named, so that the message does not
	// change with map order from one run to the next.
	bad, found := "", false
	for lk, lv := range m.Labels {
		if (!found || lk < bad) && ValidateLabel(lk, lv) != nil {
			bad, found = lk, true
		}
	}
	if found {
		return violation(RuleMetadata, "entry %s: %v", Quote(key), ValidateLabel(bad, m.Labels[bad]))
	}
	switch {
	case m.CreatedAt.IsZero() || m.UpdatedAt.IsZero():
		return violation(RuleMetadata, "entry %s: createdAt and updatedAt must be set (RFC 3339, UTC)", Quote(key))
	case m.UpdatedAt.Before(m.CreatedAt):
		return violation(RuleMetadata, "entry %s: updatedAt %s is before createdAt %s", Quote(key), m.UpdatedAt.Format(time.RFC3339), m.CreatedAt.Format(time.RFC3339))
	case m.CreatedBy == "" || m.UpdatedBy == "":
		return violation(RuleMetadata, "entry %s: createdBy and updatedBy must name a user", Quote(key))
	}
	if err := ValidateRotateEvery(m.RotateEvery); err != nil {
		return violation(RuleMetadata, "entry %s: %v", Quote(key), err)
	}
	return nil
}

func formatTimestamp(t time.Time) string {
	return Timestamp(t).Format(timestampLayout)
}

// Timestamp is t in the form entries record: UTC, whole seconds, as
// metav1.Time does, so timestamps round-trip through RFC 3339 unchanged.
func Timestamp(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }
