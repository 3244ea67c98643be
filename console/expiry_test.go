package console

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/projsecret/projsecret/store"
)

// TestExpiry: pages show an entry's expiry as get's EXPIRES column does,
// expired ones marked, and its rotation period; the forms set and clear
// both, refusing what meta and create refuse.
func TestExpiry(t *testing.T) {
	t.Parallel()
	// The client's clock is 2025-03-05T00:00:00Z.
	now := time.Date(2025, 3, 5, 0, 0, 0, 0, time.UTC)
	h := newHarness(t, seeded(t, "payments", "", "OLD", "FRESH", "NONE"))
	base := "/ns/" + ns + "/p/payments/"
	past := time.Date(2025, 3, 2, 0, 0, 0, 0, time.UTC)
	every := 720 * time.Hour
	if err := h.client.UpdateMeta(context.Background(), "payments", "OLD", store.MetaChange{ExpiresAt: &past, RotateEvery: &every}); err != nil {
		t.Fatal(err)
	}
	soon := now.Add(29 * 24 * time.Hour)
	if err := h.client.UpdateMeta(context.Background(), "payments", "FRESH", store.MetaChange{ExpiresAt: &soon}); err != nil {
		t.Fatal(err)
	}

	body := h.get(base).Body.String()
	for _, want := range []string{
		`<td class="exp"><time datetime="2025-03-02T00:00:00Z" class="expired">expired 3d ago</time> <span class="muted">· every 720h</span></tr>`,
		`<td class="exp"><time datetime="2025-04-03T00:00:00Z">in 29d</time></tr>`,
		`<td class="exp"></tr>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the project page lacks %s", want)
		}
	}
	body = h.get(base + "e/OLD").Body.String()
	for _, want := range []string{"expired 3d ago", "rotated every 720h", `name="expires_at" value="2025-03-02T00:00:00Z"`, `name="rotate_every_before" value="720h"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the entry page lacks %s", want)
		}
	}
	if body := h.get(base + "e/NONE").Body.String(); !strings.Contains(body, "no expiry") {
		t.Error("the entry page of an entry without expiry does not say so")
	}

	meta := func(key string, fields map[string]string) (int, string) {
		t.Helper()
		rec := h.post(base+"e/"+key+"/meta", fields, nil)
		if rec.Code == http.StatusOK {
			return rec.Code, ""
		}
		return rec.Code, errorOf(t, rec)
	}
	// expires in counts from the client's clock.
	if code, msg := meta("NONE", map[string]string{"expires_at": "", "expires_at_before": "", "expires_in": "1h"}); code != http.StatusOK {
		t.Fatalf("expires in: %d %s", code, msg)
	}
	if m, _, _ := h.stored("payments", "NONE"); !m.ExpiresAt.Equal(now.Add(time.Hour)) || m.Description == "" {
		t.Errorf("after expires in 1h: expiresAt %v, description %q (want it kept)", m.ExpiresAt, m.Description)
	}
	// A time in another zone is stored in UTC.
	if code, msg := meta("NONE", map[string]string{"expires_at": "2020-01-01T01:00:00+01:00", "expires_at_before": "2025-03-05T01:00:00Z"}); code != http.StatusOK {
		t.Fatalf("expires at: %d %s", code, msg)
	}
	if m, _, _ := h.stored("payments", "NONE"); m.ExpiresAt.Format(time.RFC3339) != "2020-01-01T00:00:00Z" {
		t.Errorf("after expires at: %v", m.ExpiresAt)
	}
	// Fields left as shown change nothing; cleared ones clear.
	if code, msg := meta("OLD", map[string]string{"expires_at": "2025-03-02T00:00:00Z", "expires_at_before": "2025-03-02T00:00:00Z", "rotate_every": "720h", "rotate_every_before": "720h", "description": "kept"}); code != http.StatusOK {
		t.Fatalf("unchanged: %d %s", code, msg)
	}
	if m, _, _ := h.stored("payments", "OLD"); !m.ExpiresAt.Equal(past) || m.RotateEvery != every || m.Description != "kept" {
		t.Errorf("a form left as shown changed the expiry: %+v", m)
	}
	if code, msg := meta("OLD", map[string]string{"expires_at": "", "expires_at_before": "2025-03-02T00:00:00Z", "rotate_every": "", "rotate_every_before": "720h"}); code != http.StatusOK {
		t.Fatalf("clearing: %d %s", code, msg)
	}
	if m, _, _ := h.stored("payments", "OLD"); !m.ExpiresAt.IsZero() || m.RotateEvery != 0 {
		t.Errorf("after clearing: expiresAt %v, rotateEvery %v", m.ExpiresAt, m.RotateEvery)
	}

	for _, tc := range []struct {
		fields map[string]string
		want   string
	}{
		{map[string]string{"expires_at": "2026-01-02", "expires_at_before": ""}, "expected an RFC 3339 time in whole seconds"},
		{map[string]string{"expires_at": "2026-01-02T03:04:05.5Z", "expires_at_before": ""}, "expected an RFC 3339 time in whole seconds"},
		{map[string]string{"expires_in": "-1h"}, "expected a positive Go duration"},
		{map[string]string{"expires_in": "30 days"}, "expected a positive Go duration"},
		{map[string]string{"expires_at": "2026-01-02T03:04:05Z", "expires_in": "1h"}, "expected one of them"},
		{map[string]string{"rotate_every": "30m"}, "out of range: expected from 1h"},
		{map[string]string{"rotate_every": "monthly"}, "is not a Go duration"},
	} {
		before, _, _ := h.stored("payments", "FRESH")
		if code, msg := meta("FRESH", tc.fields); code != http.StatusBadRequest || !strings.Contains(msg, tc.want) {
			t.Errorf("%v: status %d, %q; want 400 with %q", tc.fields, code, msg, tc.want)
		}
		if after, _, _ := h.stored("payments", "FRESH"); !after.ExpiresAt.Equal(before.ExpiresAt) || after.RotateEvery != before.RotateEvery {
			t.Errorf("%v: a refused form changed the expiry", tc.fields)
		}
	}

	// Creating takes them too; rotateEvery stamps the first value's expiry.
	rec := h.post(base+"entries", map[string]string{"key": "NEW", "value": "v", "rotate_every": "2160h"}, nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	if m, _, _ := h.stored("payments", "NEW"); m.RotateEvery != 2160*time.Hour || !m.ExpiresAt.Equal(now.Add(2160*time.Hour)) {
		t.Errorf("created with rotate every 2160h: %+v", m)
	}
	rec = h.post(base+"entries", map[string]string{"key": "NEW2", "value": "v", "expires_in": "soon"}, nil)
	if rec.Code != http.StatusBadRequest {
		t.Errorf("create with a bad expires in: %d", rec.Code)
	}
	if _, _, ok := h.stored("payments", "NEW2"); ok {
		t.Error("a create with a bad expiry was written")
	}
}
