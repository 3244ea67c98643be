package plugin

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/projsecret/projsecret"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	k8stesting "k8s.io/client-go/testing"
)

// TestValuesNeverPrinted runs every command but read, on success and error
// paths, with a stored value and a value being written, and checks that
// neither appears in stdout or stderr.
func TestValuesNeverPrinted(t *testing.T) {
	t.Parallel()
	const stored = "STORED-s3cr3t-7f1c"
	const written = "WRITTEN-s3cr3t-9a2e"
	file := filepath.Join(t.TempDir(), "value")
	if err := os.WriteFile(file, []byte(written), 0o600); err != nil {
		t.Fatal(err)
	}
	denied := func(verb string) func(*harness) {
		return func(h *harness) {
			h.cs.PrependReactor(verb, "secrets", func(k8stesting.Action) (bool, runtime.Object, error) {
				return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "secrets"}, "proj-secrets-web", errorString("denied"))
			})
		}
	}
	conflict := func(h *harness) {
		h.cs.PrependReactor("update", "secrets", func(k8stesting.Action) (bool, runtime.Object, error) {
			return true, nil, apierrors.NewConflict(schema.GroupResource{Resource: "secrets"}, "proj-secrets-web", errorString("modified"))
		})
	}
	tests := []struct {
		name  string
		code  int    // the exit code, and
		path  string // text in stdout or stderr, that show which path the case took
		setup func(*harness)
		stdin string
		args  []string
	}{
		{name: "create literal", code: 0, path: "key \"NEW\": created", args: []string{"create", "web", "NEW", "--from-literal=" + written}},
		{name: "create stdin", code: 0, path: "key \"NEW\": created", stdin: written, args: []string{"create", "web", "NEW", "--stdin"}},
		{name: "create file", code: 0, path: "key \"NEW\": created", args: []string{"create", "web", "NEW", "--from-file", file}},
		{name: "create exists", code: 1, path: "already exists", args: []string{"create", "web", "K", "--from-literal=" + written}},
		{name: "create invalid key", code: 1, path: "key \"bad.key\" is invalid", args: []string{"create", "web", "bad.key", "--from-literal=" + written}},
		{name: "create value given as an argument", code: 1, path: "got 3 arguments", args: []string{"create", "web", "NEW", written}},
		{name: "create two sources", code: 1, path: "--stdin and --from-literal both give the value", args: []string{"create", "web", "NEW", "--stdin", "--from-literal=" + written}},
		{name: "create bad label", code: 1, path: "--label \"x\" is invalid", args: []string{"create", "web", "NEW", "--from-literal=" + written, "--label", "x"}},
		{name: "create denied", code: 1, path: "is forbidden: denied", setup: denied("update"), args: []string{"create", "web", "NEW", "--from-literal=" + written}},
		{name: "create too large", code: 1, path: "larger than 1048576 bytes", stdin: written + strings.Repeat("x", projsecret.MaxSecretDataBytes), args: []string{"create", "web", "NEW", "--stdin"}},
		{name: "set", code: 0, path: "key \"K\": value set", args: []string{"set", "web", "K", "--from-literal=" + written}},
		{name: "set missing", code: 1, path: "not found (use create", args: []string{"set", "web", "NOPE", "--from-literal=" + written}},
		{name: "set conflict", code: 1, path: "gave up after 4 conflicting attempts", setup: conflict, args: []string{"set", "web", "K", "--from-literal=" + written}},
		{name: "set denied", code: 1, path: "is forbidden: denied", setup: denied("update"), stdin: written, args: []string{"set", "web", "K", "--stdin"}},
		{name: "get table", code: 0, path: "UPDATED-BY", args: []string{"get", "web"}},
		{name: "get wide", code: 0, path: "CREATED-BY", args: []string{"get", "web", "-o", "wide"}},
		{name: "get json", code: 0, path: "\"kind\": \"List\"", args: []string{"get", "web", "-o", "json"}},
		{name: "get yaml", code: 0, path: "kind: Entry", args: []string{"get", "web", "K", "-o", "yaml"}},
		{name: "get go-template of everything", code: 0, path: "description:the key", args: []string{"get", "web", "-o", "go-template={{.}}"}},
		{name: "get jsonpath of everything", code: 0, path: "\"description\":\"the key\"", args: []string{"get", "web", "-o", "jsonpath={..}"}},
		{name: "get missing key", code: 1, path: "key \"NOPE\": not found", args: []string{"get", "web", "NOPE"}},
		{name: "get denied", code: 1, path: "is forbidden: denied", setup: denied("get"), args: []string{"get", "web"}},
		{name: "meta", code: 0, path: "metadata updated", args: []string{"meta", "web", "K", "--label", "a=b"}},
		{name: "meta missing", code: 1, path: "key \"NOPE\": not found", args: []string{"meta", "web", "NOPE", "--label", "a=b"}},
		{name: "meta conflict", code: 1, path: "gave up after 4 conflicting attempts", setup: conflict, args: []string{"meta", "web", "K", "--description", "d"}},
		{name: "delete", code: 0, path: "key \"K\": deleted", args: []string{"delete", "web", "K"}},
		{name: "delete missing", code: 1, path: "key \"NOPE\": not found", args: []string{"delete", "web", "K", "NOPE"}},
		{name: "delete denied", code: 1, path: "is forbidden: denied", setup: denied("update"), args: []string{"delete", "web", "K"}},
		{name: "projects", code: 0, path: "name: web", args: []string{"projects", "-o", "yaml"}},
		{name: "projects -A", code: 0, path: "\"name\": \"web\"", args: []string{"projects", "-A", "-o", "json"}},
		{name: "owners", code: 0, path: "owners set to user:alice", args: []string{"owners", "web", "user:alice"}},
		{name: "owners show", code: 0, path: "has no owners", args: []string{"owners", "web"}},
		{name: "completion of keys", code: 0, path: "K\tthe key", args: []string{"__complete", "read", "web", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, seeded(t, ns, "web", seedEntry{key: "K", value: stored, description: "the key"}))
			if tt.setup != nil {
				tt.setup(h)
			}
			r := h.run(t, tt.stdin, tt.args...)
			// A case that fails early for another reason would prove
			// nothing about the path it was written for.
			if r.code != tt.code || !strings.Contains(r.stdout+r.stderr, tt.path) {
				t.Errorf("exit %d, want %d with %q in the output: the case did not take its path", r.code, tt.code, tt.path)
			}
			for _, v := range []string{stored, written} {
				if strings.Contains(r.stdout, v) || strings.Contains(r.stderr, v) {
					t.Errorf("a value leaked (exit %d):\nstdout %q\nstderr %q", r.code, r.stdout, r.stderr)
				}
			}
		})
	}
}

// TestValuesNeverPrintedControl shows the check above can fail: read, whose
// job is to print the value, is caught by the same test.
func TestValuesNeverPrintedControl(t *testing.T) {
	t.Parallel()
	const stored = "STORED-s3cr3t-7f1c"
	h := newHarness(t, seeded(t, ns, "web", seedEntry{key: "K", value: stored}))
	if r := h.run(t, "", "read", "web", "K").ok(t); !strings.Contains(r.stdout, stored) {
		t.Errorf("read did not print the value: %q", r.stdout)
	}
}

// TestCrossValuesNeverPrinted is TestValuesNeverPrinted for the commands
// that read values to copy or compare them.
func TestCrossValuesNeverPrinted(t *testing.T) {
	t.Parallel()
	const stored = "STORED-s3cr3t-7f1c"
	const other = "OTHER-s3cr3t-1d4b"
	dir := t.TempDir()
	files := map[string]string{"v.env": "K=" + other + "\n", "v.json": `{"K": "` + other + `"}`, "v.yaml": "K: [" + other + "]\n", "bad.json": `{"K": "` + other + `"`}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{
		{"copy", "web", "K", "--to", "qa"},
		{"copy", "web", "K", "--to", "web2"},
		{"copy", "web", "--all", "--to", "web2", "--overwrite", "-n", ns},
		{"diff", "web", "--to", "web2", "--all"},
		{"diff", "web", "--to", "web2", "-o", "yaml"},
		{"diff", "web", "-f", filepath.Join(dir, "v.env")},
		{"diff", "web", "-f", filepath.Join(dir, "v.json"), "-o", "json"},
		{"diff", "web", "-f", filepath.Join(dir, "v.yaml")},
		{"diff", "web", "-f", filepath.Join(dir, "bad.json")},
		{"adopt", "web"},
		{"adopt", "legacy"},
		{"uses", "web", "-o", "yaml"},
		{"projects", "--unmanaged", "-o", "json"},
		{"delete", "web", "--all", "--yes"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			h := newHarness(t,
				seeded(t, ns, "web", seedEntry{key: "K", value: stored}),
				seeded(t, ns, "web2", seedEntry{key: "K", value: other}),
				dhcoreSecret("proj-secrets-legacy", map[string]string{"K": stored, "bad.key": other}),
				&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "run", Namespace: ns, Labels: map[string]string{projsecret.LabelDHCoreProject: "web"}}, Data: map[string][]byte{"K": []byte(other)}},
			)
			r := h.run(t, "", args...)
			for _, v := range []string{stored, other} {
				if strings.Contains(r.stdout+r.stderr, v) {
					t.Errorf("a value leaked (exit %d):\nstdout %q\nstderr %q", r.code, r.stdout, r.stderr)
				}
			}
		})
	}
}
