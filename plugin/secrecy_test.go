package plugin

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/projsecret/projsecret"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	k8stesting "k8s.io/client-go/testing"
)

// TestValuesNeverPrinted runs every command but read, on success and error
// paths, with a stored value and a value being written, and checks that
// neither appears in stdout or stderr.
func TestValuesNeverPrinted(t *testing.T) {
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
		setup func(*harness)
		stdin string
		args  []string
	}{
		{name: "create literal", args: []string{"create", "web", "NEW", "--from-literal=" + written}},
		{name: "create stdin", stdin: written, args: []string{"create", "web", "NEW", "--stdin"}},
		{name: "create file", args: []string{"create", "web", "NEW", "--from-file", file}},
		{name: "create exists", args: []string{"create", "web", "K", "--from-literal=" + written}},
		{name: "create invalid key", args: []string{"create", "web", "bad.key", "--from-literal=" + written}},
		{name: "create value given as an argument", args: []string{"create", "web", "NEW", written}},
		{name: "create two sources", args: []string{"create", "web", "NEW", "--stdin", "--from-literal=" + written}},
		{name: "create bad label", args: []string{"create", "web", "NEW", "--from-literal=" + written, "--label", "x"}},
		{name: "create denied", setup: denied("update"), args: []string{"create", "web", "NEW", "--from-literal=" + written}},
		{name: "create too large", stdin: written + strings.Repeat("x", projsecret.MaxSecretDataBytes), args: []string{"create", "web", "NEW", "--stdin"}},
		{name: "set", args: []string{"set", "web", "K", "--from-literal=" + written}},
		{name: "set missing", args: []string{"set", "web", "NOPE", "--from-literal=" + written}},
		{name: "set conflict", setup: conflict, args: []string{"set", "web", "K", "--from-literal=" + written}},
		{name: "set denied", setup: denied("update"), stdin: written, args: []string{"set", "web", "K", "--stdin"}},
		{name: "get table", args: []string{"get", "web"}},
		{name: "get wide", args: []string{"get", "web", "-o", "wide"}},
		{name: "get json", args: []string{"get", "web", "-o", "json"}},
		{name: "get yaml", args: []string{"get", "web", "K", "-o", "yaml"}},
		{name: "get go-template of everything", args: []string{"get", "web", "-o", "go-template={{.}}"}},
		{name: "get jsonpath of everything", args: []string{"get", "web", "-o", "jsonpath={..}"}},
		{name: "get missing key", args: []string{"get", "web", "NOPE"}},
		{name: "get denied", setup: denied("get"), args: []string{"get", "web"}},
		{name: "meta", args: []string{"meta", "web", "K", "--label", "a=b"}},
		{name: "meta missing", args: []string{"meta", "web", "NOPE", "--label", "a=b"}},
		{name: "meta conflict", setup: conflict, args: []string{"meta", "web", "K", "--description", "d"}},
		{name: "delete", args: []string{"delete", "web", "K"}},
		{name: "delete missing", args: []string{"delete", "web", "K", "NOPE"}},
		{name: "delete denied", setup: denied("update"), args: []string{"delete", "web", "K"}},
		{name: "projects", args: []string{"projects", "-o", "yaml"}},
		{name: "projects -A", args: []string{"projects", "-A", "-o", "json"}},
		{name: "owners", args: []string{"owners", "web", "user:alice"}},
		{name: "owners show", args: []string{"owners", "web"}},
		{name: "completion of keys", args: []string{"__complete", "read", "web", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, seeded(t, ns, "web", seedEntry{key: "K", value: stored, description: "the key"}))
			if tt.setup != nil {
				tt.setup(h)
			}
			r := h.run(t, tt.stdin, tt.args...)
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
	const stored = "STORED-s3cr3t-7f1c"
	h := newHarness(t, seeded(t, ns, "web", seedEntry{key: "K", value: stored}))
	if r := h.run(t, "", "read", "web", "K").ok(t); !strings.Contains(r.stdout, stored) {
		t.Errorf("read did not print the value: %q", r.stdout)
	}
}
