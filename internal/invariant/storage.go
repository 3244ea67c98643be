// The oracle's own reading of the storage contract: an entry's stored
// metadata, its form, and what counts as a change to it.

package invariant

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/projsecret/projsecret"
)

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
	// A list the contract cannot read (a timestamp out of its one layout,
	// say) vouches for nothing as a whole: the policy judges every entry
	// of it as new, to be repaired in the writer's own name and time.
	if _, err := projsecret.ParseEntries(s.Annotations[projsecret.AnnotationEntries]); err != nil {
		return nil
	}
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
