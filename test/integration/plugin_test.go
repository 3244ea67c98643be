//go:build integration

package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/internal/testenv"
	"github.com/projsecret/projsecret/store"
)

// value is deliberately awkward: a trailing newline, a NUL and non-UTF-8
// bytes must all survive byte-exact, and tests assert it never leaks.
var value = []byte("s3cr3t-VALUE-\x00\xff\n")

func TestPluginDiscovery(t *testing.T) {
	res := kubectl(t, nil, "plugin", "list")
	if !strings.Contains(res.Stdout, "kubectl-projsecret") {
		t.Fatalf("kubectl plugin list does not find kubectl-projsecret: %s", res)
	}
	res = mustSucceed(t, nil, "version")
	if !strings.Contains(res.Stdout, testVersion) {
		t.Fatalf("version does not print the stamped %s: %s", testVersion, res)
	}
}

func TestFlow(t *testing.T) {
	ns := namespace(t)
	admin, err := store.WhoAmI(context.Background(), env.Clientset, "")
	if err != nil {
		t.Fatal(err)
	}

	mustSucceed(t, value, "-n", ns, "create", "demo", "api-token", "--stdin", "--description", "CI token", "--label", "team=data")
	if got := mustSucceed(t, nil, "-n", ns, "read", "demo", "api-token").Stdout; got != string(value) {
		t.Fatalf("read returned %d bytes that differ from the %d stored (values are not printed)", len(got), len(value))
	}

	s := secret(t, ns, "demo")
	if s.Labels[projsecret.LabelProject] != "demo" || s.Labels[projsecret.LabelManagedBy] != projsecret.ManagedByPlugin {
		t.Fatalf("project secret labels are %v", s.Labels)
	}
	entries, err := projsecret.ParseEntries(s.Annotations[projsecret.AnnotationEntries])
	if err != nil {
		t.Fatal(err)
	}
	created := entries["api-token"]
	if created.Description != "CI token" || created.Labels["team"] != "data" || created.CreatedBy != admin || created.UpdatedBy != admin {
		t.Fatalf("entry metadata after create: %+v (admin is %q)", created, admin)
	}

	newValue := []byte("rotated")
	mustSucceed(t, newValue, "-n", ns, "set", "demo", "api-token", "--stdin")
	if got := mustSucceed(t, nil, "-n", ns, "read", "demo", "api-token").Stdout; got != string(newValue) {
		t.Fatalf("read after set returned %d bytes that differ from the %d set (values are not printed)", len(got), len(newValue))
	}
	entries, _ = projsecret.ParseEntries(secret(t, ns, "demo").Annotations[projsecret.AnnotationEntries])
	if m := entries["api-token"]; m.Description != "CI token" || !m.CreatedAt.Equal(created.CreatedAt) || m.UpdatedAt.Before(created.UpdatedAt) {
		t.Fatalf("set did not keep metadata: before %+v, after %+v", created, m)
	}

	mustSucceed(t, nil, "-n", ns, "meta", "demo", "api-token", "--description", "rotated CI token", "--label", "env=prod", "--label", "team-")
	got := getJSON(t, ns, "demo", "api-token")
	if got["description"] != "rotated CI token" || fmt.Sprint(got["labels"]) != "map[env:prod]" {
		t.Fatalf("meta did not apply: %v", got)
	}

	table := mustSucceed(t, nil, "-n", ns, "get", "demo").Stdout
	for _, want := range []string{"KEY", "DESCRIPTION", "LABELS", "SIZE", "UPDATED", "UPDATED-BY", "api-token", "rotated CI token", "env=prod"} {
		if !strings.Contains(table, want) {
			t.Errorf("get table lacks %q:\n%s", want, table)
		}
	}
	if name := mustSucceed(t, nil, "-n", ns, "get", "demo", "-o", "name").Stdout; !strings.Contains(name, "/api-token") {
		t.Errorf("get -o name printed %q", name)
	}
	if desc := mustSucceed(t, nil, "-n", ns, "get", "demo", "api-token", "-o", "jsonpath={.description}").Stdout; desc != "rotated CI token" {
		t.Errorf("get -o jsonpath printed %q", desc)
	}

	projects := mustSucceed(t, nil, "-n", ns, "projects").Stdout
	if !strings.Contains(projects, "demo") {
		t.Errorf("projects does not list demo:\n%s", projects)
	}

	mustSucceed(t, nil, "-n", ns, "delete", "demo", "api-token")
	s = secret(t, ns, "demo")
	if len(s.Data) != 0 || s.Labels[projsecret.LabelProject] != "demo" {
		t.Fatalf("after deleting the last entry the secret should stay, labeled and empty: labels %v, %d keys", s.Labels, len(s.Data))
	}
}

// getJSON returns one entry as `get -o json` prints it, flattened to the
// fields tests look at.
func getJSON(t *testing.T, ns, project, key string) map[string]any {
	t.Helper()
	out := mustSucceed(t, nil, "-n", ns, "get", project, key, "-o", "json").Stdout
	var obj map[string]any
	if err := json.Unmarshal([]byte(out), &obj); err != nil {
		t.Fatalf("get -o json is not JSON: %v\n%s", err, out)
	}
	if obj["apiVersion"] == nil || obj["kind"] == nil {
		t.Fatalf("get -o json lacks apiVersion/kind: %s", out)
	}
	return obj
}

func TestErrors(t *testing.T) {
	ns := namespace(t)
	// Two values of 600 KiB fit the value limit alone but not together.
	half := bytes.Repeat([]byte("x"), 600<<10)
	mustSucceed(t, half, "-n", ns, "create", "errs", "filler", "--stdin")
	mustSucceed(t, value, "-n", ns, "create", "errs", "present", "--stdin")
	before := secret(t, ns, "errs")

	big := bytes.Repeat([]byte("x"), projsecret.MaxSecretDataBytes+1)
	for _, tc := range []struct {
		name  string
		stdin []byte
		args  []string
		want  []string // every one must be in stderr
	}{
		{"read missing project", nil, []string{"read", "nope", "k"}, []string{`"nope"`, "not found"}},
		{"read missing key", nil, []string{"read", "errs", "absent"}, []string{`"errs"`, `"absent"`, "not found"}},
		{"create existing", value, []string{"create", "errs", "present", "--stdin"}, []string{`"present"`, "already exists"}},
		{"invalid key", value, []string{"create", "errs", "bad.key", "--stdin"}, []string{`"bad.key"`, "A-Za-z0-9_-"}},
		{"invalid project", value, []string{"create", "Bad_Project", "k", "--stdin"}, []string{`"Bad_Project"`, "RFC 1123"}},
		{"set absent", value, []string{"set", "errs", "absent", "--stdin"}, []string{`"absent"`, "not found", "--create"}},
		{"delete absent among present", nil, []string{"delete", "errs", "present", "absent"}, []string{`"absent"`, "not found"}},
		{"value over the limit", big, []string{"set", "errs", "present", "--stdin"}, []string{"larger than 1048576 bytes"}},
		{"secret over the limit", half, []string{"set", "errs", "present", "--stdin"}, []string{"limit", "room left"}},
		{"two value sources", value, []string{"set", "errs", "present", "--stdin", "--from-literal=x"}, []string{"--stdin", "--from-literal"}},
		{"missing key argument", nil, []string{"read", "errs"}, []string{"PROJECT", "KEY"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := kubectl(t, tc.stdin, append([]string{"projsecret", "-n", ns}, tc.args...)...)
			if res.ExitCode != 1 {
				t.Fatalf("want exit 1: %s", res)
			}
			for _, w := range tc.want {
				if !strings.Contains(res.Stderr, w) {
					t.Errorf("stderr lacks %q: %s", w, res.Stderr)
				}
			}
			if bytes.Contains([]byte(res.Stdout+res.Stderr), value[:12]) {
				t.Errorf("a secret value leaked into the output")
			}
		})
	}
	after := secret(t, ns, "errs")
	if after.ResourceVersion != before.ResourceVersion {
		t.Fatalf("failed commands changed the secret: resourceVersion %s -> %s", before.ResourceVersion, after.ResourceVersion)
	}
}

func TestRBACAndImpersonation(t *testing.T) {
	ns := namespace(t)
	ctx := context.Background()

	role := &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Name: "secrets", Namespace: ns},
		Rules:      []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"get", "list", "create", "update"}}},
	}
	if _, err := env.Clientset.RbacV1().Roles(ns).Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	bind := func(user string) {
		t.Helper()
		binding := &rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: user, Namespace: ns},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "secrets"},
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: user}},
		}
		if _, err := env.Clientset.RbacV1().RoleBindings(ns).Create(ctx, binding, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}

	// --as: the admin impersonates alice; the API server authorizes alice
	// and its name for her is what the metadata records.
	res := kubectl(t, value, "projsecret", "-n", ns, "create", "imp", "k1", "--stdin", "--as", "alice")
	if res.ExitCode != 1 || !strings.Contains(res.Stderr, "forbidden") || !strings.Contains(res.Stderr, `"alice"`) {
		t.Fatalf("--as alice without RBAC: want a forbidden error naming alice: %s", res)
	}
	bind("alice")
	// alice's new project is hers alone unless she names bob too; with the
	// webhook on, bob's set below needs it.
	mustSucceed(t, value, "-n", ns, "create", "imp", "k1", "--stdin", "--as", "alice", "--owner", "user:alice", "--owner", "user:bob")
	entries, _ := projsecret.ParseEntries(secret(t, ns, "imp").Annotations[projsecret.AnnotationEntries])
	if entries["k1"].CreatedBy != "alice" {
		t.Fatalf("--as alice recorded createdBy %q", entries["k1"].CreatedBy)
	}

	// A real, non-admin user authenticated by client certificate: denied
	// until RBAC allows it, then recorded under its own name.
	bob, err := env.User("bob")
	if err != nil {
		t.Fatal(err)
	}
	res = kubectlAs(t, bob, value, "projsecret", "-n", ns, "set", "imp", "k1", "--stdin")
	if res.ExitCode != 1 || !strings.Contains(res.Stderr, "forbidden") {
		t.Fatalf("bob without RBAC: want a forbidden error: %s", res)
	}
	bind("bob")
	res = kubectlAs(t, bob, value, "projsecret", "-n", ns, "set", "imp", "k1", "--stdin")
	if res.ExitCode != 0 {
		t.Fatalf("bob with RBAC: %s", res)
	}
	entries, _ = projsecret.ParseEntries(secret(t, ns, "imp").Annotations[projsecret.AnnotationEntries])
	if m := entries["k1"]; m.CreatedBy != "alice" || m.UpdatedBy != "bob" {
		t.Fatalf("after bob's set: createdBy %q updatedBy %q, want alice and bob", m.CreatedBy, m.UpdatedBy)
	}
}

func TestTwoNamespaces(t *testing.T) {
	ns1, ns2 := namespace(t), namespace(t)
	mustSucceed(t, []byte("one"), "-n", ns1, "create", "shared", "k", "--stdin")
	mustSucceed(t, []byte("two"), "-n", ns2, "create", "shared", "k", "--stdin")
	if got := mustSucceed(t, nil, "-n", ns1, "read", "shared", "k").Stdout; got != "one" {
		t.Fatalf("ns1 holds %d bytes that differ from what ns1 stored", len(got))
	}
	if got := mustSucceed(t, nil, "-n", ns2, "read", "shared", "k").Stdout; got != "two" {
		t.Fatalf("ns2 holds %d bytes that differ from what ns2 stored", len(got))
	}
	all := mustSucceed(t, nil, "projects", "-A").Stdout
	for _, ns := range []string{ns1, ns2} {
		if !strings.Contains(all, ns) {
			t.Errorf("projects -A lacks namespace %s:\n%s", ns, all)
		}
	}
	if only := mustSucceed(t, nil, "-n", ns1, "projects").Stdout; strings.Contains(only, ns2) {
		t.Errorf("projects -n %s shows %s:\n%s", ns1, ns2, only)
	}
}

// TestConcurrentWriters runs many plugin processes at once on one project
// Secret: every one of them must land, none may erase another's entry.
func TestConcurrentWriters(t *testing.T) {
	const n = 24
	ns := namespace(t)
	for i := 0; i < n; i++ {
		mustSucceed(t, []byte("initial"), "-n", ns, "create", "busy", fmt.Sprintf("set-%02d", i), "--stdin")
	}
	var wg sync.WaitGroup
	results := make([]string, 2*n)
	for i := 0; i < n; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			res, err := runQuiet(ns, []byte(fmt.Sprintf("updated-%02d", i)), "set", "busy", fmt.Sprintf("set-%02d", i), "--stdin")
			results[i] = errString(res, err)
		}()
		go func() {
			defer wg.Done()
			res, err := runQuiet(ns, []byte(fmt.Sprintf("created-%02d", i)), "create", "busy", fmt.Sprintf("new-%02d", i), "--stdin")
			results[n+i] = errString(res, err)
		}()
	}
	wg.Wait()
	for _, r := range results {
		if r != "" {
			t.Error(r)
		}
	}
	s := secret(t, ns, "busy")
	entries, err := projsecret.ParseEntries(s.Annotations[projsecret.AnnotationEntries])
	if err != nil {
		t.Fatal(err)
	}
	lost := 0
	for i := 0; i < n; i++ {
		for key, want := range map[string]string{fmt.Sprintf("set-%02d", i): fmt.Sprintf("updated-%02d", i), fmt.Sprintf("new-%02d", i): fmt.Sprintf("created-%02d", i)} {
			if string(s.Data[key]) != want {
				lost++
				t.Errorf("key %s lost its update", key)
			}
			if _, ok := entries[key]; !ok {
				t.Errorf("key %s has no metadata entry", key)
			}
		}
	}
	if len(s.Data) != 2*n || len(entries) != 2*n {
		t.Errorf("want %d keys and entries, got %d and %d", 2*n, len(s.Data), len(entries))
	}
	t.Logf("%d concurrent writers, %d lost updates", 2*n, lost)
}

func runQuiet(ns string, stdin []byte, args ...string) (testenv.Result, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return testenv.Kubectl(ctx, binDir, env.Kubeconfig, stdin, append([]string{"projsecret", "-n", ns}, args...)...)
}

func errString(res testenv.Result, err error) string {
	if err != nil {
		return err.Error()
	}
	if res.ExitCode != 0 {
		return res.String()
	}
	return ""
}
