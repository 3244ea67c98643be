//go:build integration

package integration

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/internal/testenv"
)

// mustExit runs `kubectl projsecret args...` as the admin and fails the
// test unless it exits with code; no output may hold a value.
func mustExit(t *testing.T, code int, args ...string) testenv.Result {
	t.Helper()
	res := kubectl(t, nil, append([]string{"projsecret"}, args...)...)
	if res.ExitCode != code {
		t.Fatalf("kubectl projsecret %v: want exit %d: %s", args, code, res)
	}
	if strings.Contains(res.Stdout+res.Stderr, "s3cr3t") {
		t.Fatalf("kubectl projsecret %v printed a value", args)
	}
	return res
}

// seedProject creates project's entries through the plugin.
func seedProject(t *testing.T, ns, project string, values map[string]string) {
	t.Helper()
	for k, v := range values {
		mustSucceed(t, []byte(v), "-n", ns, "create", project, k, "--stdin", "--description", "about "+k)
	}
}

func TestCrossCopy(t *testing.T) {
	ns, other := namespace(t), namespace(t)
	seedProject(t, ns, "dev", map[string]string{"A": "s3cr3t-a", "B": "s3cr3t-b"})
	seedProject(t, ns, "staging", map[string]string{"B": "s3cr3t-old"})

	mustExit(t, 0, "-n", ns, "copy", "dev", "A", "B", "--to", "qa")
	qa := secret(t, ns, "qa")
	if string(qa.Data["A"]) != "s3cr3t-a" || string(qa.Data["B"]) != "s3cr3t-b" {
		t.Fatal("qa's values differ from dev's after the copy")
	}
	if e := mustEntries(t, qa)["A"]; e.Description != "about A" {
		t.Errorf("copied description %q", e.Description)
	}

	// Without --overwrite, a taken key stops the whole copy: A does not land either.
	before := secret(t, ns, "staging")
	res := mustExit(t, 1, "-n", ns, "copy", "dev", "A", "B", "--to", "staging")
	if !strings.Contains(res.Stderr, "key(s) B exist in the destination: expected --overwrite") {
		t.Errorf("stderr %q", res.Stderr)
	}
	if after := secret(t, ns, "staging"); after.ResourceVersion != before.ResourceVersion || len(after.Data) != 1 {
		t.Fatalf("a refused copy changed staging: %d keys, resourceVersion %s → %s", len(after.Data), before.ResourceVersion, after.ResourceVersion)
	}
	mustExit(t, 0, "-n", ns, "copy", "dev", "--all", "--to", "staging", "--overwrite")
	if s := secret(t, ns, "staging"); string(s.Data["B"]) != "s3cr3t-b" || string(s.Data["A"]) != "s3cr3t-a" {
		t.Fatal("--overwrite did not replace B with dev's value or add A")
	}

	mustExit(t, 0, "-n", ns, "copy", "dev", "A", "--to", "dev", "--to-namespace", other)
	if s := secret(t, other, "dev"); len(s.Data) != 1 || string(s.Data["A"]) != "s3cr3t-a" {
		t.Fatalf("the copy into namespace %s holds %d keys, or a different A", other, len(s.Data))
	}
	// Across namespaces too, a taken key leaves the destination as it was.
	before = secret(t, other, "dev")
	mustExit(t, 1, "-n", ns, "copy", "dev", "A", "B", "--to", "dev", "--to-namespace", other)
	if after := secret(t, other, "dev"); after.ResourceVersion != before.ResourceVersion {
		t.Fatal("a refused copy across namespaces changed the destination")
	}
}

func TestCrossDiff(t *testing.T) {
	ns := namespace(t)
	seedProject(t, ns, "dev", map[string]string{"A": "s3cr3t-a", "B": "s3cr3t-b"})
	seedProject(t, ns, "twin", map[string]string{"A": "s3cr3t-a", "B": "s3cr3t-b"})
	seedProject(t, ns, "prod", map[string]string{"B": "s3cr3t-x", "C": "s3cr3t-c"})

	if res := mustExit(t, 0, "-n", ns, "diff", "dev", "--to", "twin"); res.Stdout != "" {
		t.Errorf("equal projects printed %q", res.Stdout)
	}
	if res := mustExit(t, 1, "-n", ns, "diff", "dev", "--to", "prod"); res.Stdout != "- A\n~ B\n+ C\n" {
		t.Errorf("diff dev prod printed %q", res.Stdout)
	}
	if res := mustExit(t, 1, "-n", ns, "diff", "dev", "--to", "prod", "-o", "json"); !strings.Contains(res.Stdout, `"change": "changed"`) {
		t.Errorf("-o json printed %q", res.Stdout)
	}
	mustExit(t, 2, "-n", ns, "diff", "dev", "--to", "absent")

	dir := t.TempDir()
	envFile, jsonFile := filepath.Join(dir, "dev.env"), filepath.Join(dir, "dev.json")
	if err := os.WriteFile(envFile, []byte("A=s3cr3t-a\nB=s3cr3t-b\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(jsonFile, []byte(`{"A": "s3cr3t-a"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if res := mustExit(t, 0, "-n", ns, "diff", "dev", "-f", envFile, "--all"); res.Stdout != "= A\n= B\n" {
		t.Errorf("diff against the env file printed %q", res.Stdout)
	}
	if res := mustExit(t, 1, "-n", ns, "diff", "dev", "-f", jsonFile); res.Stdout != "- B\n" {
		t.Errorf("diff against the json file printed %q", res.Stdout)
	}
	mustExit(t, 2, "-n", ns, "diff", "dev", "-f", filepath.Join(dir, "missing.json"))
}

// dhcoreSecret creates proj-secrets-PROJECT as DigitalHub Core does: a
// name and stringData, no labels, no annotations.
func dhcoreSecret(t *testing.T, ns, project string, values map[string]string) {
	t.Helper()
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: projsecret.SecretName(project)}, StringData: values}
	if _, err := env.Clientset.CoreV1().Secrets(ns).Create(context.Background(), s, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// TestWebhookCross: with the webhook on, what copy and adopt write passes
// review, and the webhook stops a non-owner's copy into an owned project.
func TestWebhookCross(t *testing.T) {
	StartWebhook(t)
	t.Run("Copy", TestCrossCopy)
	t.Run("Adopt", TestCrossAdopt)

	ns := namespace(t)
	grant(t, ns, "mallory")
	seedProject(t, ns, "owned", map[string]string{"A": "s3cr3t-a"})
	mustSucceed(t, nil, "-n", ns, "owners", "owned", "user:someone-else")
	kubectl(t, []byte("s3cr3t-m"), "projsecret", "-n", ns, "set", "mine", "M", "--stdin", "--create", "--as", "mallory")
	before := secret(t, ns, "owned")
	res := kubectl(t, nil, "projsecret", "-n", ns, "copy", "mine", "M", "--to", "owned", "--as", "mallory")
	mustBeDenied(t, res, `user "mallory" is not an owner of project "owned"`)
	if after := secret(t, ns, "owned"); after.ResourceVersion != before.ResourceVersion {
		t.Fatal("a denied copy changed the owned project")
	}
	// delete --all meets the webhook's DELETE rule as any delete does.
	res = kubectl(t, nil, "projsecret", "-n", ns, "delete", "owned", "--all", "--yes", "--as", "mallory")
	mustBeDenied(t, res, `user "mallory" is not an owner of project "owned"`)
	secret(t, ns, "owned")
}
