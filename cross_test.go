package projsecret

import (
	"testing"
	"time"
)

func TestAdoptedCreatedAt(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name          string
		created, want time.Time
	}{
		{"long ago is clipped", now.Add(-48 * time.Hour), now.Add(-DefaultClockSkew / 2)},
		{"inside the window is kept", now.Add(-time.Minute), now.Add(-time.Minute)},
		{"in the future is now", now.Add(time.Hour), now},
		{"sub-second is truncated", now.Add(-time.Minute + 300*time.Millisecond), now.Add(-time.Minute)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := adoptedCreatedAt(tt.created, now)
			if !got.Equal(tt.want) || got.Location() != time.UTC {
				t.Errorf("got %s, want %s UTC", got, tt.want)
			}
		})
	}
}
