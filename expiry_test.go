package projsecret

import (
	"strings"
	"testing"
	"time"
)

func TestExpiryWarningsNamesAFew(t *testing.T) {
	t.Parallel()
	at := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	past := EntryMeta{ExpiresAt: at.Add(-time.Hour)}
	entries := Entries{"E": past, "D": past, "C": past, "B": past, "A": past, "Z": {ExpiresAt: at.Add(time.Hour)}, "N": {}}
	got := expiryWarnings(entries, at)
	want := `expired entries (expiresAt has passed): "A", "B", "C" and 2 more; rotate them and set a new expiry`
	if len(got) != 1 || got[0] != want {
		t.Errorf("%q, want %q", got, want)
	}
}

func TestFormatRotateEvery(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		720 * time.Hour: "720h", time.Hour + 30*time.Minute: "1h30m", time.Hour + time.Second: "1h0m1s", 87600 * time.Hour: "87600h",
	} {
		if got := FormatRotateEvery(d); got != want {
			t.Errorf("FormatRotateEvery(%s) = %q, want %q", d, got, want)
		}
		if back, err := time.ParseDuration(want); err != nil || back != d {
			t.Errorf("%q does not parse back to %s", want, d)
		}
	}
}

// TestValidateEntryMetaChecksRotateEvery: an entry built in Go, not
// decoded, with a rotation period out of range is refused naming it.
func TestValidateEntryMetaChecksRotateEvery(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	m := EntryMeta{CreatedAt: at, UpdatedAt: at, CreatedBy: "alice", UpdatedBy: "alice", RotateEvery: 30 * time.Minute}
	if err := ValidateEntryMeta("k", m); err == nil || !strings.Contains(err.Error(), `entry "k": rotateEvery 30m is out of range`) {
		t.Fatalf("rotateEvery 30m: %v", err)
	}
	m.RotateEvery = MinRotateEvery
	if err := ValidateEntryMeta("k", m); err != nil {
		t.Fatalf("rotateEvery %s: %v", MinRotateEvery, err)
	}
}
