package plugin

import (
	"strings"
	"testing"
	"time"

	"github.com/projsecret/projsecret"
)

// TestExpiryFlags: the expiry flags of create, set, import and meta, as
// the entries annotation records them, and rotateEvery's effect on a
// new value.
func TestExpiryFlags(t *testing.T) {
	t.Parallel()
	stamp := func(d time.Duration) string { return projsecret.Timestamp(now().Add(d)).Format(time.RFC3339) }
	h := newHarness(t)
	h.run(t, "", "create", "p", "SOON", "--from-literal=s3cr3t-1", "--expires-in", "1h").ok(t)
	h.run(t, "", "create", "p", "OLD", "--from-literal=s3cr3t-2").ok(t)
	h.run(t, "", "meta", "p", "OLD", "--expires-at", "2020-01-01T00:00:00Z").ok(t)
	h.run(t, "", "create", "p", "LATER", "--from-literal=s3cr3t-3", "--expires-in", "2160h").ok(t)
	h.run(t, "", "create", "p", "NEVER", "--from-literal=s3cr3t-4").ok(t)
	want := map[string]string{"SOON": stamp(time.Hour), "OLD": "2020-01-01T00:00:00Z", "LATER": stamp(2160 * time.Hour), "NEVER": ""}
	for key, at := range want {
		e := h.entry(t, "p", key)
		got := ""
		if !e.ExpiresAt.IsZero() {
			got = e.ExpiresAt.Format(time.RFC3339)
		}
		if got != at {
			t.Errorf("%s: expiresAt %q, want %q", key, got, at)
		}
	}
	if a := h.secret(t, "p").Annotations[projsecret.AnnotationEntries]; strings.Count(a, `"expiresAt"`) != 3 || !strings.Contains(a, `"expiresAt":"2020-01-01T00:00:00Z"`) {
		t.Errorf("annotation %s", a)
	}
	r := h.run(t, "", "get", "p").ok(t)
	for _, line := range []string{"OLD ", "expired ", "NEVER", "<none>", "in 60m", "in 90d"} {
		if !strings.Contains(r.stdout, line) {
			t.Errorf("get lacks %q:\n%s", line, r.stdout)
		}
	}

	h.run(t, "", "meta", "p", "NEVER", "--rotate-every", "720h").ok(t)
	if e := h.entry(t, "p", "NEVER"); e.RotateEvery != 720*time.Hour || !e.ExpiresAt.IsZero() {
		t.Errorf("meta --rotate-every: %+v", e.EntryMeta)
	}
	h.run(t, "", "set", "p", "NEVER", "--from-literal=s3cr3t-5").ok(t)
	if e := h.entry(t, "p", "NEVER"); e.ExpiresAt.Format(time.RFC3339) != stamp(720*time.Hour) {
		t.Errorf("after set, expiresAt %v, want %s", e.ExpiresAt, stamp(720*time.Hour))
	}
	r = h.run(t, "", "get", "p", "NEVER", "-o", "jsonpath={.expiresAt} {.rotateEvery}").ok(t)
	if r.stdout != stamp(720*time.Hour)+" 720h" {
		t.Errorf("get -o jsonpath: %q", r.stdout)
	}
	h.run(t, "", "meta", "p", "NEVER", "--rotate-every", "", "--expires-at", "").ok(t)
	if e := h.entry(t, "p", "NEVER"); e.RotateEvery != 0 || !e.ExpiresAt.IsZero() {
		t.Errorf("meta clearing: %+v", e.EntryMeta)
	}
	h.run(t, "", "set", "p", "SOON", "--from-literal=s3cr3t-6", "--expires-at", "2030-01-01T00:00:00+01:00").ok(t)
	if e := h.entry(t, "p", "SOON"); e.ExpiresAt.Format(time.RFC3339) != "2029-12-31T23:00:00Z" {
		t.Errorf("set --expires-at: %v", e.ExpiresAt)
	}

	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"meta", "p", "OLD", "--rotate-every", "30m"}, "--rotate-every: rotateEvery 30m is out of range"},
		{[]string{"meta", "p", "OLD", "--rotate-every", "monthly"}, `rotateEvery "monthly" is not a Go duration`},
		{[]string{"meta", "p", "OLD", "--expires-at", "tomorrow"}, `--expires-at "tomorrow": expected an RFC 3339 time`},
		{[]string{"meta", "p", "OLD", "--expires-at", "2030-01-01T00:00:00.5Z"}, "in whole seconds"},
		{[]string{"meta", "p", "OLD", "--expires-in", "-1h"}, "expected a positive Go duration"},
		{[]string{"meta", "p", "OLD", "--expires-in", "1h", "--expires-at", "2030-01-01T00:00:00Z"}, "expected one of them"},
		{[]string{"create", "p", "X", "--from-literal=v", "--expires-at", ""}, `--expires-at "": expected an RFC 3339 time`},
	} {
		h.run(t, "", tt.args...).fails(t, tt.want)
	}
}
