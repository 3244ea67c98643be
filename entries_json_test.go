package projsecret

import (
	"strconv"
	"testing"
	"time"
)

// FuzzFastTimestamp: the annotation's timestamp fast path accepts only
// what time.Parse accepts in timestampLayout, and reads it as the same
// instant.
func FuzzFastTimestamp(f *testing.F) {
	for _, s := range []string{"2025-01-02T03:04:05Z", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2024-02-29T00:00:00Z",
		"2025-02-29T00:00:00Z", "2025-02-30T00:00:00Z", "2025-04-31T00:00:00Z", "2025-13-01T00:00:00Z", "2025-00-01T00:00:00Z",
		"2025-01-00T00:00:00Z", "2025-01-01T24:00:00Z", "2025-01-01T00:60:00Z", "2025-01-01T00:00:60Z", "2025-01-01 00:00:00Z",
		"2025-01-01T00:00:00+", "2025-1-01T00:00:00Z", "+025-01-01T00:00:00Z", "2025-01-01T00:00:00z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := fastTimestamp([]byte(strconv.Quote(s)))
		want, err := time.Parse(timestampLayout, s)
		if ok && (err != nil || len(s) != len(timestampLayout) || !got.Equal(want) || got.Location() != time.UTC) {
			t.Fatalf("fastTimestamp(%q) = %v, time.Parse: %v, %v", s, got, want, err)
		}
		if !ok && err == nil && len(s) == len(timestampLayout) && strconv.Quote(s) == `"`+s+`"` {
			t.Fatalf("fastTimestamp refused %q, which time.Parse reads as %v", s, want)
		}
	})
}
