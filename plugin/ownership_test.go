package plugin

import (
	"strings"
	"testing"

	"github.com/projsecret/projsecret"
)

func TestCreateOwners(t *testing.T) {
	t.Parallel()
	t.Run("owned by the creator", func(t *testing.T) {
		h := newHarness(t)
		r := h.run(t, "", "create", "web", "K", "--from-literal=v").ok(t)
		if got := h.secret(t, "web").Annotations[projsecret.AnnotationOwners]; got != "user:alice" {
			t.Errorf("owners %q", got)
		}
		if !strings.Contains(r.stdout, `project "web": created, owned by user:alice; to add a team: kubectl projsecret owners web user:alice group:TEAM`) {
			t.Errorf("stdout %q", r.stdout)
		}
		// A second entry creates no project: no ownership line.
		r = h.run(t, "", "create", "web", "L", "--from-literal=v").ok(t)
		if r.stdout != "project \"web\", key \"L\": created\n" {
			t.Errorf("second create: stdout %q", r.stdout)
		}
	})
	t.Run("owned by --owner", func(t *testing.T) {
		h := newHarness(t)
		r := h.run(t, "", "create", "web", "K", "--from-literal=v", "--owner", "user:alice", "--owner=group:web-team").ok(t)
		if got := h.secret(t, "web").Annotations[projsecret.AnnotationOwners]; got != "user:alice,group:web-team" {
			t.Errorf("owners %q", got)
		}
		if !strings.Contains(r.stdout, "owned by user:alice,group:web-team; to add a team: kubectl projsecret owners web user:alice group:web-team group:TEAM") {
			t.Errorf("stdout %q", r.stdout)
		}
	})
	t.Run("set --create --owner", func(t *testing.T) {
		h := newHarness(t)
		h.run(t, "", "set", "web", "K", "--from-literal=v", "--create", "--owner", "group:ops").ok(t)
		if got := h.secret(t, "web").Annotations[projsecret.AnnotationOwners]; got != "group:ops" {
			t.Errorf("owners %q", got)
		}
	})
	t.Run("set --owner without --create", func(t *testing.T) {
		newHarness(t).run(t, "", "set", "web", "K", "--from-literal=v", "--owner", "group:ops").fails(t, "--owner names the owners of a project that --create creates")
	})
	for _, bad := range []string{"alice", "role:x", "user:a,user:b", "user:mal\x1b[2Jlory"} {
		t.Run("invalid --owner "+bad, func(t *testing.T) {
			h := newHarness(t)
			r := h.run(t, "", "create", "web", "K", "--from-literal=v", "--owner", bad)
			r.fails(t, "--owner ")
			if strings.ContainsRune(r.stderr, '\x1b') {
				t.Errorf("stderr holds a raw escape: %q", r.stderr)
			}
			if len(h.cs.Actions()) != 0 {
				t.Errorf("requests sent for an invalid flag: %v", h.cs.Actions())
			}
		})
	}
	t.Run("existing key keeps its key in the error", func(t *testing.T) {
		h := newHarness(t, seeded(t, ns, "web", seedEntry{key: "K", value: "1"}))
		h.run(t, "", "create", "web", "K", "--from-literal=v").fails(t, `error: project "web", key "K": already exists`)
	})
}

func TestOwnersShowIsOneGet(t *testing.T) {
	t.Parallel()
	h := projectsHarness(t)
	h.cs.ClearActions()
	r := h.run(t, "", "owners", "web").ok(t)
	if r.stdout != "user:alice\ngroup:web-team\n" {
		t.Errorf("stdout %q", r.stdout)
	}
	if a := h.cs.Actions(); len(a) != 1 || a[0].GetVerb() != "get" {
		t.Errorf("requests %v, want one GET", a)
	}
}

func TestProjectsSkipsMismatchedSecrets(t *testing.T) {
	t.Parallel()
	odd := seeded(t, ns, "payments", seedEntry{key: "A", value: "1"})
	odd.Name = projsecret.SecretName("aaa")
	h := newHarness(t, odd, seeded(t, ns, "web"))
	r := h.run(t, "", "projects", "--no-headers").ok(t)
	if strings.Contains(r.stdout, "payments") || !strings.Contains(r.stdout, "web") {
		t.Errorf("stdout %q", r.stdout)
	}
	if len(h.warnings) != 1 || !strings.Contains(h.warnings[0], ns+"/proj-secrets-aaa") {
		t.Errorf("warnings %q", h.warnings)
	}
	h.run(t, "", "owners", "payments").fails(t, `project "payments": not found`)
	h.run(t, "", "get", "aaa").fails(t, `its projsecret.io/project label says "payments"`)
	// Completion stays quiet and offers only the real project.
	h.warnings = nil
	if r := h.run(t, "", "__complete", "get", "").ok(t); r.stdout != "web\n:4\n" || len(h.warnings) != 0 {
		t.Errorf("completion %q, warnings %q", r.stdout, h.warnings)
	}
}

// TestOutputEscapesControlCharacters: text written around the contract
// (the webhook may not run everywhere) cannot drive the reader's terminal.
func TestOutputEscapesControlCharacters(t *testing.T) {
	t.Parallel()
	// The contract refuses control characters in descriptions, not a
	// bidirectional override (a format character), nor in user names.
	hostile := seeded(t, ns, "web", seedEntry{key: "A", value: "1", description: "ok \u202eevil"})
	hostile.Annotations[projsecret.AnnotationOwners] = "user:alice,group:x\x1b[2J"
	entries, err := projsecret.ParseEntries(hostile.Annotations[projsecret.AnnotationEntries])
	if err != nil {
		t.Fatal(err)
	}
	m := entries["A"]
	m.UpdatedBy = "bob\x1b]0;pwned\x07"
	entries["A"] = m
	if hostile.Annotations[projsecret.AnnotationEntries], err = entries.Encode(); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, hostile)
	for _, args := range [][]string{
		{"get", "web"},
		{"get", "web", "-o", "wide"},
		{"projects"},
		{"__complete", "read", "web", ""},
		{"owners", "web"},
		{"get", "we\x1b[2Jb"},
	} {
		r := h.run(t, "", args...)
		out := r.stdout + r.stderr
		if strings.ContainsAny(out, "\x1b\x07\u202e") {
			t.Errorf("%q prints a raw control character: %q", args, out)
		}
	}
	if r := h.run(t, "", "get", "web").ok(t); !strings.Contains(r.stdout, `ok \u202eevil`) || !strings.Contains(r.stdout, `bob\x1b]0;pwned\a`) {
		t.Errorf("get does not show the escaped description: %q", r.stdout)
	}
	if r := h.run(t, "", "projects").ok(t); !strings.Contains(r.stdout, `group:x\x1b[2J`) {
		t.Errorf("projects does not show the escaped owners: %q", r.stdout)
	}
}
