package console

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/store"
)

// expiryChange reads a form's expiry fields into change, as create and
// meta read --expires-at, --expires-in and --rotate-every:
//   - expires_at: an RFC 3339 time in whole seconds; empty clears it;
//   - expires_in: a positive Go duration, counted from now;
//   - rotate_every: a Go duration of at least an hour; empty clears it.
//
// Forms that edit an entry also send what the page showed
// (expires_at_before, rotate_every_before): a field left as shown changes
// nothing, so that saving the form does not undo another writer's change
// made since, as labels_before does for labels.
func expiryChange(r *http.Request, now time.Time, change *store.MetaChange) error {
	at := strings.TrimSpace(r.FormValue("expires_at"))
	atChanged := at != strings.TrimSpace(r.FormValue("expires_at_before"))
	in := strings.TrimSpace(r.FormValue("expires_in"))
	switch {
	case in != "" && atChanged:
		return errors.New("expires at and expires in both set the expiry: expected one of them")
	case in != "":
		d, err := time.ParseDuration(in)
		if err != nil || d <= 0 {
			return fmt.Errorf("expires in %s: expected a positive Go duration, like 720h", projsecret.Quote(in))
		}
		t := projsecret.Timestamp(now.Add(d))
		change.ExpiresAt = &t
	case atChanged:
		var t time.Time
		if at != "" {
			parsed, err := time.Parse(time.RFC3339, at)
			if err != nil || parsed.Nanosecond() != 0 {
				return fmt.Errorf("expires at %s: expected an RFC 3339 time in whole seconds, like 2026-01-02T03:04:05Z, or nothing to clear it", projsecret.Quote(at))
			}
			t = parsed.UTC()
		}
		change.ExpiresAt = &t
	}
	every := strings.TrimSpace(r.FormValue("rotate_every"))
	if every != strings.TrimSpace(r.FormValue("rotate_every_before")) {
		var d time.Duration
		if every != "" {
			var err error
			if d, err = projsecret.ParseRotateEvery(every); err != nil {
				return err
			}
		}
		change.RotateEvery = &d
	}
	return nil
}

// expiryCells fills an entry row's expiry: the relative time the plugin's
// EXPIRES column shows, whether it has passed, and the stored forms.
func expiryCells(r *entryRow, e store.Entry, now time.Time) {
	if !e.ExpiresAt.IsZero() {
		r.ExpiresISO = e.ExpiresAt.UTC().Format(time.RFC3339)
		r.ExpiresText = e.ExpiryText(now)
		r.Expired = e.Expired(now)
	}
	if e.RotateEvery > 0 {
		r.RotateEvery = projsecret.FormatRotateEvery(e.RotateEvery)
	}
}
