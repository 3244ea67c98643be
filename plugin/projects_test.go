package plugin

import (
	"testing"
)

func projectsHarness(t *testing.T) *harness {
	owned := seeded(t, ns, "web", seedEntry{key: "A", value: "1"}, seedEntry{key: "B", value: "2"})
	owned.Annotations["projsecret.io/owners"] = "user:alice,group:web-team"
	return newHarness(t,
		owned,
		seeded(t, ns, "api", seedEntry{key: "A", value: "1"}),
		seeded(t, "team-b", "batch"),
	)
}

func TestProjects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "namespace", args: []string{"projects"}, want: `PROJECT   ENTRIES   OWNERS                      AGE
api       1         <none>                      3d1h
web       2         user:alice,group:web-team   3d1h
`},
		{name: "all namespaces", args: []string{"projects", "-A"}, want: `NAMESPACE   PROJECT   ENTRIES   OWNERS                      AGE
team-a      api       1         <none>                      3d1h
team-a      web       2         user:alice,group:web-team   3d1h
team-b      batch     0         <none>                      3d1h
`},
		{name: "name", args: []string{"projects", "-A", "-o", "name"}, want: "project.projsecret.io/api\nproject.projsecret.io/web\nproject.projsecret.io/batch\n"},
		{name: "jsonpath", args: []string{"projects", "-o", "jsonpath={range .items[*]}{.metadata.name}:{.entries}:{.owners} {end}"}, want: "api:1: web:2:user:alice,group:web-team "},
		{name: "custom-columns", args: []string{"projects", "-A", "-o", "custom-columns=NS:.metadata.namespace,P:.metadata.name", "--no-headers"}, want: "team-a   api\nteam-a   web\nteam-b   batch\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := projectsHarness(t).run(t, "", tt.args...).ok(t)
			if r.stdout != tt.want {
				t.Errorf("stdout:\n%s\nwant:\n%s", r.stdout, tt.want)
			}
		})
	}
}

func TestProjectsEmpty(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	r := h.run(t, "", "projects").ok(t)
	if r.stdout != "" || r.stderr != "No projects found in namespace \"team-a\".\n" {
		t.Errorf("stdout %q, stderr %q", r.stdout, r.stderr)
	}
	r = h.run(t, "", "projects", "-A").ok(t)
	if r.stderr != "No projects found.\n" {
		t.Errorf("stderr %q", r.stderr)
	}
}

func TestOwners(t *testing.T) {
	t.Parallel()
	t.Run("show", func(t *testing.T) {
		r := projectsHarness(t).run(t, "", "owners", "web").ok(t)
		if r.stdout != "user:alice\ngroup:web-team\n" {
			t.Errorf("stdout %q", r.stdout)
		}
	})
	t.Run("show none", func(t *testing.T) {
		r := projectsHarness(t).run(t, "", "owners", "api").ok(t)
		if r.stdout != "" || r.stderr != "project \"api\" has no owners: whoever RBAC lets write its Secret may change it, and only an admin may give it owners or delete it\n" {
			t.Errorf("stdout %q, stderr %q", r.stdout, r.stderr)
		}
	})
	t.Run("show missing", func(t *testing.T) {
		projectsHarness(t).run(t, "", "owners", "nope").fails(t, `error: project "nope": not found in namespace "team-a"`)
	})
	t.Run("set", func(t *testing.T) {
		h := projectsHarness(t)
		r := h.run(t, "", "owners", "api", "user:bob", "group:ops").ok(t)
		if r.stdout != "project \"api\": owners set to user:bob,group:ops\n" {
			t.Errorf("stdout %q", r.stdout)
		}
		if got := h.secret(t, "api").Annotations["projsecret.io/owners"]; got != "user:bob,group:ops" {
			t.Errorf("annotation %q", got)
		}
	})
	t.Run("clear", func(t *testing.T) {
		h := projectsHarness(t)
		h.run(t, "", "owners", "web", "--clear").ok(t)
		if got, ok := h.secret(t, "web").Annotations["projsecret.io/owners"]; ok {
			t.Errorf("annotation still there: %q", got)
		}
	})
	t.Run("set on a missing project", func(t *testing.T) {
		projectsHarness(t).run(t, "", "owners", "nope", "user:bob").fails(t, `error: project "nope": not found in namespace "team-a"`)
	})
}

func TestProjectsMetadataOnly(t *testing.T) {
	t.Parallel()
	h := crossHarness(t)
	h.cs.Tracker().Add(dhcoreSecret("proj-secrets-legacy", map[string]string{"k": valA}))
	h.cs.Tracker().Add(dhcoreSecret("unrelated", map[string]string{"k": valA}))
	r := h.run(t, "", "projects", "--unmanaged").ok(t)
	want := `PROJECT   ENTRIES     OWNERS   AGE    STATUS
dev       2           <none>   3d1h   managed
legacy    <unknown>   <none>   25h    unmanaged
staging   2           <none>   3d1h   managed
`
	if r.stdout != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", r.stdout, want)
	}
	r = h.run(t, "", "projects", "--unmanaged", "-o", "jsonpath={range .items[*]}{.metadata.name}:{.unmanaged}:{.entries} {end}").ok(t)
	if r.stdout != "dev::2 legacy:true: staging::2 " {
		t.Errorf("jsonpath %q", r.stdout)
	}
	var lists int
	for _, a := range h.md.Actions() {
		if a.GetVerb() == "list" {
			lists++
		}
	}
	if lists != 4 {
		t.Errorf("%d metadata LISTs, want 4 (two per projects --unmanaged)", lists)
	}
}
