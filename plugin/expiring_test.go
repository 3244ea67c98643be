package plugin

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/internal/fixtures"
	corev1 "k8s.io/api/core/v1"
)

func expiringHarness(t *testing.T) *harness {
	expiresIn := func(s *corev1.Secret, key string, d time.Duration) {
		fixtures.EditEntry(key, func(m *projsecret.EntryMeta) { m.ExpiresAt = projsecret.Timestamp(now().Add(d)) })(s)
	}
	p := seeded(t, ns, "p", seedEntry{key: "SOON", value: "s3cr3t-1"}, seedEntry{key: "OLD", value: "s3cr3t-2"},
		seedEntry{key: "LATER", value: "s3cr3t-3"}, seedEntry{key: "NEVER", value: "s3cr3t-4"})
	expiresIn(p, "SOON", time.Hour)
	expiresIn(p, "OLD", -72*time.Hour)
	expiresIn(p, "LATER", 2160*time.Hour)
	quiet := seeded(t, ns, "quiet", seedEntry{key: "K", value: "s3cr3t-5"})
	other := seeded(t, "prod", "q", seedEntry{key: "K", value: "s3cr3t-6"})
	expiresIn(other, "K", -time.Hour)
	return newHarness(t, p, quiet, other)
}

func TestExpiring(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
	}{
		{"within a day", []string{"expiring", "p", "--within", "24h"}, 1, `PROJECT   KEY    EXPIRES-AT             EXPIRES          UPDATED-BY
p         OLD    2025-03-01T06:36:07Z   expired 3d ago   bob
p         SOON   2025-03-04T07:36:07Z   in 60m           bob
`},
		{"default 30 days, whole namespace", []string{"expiring", "--no-headers"}, 1, `p     OLD    2025-03-01T06:36:07Z   expired 3d ago   bob
p     SOON   2025-03-04T07:36:07Z   in 60m           bob
`},
		{"within 100 days", []string{"expiring", "p", "--within", "2400h", "-o", "jsonpath={range .items[*]}{.metadata.name}:{.expiresAt} {end}"}, 1,
			"OLD:2025-03-01T06:36:07Z SOON:2025-03-04T07:36:07Z LATER:2025-06-02T06:36:07Z "},
		{"a project with none", []string{"expiring", "quiet"}, 0, ""},
		{"every namespace", []string{"expiring", "-A", "--within", "0s"}, 1, `NAMESPACE   PROJECT   KEY   EXPIRES-AT             EXPIRES           UPDATED-BY
team-a      p         OLD   2025-03-01T06:36:07Z   expired 3d ago    bob
prod        q         K     2025-03-04T05:36:07Z   expired 60m ago   bob
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := expiringHarness(t).run(t, "", tt.args...)
			noValues(t, r)
			if r.code != tt.code || r.stdout != tt.stdout {
				t.Errorf("exit %d (want %d), stdout:\n%s\nwant:\n%s\nstderr %q", r.code, tt.code, r.stdout, tt.stdout, r.stderr)
			}
		})
	}
	t.Run("errors exit 2", func(t *testing.T) {
		h := expiringHarness(t)
		if r := h.run(t, "", "expiring", "nope"); r.code != 2 || !strings.Contains(r.stderr, "not found") {
			t.Errorf("missing project: exit %d, stderr %q", r.code, r.stderr)
		}
		if r := h.run(t, "", "expiring", "--within", "soon"); r.code != 2 {
			t.Errorf("bad --within: exit %d, stderr %q", r.code, r.stderr)
		}
	})
}

// TestExpiredValuesWarn: read, export and run warn once per expired key
// they use, and still succeed.
func TestExpiredValuesWarn(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args []string
		want int
	}{
		{[]string{"read", "p", "OLD"}, 1},
		{[]string{"read", "p", "SOON"}, 0},
		{[]string{"export", "p"}, 1},
		{[]string{"export", "p", "SOON", "LATER"}, 0},
		{[]string{"run", "p", "--", "true"}, 1},
	} {
		h := expiringHarness(t)
		h.run(t, "", tt.args...).ok(t)
		n := 0
		for _, w := range h.warnings {
			if strings.Contains(w, `project "p", key "OLD" expired 72h0m0s ago (expiresAt 2025-03-01T06:36:07Z): rotate it`) {
				n++
			}
		}
		if n != tt.want || len(h.warnings) != tt.want {
			t.Errorf("%v: warnings %q, want %d about OLD", tt.args, h.warnings, tt.want)
		}
	}
}

// TestProjectsCountsExpired: projects -o wide and -o json count the
// expired entries of each project.
func TestProjectsCountsExpired(t *testing.T) {
	t.Parallel()
	h := expiringHarness(t)
	r := h.run(t, "", "projects", "-A", "-o", "jsonpath={range .items[*]}{.metadata.name}:{.expired} {end}").ok(t)
	if r.stdout != "q:1 p:1 quiet:0 " && r.stdout != "p:1 quiet:0 q:1 " {
		t.Errorf("stdout %q", r.stdout)
	}
	r = h.run(t, "", "projects", "-o", "wide").ok(t)
	if !strings.Contains(r.stdout, "EXPIRED") || !regexp.MustCompile(`(?m)^p +4 +.* 1$`).MatchString(r.stdout) {
		t.Errorf("stdout:\n%s", r.stdout)
	}
}
