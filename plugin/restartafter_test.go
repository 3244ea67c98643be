package plugin

import (
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	k8stesting "k8s.io/client-go/testing"
)

// restartedKeys is which workloads of restartHarness a change of each key
// restarts.
var restartedFor = map[string][]string{
	"A":  {"Deployment/all", "Deployment/env-a", "Deployment/vol-a", "StatefulSet/db"},
	"B":  {"DaemonSet/agent", "Deployment/all", "Deployment/env-b"},
	"AB": {"DaemonSet/agent", "Deployment/all", "Deployment/env-a", "Deployment/env-b", "Deployment/vol-a", "StatefulSet/db"},
}

func restartedNames(t *testing.T, h *harness) []string {
	t.Helper()
	return slices.Sorted(maps.Keys(restartedAt(t, h)))
}

func TestRestartAfterWrite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	bChanged := file("b.env", "A="+valA+"\nB="+valB2+"\n")
	tests := []struct {
		name  string
		stdin string
		args  []string
		want  []string
	}{
		{"set A", "s3cr3t-new", []string{"set", "dev", "A", "--restart", "--stdin"}, restartedFor["A"]},
		{"set B", "s3cr3t-new", []string{"set", "dev", "B", "--restart", "--stdin"}, restartedFor["B"]},
		{"set A to its own value", valA, []string{"set", "dev", "A", "--restart", "--stdin"}, nil},
		{"set A without --restart", "s3cr3t-new", []string{"set", "dev", "A", "--stdin"}, nil},
		{"import: only B's value changed", "", []string{"import", "dev", "-f", bChanged, "--overwrite", "--restart"}, restartedFor["B"]},
		{"import --dry-run lists only", "", []string{"import", "dev", "-f", bChanged, "--overwrite", "--restart", "--dry-run"}, nil},
		{"copy into dev", "", []string{"copy", "src", "A", "B", "--to", "dev", "--overwrite", "--restart"}, restartedFor["A"]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := restartHarness(t, seeded(t, ns, "src", seedEntry{key: "A", value: "s3cr3t-src"}, seedEntry{key: "B", value: valB}))
			r := h.run(t, tt.stdin, tt.args...).ok(t)
			noValues(t, r)
			if got := restartedNames(t, h); !slices.Equal(got, tt.want) {
				t.Errorf("restarted %v, want %v\nstdout %s\nstderr %s", got, tt.want, r.stdout, r.stderr)
			}
			for _, p := range patches(h) {
				if !strings.HasPrefix(p, "deployments/") && !strings.HasPrefix(p, "statefulsets/") && !strings.HasPrefix(p, "daemonsets/") {
					t.Errorf("patched %s", p)
				}
			}
		})
	}
	t.Run("import --dry-run says what it would restart", func(t *testing.T) {
		h := restartHarness(t)
		r := h.run(t, "", "import", "dev", "-f", bChanged, "--overwrite", "--restart", "--dry-run").ok(t)
		if !regexp.MustCompile(`(?m)^Deployment +env-b +B +env +would restart$`).MatchString(r.stdout) || strings.Contains(r.stdout, "env-a") || len(patches(h)) != 0 {
			t.Errorf("stdout %s", r.stdout)
		}
	})
	t.Run("no value changed", func(t *testing.T) {
		r := restartHarness(t).run(t, valA, "set", "dev", "A", "--restart", "--stdin").ok(t)
		if !strings.Contains(r.stderr, "No value changed: nothing to restart.") {
			t.Errorf("stderr %q", r.stderr)
		}
	})
	t.Run("a failed restart keeps the write", func(t *testing.T) {
		h := restartHarness(t)
		h.cs.PrependReactor("patch", "statefulsets", func(k8stesting.Action) (bool, runtime.Object, error) {
			return true, nil, apierrors.NewForbidden(schema.GroupResource{Group: "apps", Resource: "statefulsets"}, "db", nil)
		})
		r := h.run(t, "s3cr3t-new", "set", "dev", "A", "--restart", "--stdin")
		if r.code != 1 || !strings.Contains(r.stderr, "the write succeeded, but 1 of 4 restarts failed") {
			t.Errorf("exit %d, stderr %q", r.code, r.stderr)
		}
		if !strings.HasPrefix(r.stdout, `project "dev", key "A": value set`) {
			t.Errorf("stdout %q", r.stdout)
		}
		if string(h.value(t, "dev", "A")) != "s3cr3t-new" {
			t.Error("the value was not kept")
		}
	})
}

// TestEditRestart: edit --restart restarts the readers of the keys whose
// value the edit changed, and nobody for a description change.
func TestEditRestart(t *testing.T) {
	t.Run("value of B", func(t *testing.T) {
		h := restartHarness(t)
		editor(t, `sed -i 's/`+valB+`/`+valB2+`/' "$1"`+"\n")
		h.run(t, "", "edit", "dev", "--restart").ok(t)
		if got := restartedNames(t, h); !slices.Equal(got, restartedFor["B"]) {
			t.Errorf("restarted %v", got)
		}
	})
	t.Run("description only", func(t *testing.T) {
		h := restartHarness(t)
		editor(t, `sed -i 's/description: .*/description: changed/' "$1"`+"\n")
		r := h.run(t, "", "edit", "dev", "--restart").ok(t)
		if got := restartedNames(t, h); len(got) != 0 || !strings.Contains(r.stderr, "No value changed") {
			t.Errorf("restarted %v, stdout %q, stderr %q", got, r.stdout, r.stderr)
		}
	})
}

// rollback and undelete take --restart as the other value-changing
// commands do: the readers of exactly the keys whose value they restored.
func TestRestartAfterHistoryWrites(t *testing.T) {
	t.Parallel()
	t.Run("rollback", func(t *testing.T) {
		h := restartHarness(t)
		h.run(t, "s3cr3t-x", "set", "dev", "A", "--stdin").ok(t)
		h.run(t, "s3cr3t-y", "set", "dev", "A", "--stdin").ok(t)
		if got := restartedNames(t, h); len(got) != 0 {
			t.Fatalf("sets without --restart restarted %v", got)
		}
		r := h.run(t, "", "rollback", "dev", "A", "--to-revision", "1", "--restart").ok(t)
		noValues(t, r)
		if got := restartedNames(t, h); !slices.Equal(got, restartedFor["A"]) {
			t.Errorf("restarted %v, want %v\nstdout %s\nstderr %s", got, restartedFor["A"], r.stdout, r.stderr)
		}
	})
	t.Run("rollback to the value there is", func(t *testing.T) {
		h := restartHarness(t)
		h.run(t, "s3cr3t-x", "set", "dev", "A", "--stdin").ok(t)
		r := h.run(t, "", "rollback", "dev", "A", "--to-revision", "1", "--restart").ok(t)
		if got := restartedNames(t, h); len(got) != 0 || !strings.Contains(r.stderr, "No value changed: nothing to restart.") {
			t.Errorf("restarted %v\nstderr %s", got, r.stderr)
		}
	})
	t.Run("undelete", func(t *testing.T) {
		h := restartHarness(t)
		h.run(t, "", "delete", "dev", "B").ok(t)
		r := h.run(t, "", "undelete", "dev", "B", "--restart").ok(t)
		noValues(t, r)
		if got := restartedNames(t, h); !slices.Equal(got, restartedFor["B"]) {
			t.Errorf("restarted %v, want %v\nstdout %s\nstderr %s", got, restartedFor["B"], r.stdout, r.stderr)
		}
	})
}
