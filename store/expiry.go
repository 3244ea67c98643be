package store

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/projsecret/projsecret"
)

// rotate stamps a new value's expiry: an entry with rotateEvery expires
// rotateEvery after now, unless the same write sets expiresAt itself.
func rotate(m *projsecret.EntryMeta, change MetaChange, now time.Time) {
	if m.RotateEvery > 0 && change.ExpiresAt == nil {
		m.ExpiresAt = projsecret.Timestamp(now.Add(m.RotateEvery))
	}
}

// applyExpiry applies the expiry part of a MetaChange.
func (m MetaChange) applyExpiry(e *projsecret.EntryMeta) error {
	if m.RotateEvery != nil {
		if err := projsecret.ValidateRotateEvery(*m.RotateEvery); err != nil {
			return err
		}
		e.RotateEvery = *m.RotateEvery
	}
	if m.ExpiresAt != nil {
		e.ExpiresAt = projsecret.Timestamp(*m.ExpiresAt)
		if m.ExpiresAt.IsZero() {
			e.ExpiresAt = time.Time{}
		}
	}
	return nil
}

// warnExpired tells the warning sink (WithWarnings) about each key of
// values whose entry has expired: one line per key, never a failure, so
// that read, run and export still work on an overdue value.
func (c *Client) warnExpired(project string, entries projsecret.Entries, values map[string][]byte) {
	if c.warn == nil {
		return
	}
	now := c.now()
	for _, key := range slices.Sorted(maps.Keys(values)) {
		if m, ok := entries[key]; ok && m.Expired(now) {
			c.warnf("project %s, key %s expired %s ago (expiresAt %s): rotate it", projsecret.Quote(project), projsecret.Quote(key),
				now.Sub(m.ExpiresAt).Round(time.Minute), projsecret.Timestamp(m.ExpiresAt).Format(time.RFC3339))
		}
	}
}

// countExpired counts the entries of an annotation whose expiresAt has
// passed, without validating them, as countEntries counts; an annotation
// that never mentions expiresAt costs no decoding.
func countExpired(annotation string, now time.Time) int {
	if !strings.Contains(annotation, `"expiresAt"`) {
		return 0
	}
	var entries map[string]struct {
		ExpiresAt string `json:"expiresAt"`
	}
	if json.Unmarshal([]byte(annotation), &entries) != nil {
		return 0
	}
	n := 0
	for _, e := range entries {
		if t, err := time.Parse(time.RFC3339, e.ExpiresAt); err == nil && !t.After(now) {
			n++
		}
	}
	return n
}
