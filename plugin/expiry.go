package plugin

import (
	"time"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/store"
	"github.com/spf13/cobra"
)

// expiryFlags are --expires-at, --expires-in and, where offered,
// --rotate-every: the entry's expiry metadata (see docs/rotation.md).
type expiryFlags struct {
	expiresAt, expiresIn, rotateEvery string
	// clearable: "" clears a field (meta).
	clearable bool

	at     *time.Time
	in     time.Duration
	every  *time.Duration
	hasAny bool
}

func (f *expiryFlags) addFlags(cmd *cobra.Command, rotate, clearable bool) {
	f.clearable = clearable
	clear := ""
	if clearable {
		clear = ` ("" clears it)`
	}
	cmd.Flags().StringVar(&f.expiresAt, "expires-at", "", "When the value must be rotated: an RFC 3339 time, like 2026-01-02T03:04:05Z"+clear+".")
	cmd.Flags().StringVar(&f.expiresIn, "expires-in", "", "When the value must be rotated, from now: a Go duration, like 720h.")
	if rotate {
		cmd.Flags().StringVar(&f.rotateEvery, "rotate-every", "", "Rotate every DURATION (at least 1h, like 720h): each new value then expires that long after it is set"+clear+".")
	}
}

// validate parses the flags given, before anything is read or sent.
func (f *expiryFlags) validate(cmd *cobra.Command) error {
	flags := cmd.Flags()
	if flags.Changed("expires-at") && flags.Changed("expires-in") {
		return usageErrorf(cmd, "--expires-at and --expires-in both set the expiry: expected one of them")
	}
	if flags.Changed("expires-at") {
		f.hasAny = true
		var t time.Time
		if f.expiresAt != "" || !f.clearable {
			parsed, err := time.Parse(time.RFC3339, f.expiresAt)
			if err != nil || parsed.Nanosecond() != 0 {
				return usageErrorf(cmd, "--expires-at %s: expected an RFC 3339 time in whole seconds, like 2026-01-02T03:04:05Z", projsecret.Quote(f.expiresAt))
			}
			t = parsed.UTC()
		}
		f.at = &t
	}
	if flags.Changed("expires-in") {
		f.hasAny = true
		d, err := time.ParseDuration(f.expiresIn)
		if err != nil || d <= 0 {
			return usageErrorf(cmd, "--expires-in %s: expected a positive Go duration, like 720h", projsecret.Quote(f.expiresIn))
		}
		f.in = d
	}
	if flags.Lookup("rotate-every") != nil && flags.Changed("rotate-every") {
		f.hasAny = true
		var d time.Duration
		if f.rotateEvery != "" || !f.clearable {
			var err error
			if d, err = projsecret.ParseRotateEvery(f.rotateEvery); err != nil {
				return flagError(cmd, "--rotate-every", err)
			}
		}
		f.every = &d
	}
	return nil
}

// apply puts the flags into m; --expires-in counts from now, the client's
// clock, at the time of the write.
func (f *expiryFlags) apply(m *store.MetaChange, now time.Time) {
	if f.at != nil {
		m.ExpiresAt = f.at
	}
	if f.in > 0 {
		t := projsecret.Timestamp(now.Add(f.in))
		m.ExpiresAt = &t
	}
	if f.every != nil {
		m.RotateEvery = f.every
	}
}

// expires is the EXPIRES cell: <none>, "in 29d", or "expired 3d ago".
func expires(now time.Time, m projsecret.EntryMeta) string {
	if s := m.ExpiryText(now); s != "" {
		return s
	}
	return "<none>"
}
