package plugin

import (
	"strings"
	"testing"

	"github.com/projsecret/projsecret"
)

// TestFlagViolations: a flag value the contract refuses is a usage error
// that names the flag and carries the contract's own message, word for
// word, in every command that takes the flag, before any client is built
// or value read.
func TestFlagViolations(t *testing.T) {
	t.Parallel()
	longDescription := strings.Repeat("d", projsecret.MaxDescriptionLength+1)
	descriptionRule := projsecret.ValidateDescription(longDescription)
	labelRule := projsecret.ValidateLabel("env", "bad value")
	projectRule := projsecret.ValidateProjectName("Q")
	if descriptionRule == nil || labelRule == nil || projectRule == nil {
		t.Fatal("the contract accepts the values this test needs it to refuse")
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"create description", []string{"create", "p", "k", "--stdin", "--description", longDescription}, "--description: " + descriptionRule.Error()},
		{"import description", []string{"import", "p", "-f", "x.env", "--description", longDescription}, "--description: " + descriptionRule.Error()},
		{"meta description", []string{"meta", "p", "k", "--description", longDescription}, "--description: " + descriptionRule.Error()},
		{"create label", []string{"create", "p", "k", "--stdin", "--label", "env=bad value"}, `--label "env=bad value": ` + labelRule.Error()},
		{"import label", []string{"import", "p", "-f", "x.env", "--label", "env=bad value"}, `--label "env=bad value": ` + labelRule.Error()},
		{"meta label", []string{"meta", "p", "k", "--label", "env=bad value"}, `--label "env=bad value": ` + labelRule.Error()},
		{"meta label removal", []string{"meta", "p", "k", "--label", "bad key-"}, `--label "bad key-": ` + projsecret.ValidateLabel("bad key", "").Error()},
		{"copy destination", []string{"copy", "p", "k", "--to", "Q"}, "--to: " + projectRule.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.run(t, "value", tt.args...).fails(t, "error: "+tt.want+" (see 'kubectl projsecret "+tt.args[0]+" --help')")
			if h.clientCalls != 0 {
				t.Errorf("a usage error built a client")
			}
		})
	}
}

// TestValueWriteSemantics: create and set write through one
// implementation and keep their own rules about the key's current state.
func TestValueWriteSemantics(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		exists  bool
		want    string // stdout's first line, or the error
		fails   bool
		created bool // the project did not exist and now does
	}{
		{name: "create new key", args: []string{"create", "web", "NEW", "--stdin"}, exists: true, want: `project "web", key "NEW": created`},
		{name: "create existing key", args: []string{"create", "web", "K", "--stdin"}, exists: true, fails: true, want: `error: project "web", key "K": already exists`},
		{name: "create new project", args: []string{"create", "web", "K", "--stdin"}, want: `project "web", key "K": created`, created: true},
		{name: "set existing key", args: []string{"set", "web", "K", "--stdin"}, exists: true, want: `project "web", key "K": value set`},
		{name: "set missing key", args: []string{"set", "web", "NEW", "--stdin"}, exists: true, fails: true, want: `error: project "web", key "NEW": not found (use create, or set --create)`},
		{name: "set missing project", args: []string{"set", "web", "K", "--stdin"}, fails: true, want: `error: project "web", key "K": not found (use create, or set --create)`},
		{name: "set --create missing key", args: []string{"set", "web", "NEW", "--stdin", "--create"}, exists: true, want: `project "web", key "NEW": value set`},
		{name: "set --create new project", args: []string{"set", "web", "K", "--stdin", "--create"}, want: `project "web", key "K": value set`, created: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h *harness
			if tt.exists {
				h = newHarness(t, seeded(t, ns, "web", seedEntry{key: "K", value: "old"}))
			} else {
				h = newHarness(t)
			}
			r := h.run(t, "new", tt.args...)
			if tt.fails {
				r.fails(t, tt.want)
				if tt.exists && string(h.value(t, "web", "K")) != "old" {
					t.Errorf("a refused write changed the stored value of K")
				}
				return
			}
			r.ok(t)
			lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
			if lines[0] != tt.want {
				t.Errorf("stdout's first line %q, want %q", lines[0], tt.want)
			}
			if reported := len(lines) > 1 && strings.Contains(lines[1], "created, owned by"); reported != tt.created {
				t.Errorf("project creation reported: %v, want %v", reported, tt.created)
			}
			key := tt.args[2]
			if got := h.value(t, "web", key); string(got) != "new" {
				t.Errorf("stored value of %s has %d bytes, want the 3 written", key, len(got))
			}
		})
	}
}
