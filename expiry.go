package projsecret

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/duration"
)

// Bounds of an entry's rotateEvery: under an hour is a typo more likely
// than a schedule, and over ten years is no schedule at all.
const (
	MinRotateEvery = time.Hour
	MaxRotateEvery = 10 * 365 * 24 * time.Hour
)

// ParseExpiresAt reads an expiresAt as entries store it: RFC 3339, UTC,
// whole seconds, with Z (like 2025-01-02T03:04:05Z).
func ParseExpiresAt(s string) (time.Time, error) {
	t, err := time.Parse(timestampLayout, s)
	if err != nil || len(s) != len(timestampLayout) {
		return time.Time{}, violation(RuleMetadata, "expiresAt %s is not a timestamp in RFC 3339, UTC, whole seconds, with Z (like 2025-01-02T03:04:05Z)", Quote(s))
	}
	return t, nil
}

// ParseRotateEvery reads a rotateEvery: a Go duration (like 720h or
// 2160h30m) of whole seconds, from MinRotateEvery to MaxRotateEvery.
func ParseRotateEvery(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, violation(RuleMetadata, "rotateEvery %s is not a Go duration (like 720h)", Quote(s))
	}
	if err := ValidateRotateEvery(d); err != nil {
		return 0, err
	}
	return d, nil
}

// ValidateRotateEvery checks a rotateEvery's range; 0 means none.
func ValidateRotateEvery(d time.Duration) error {
	switch {
	case d == 0:
		return nil
	case d < MinRotateEvery || d > MaxRotateEvery:
		return violation(RuleMetadata, "rotateEvery %s is out of range: expected from %s to %s", FormatRotateEvery(d), FormatRotateEvery(MinRotateEvery), FormatRotateEvery(MaxRotateEvery))
	case d%time.Second != 0:
		return violation(RuleMetadata, "rotateEvery %s is not whole seconds", d)
	}
	return nil
}

// FormatRotateEvery is d as entries store it: time.Duration's form
// without its trailing zero units (720h, not 720h0m0s).
func FormatRotateEvery(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// Expired reports whether the entry has an expiry at or before now.
func (m EntryMeta) Expired(now time.Time) bool {
	return !m.ExpiresAt.IsZero() && !m.ExpiresAt.After(now)
}

// ExpiryText is the entry's expiry relative to now, as get's EXPIRES
// column and the console show it: "in 29d", "expired 3d ago", or "" when
// the entry has none (each front end says "none" its own way).
func (m EntryMeta) ExpiryText(now time.Time) string {
	switch {
	case m.ExpiresAt.IsZero():
		return ""
	case m.Expired(now):
		return "expired " + duration.HumanDuration(now.Sub(m.ExpiresAt)) + " ago"
	}
	return "in " + duration.HumanDuration(m.ExpiresAt.Sub(now))
}

// expiryWarnings are the admission warnings for a write that leaves
// entries expired: one short line naming the first few. It runs on every
// admitted write, so it sorts only the expired keys, not every key.
func expiryWarnings(entries Entries, now time.Time) []string {
	var expired []string
	for key, m := range entries {
		if m.Expired(now) {
			expired = append(expired, key)
		}
	}
	if len(expired) == 0 {
		return nil
	}
	slices.Sort(expired)
	// The API server may cut warnings longer than 256 characters.
	const shown = 3
	more := ""
	if len(expired) > shown {
		more = fmt.Sprintf(" and %d more", len(expired)-shown)
		expired = expired[:shown]
	}
	quoted := make([]string, len(expired))
	for i, k := range expired {
		quoted[i] = Quote(k)
	}
	return []string{fmt.Sprintf("expired entries (expiresAt has passed): %s%s; rotate them and set a new expiry", strings.Join(quoted, ", "), more)}
}
