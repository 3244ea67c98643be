//go:build integration

package integration

import (
	"context"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/store"
)

func TestCrossAdopt(t *testing.T) {
	ns := namespace(t)
	admin, err := store.WhoAmI(context.Background(), env.Clientset, "")
	if err != nil {
		t.Fatal(err)
	}
	dhcoreSecret(t, ns, "legacy", map[string]string{"db_password": "s3cr3t-1", "api-key": "s3cr3t-2"})

	for _, args := range [][]string{{"get", "legacy"}, {"read", "legacy", "api-key"}, {"set", "legacy", "api-key", "--from-literal=x"}, {"create", "legacy", "new", "--from-literal=x"}} {
		res := mustExit(t, 1, append([]string{"-n", ns}, args...)...)
		if !strings.Contains(res.Stderr, "not managed by projsecret: run kubectl projsecret adopt legacy") || strings.Count(res.Stderr, "\n") != 1 {
			t.Errorf("%s on an unmanaged secret: stderr %q", args[0], res.Stderr)
		}
	}
	if res := mustExit(t, 0, "-n", ns, "projects", "--unmanaged"); !strings.Contains(res.Stdout, "legacy") || !strings.Contains(res.Stdout, "unmanaged") {
		t.Errorf("projects --unmanaged:\n%s", res.Stdout)
	}
	if res := mustExit(t, 0, "-n", ns, "projects"); strings.Contains(res.Stdout, "legacy") {
		t.Errorf("projects lists an unmanaged secret without --unmanaged:\n%s", res.Stdout)
	}

	before := secret(t, ns, "legacy")
	mustExit(t, 0, "-n", ns, "adopt", "legacy", "--dry-run")
	if after := secret(t, ns, "legacy"); after.ResourceVersion != before.ResourceVersion {
		t.Fatal("adopt --dry-run changed the secret")
	}
	res := mustExit(t, 0, "-n", ns, "adopt", "legacy")
	if res.Stdout != "project \"legacy\": adopted with 2 entries\n" {
		t.Errorf("stdout %q", res.Stdout)
	}
	s := secret(t, ns, "legacy")
	if _, err := projsecret.ValidateSecret(s, projsecret.DefaultKeyRule); err != nil {
		t.Fatalf("the adopted secret breaks the contract: %v", err)
	}
	if s.Annotations[projsecret.AnnotationOwners] != "user:"+admin || string(s.Data["db_password"]) != "s3cr3t-1" {
		t.Errorf("owners %q, or a value changed", s.Annotations[projsecret.AnnotationOwners])
	}
	if e := mustEntries(t, s)["api-key"]; e.CreatedBy != admin || e.UpdatedBy != admin {
		t.Errorf("adopted entry %+v: want created and updated by %s", e, admin)
	}
	mustExit(t, 0, "-n", ns, "set", "legacy", "api-key", "--from-literal=s3cr3t-3")
	mustExit(t, 1, "-n", ns, "adopt", "legacy")

	dhcoreSecret(t, ns, "broken", map[string]string{"db.password": "s3cr3t-1", "ok": "s3cr3t-2"})
	before = secret(t, ns, "broken")
	res = mustExit(t, 1, "-n", ns, "adopt", "broken")
	if !strings.Contains(res.Stderr, `invalid key(s) "db.password"`) {
		t.Errorf("stderr %q", res.Stderr)
	}
	if after := secret(t, ns, "broken"); after.ResourceVersion != before.ResourceVersion || len(after.Labels) != 0 {
		t.Fatal("a refused adopt changed the secret")
	}
}

func TestCrossDeleteProject(t *testing.T) {
	ns := namespace(t)
	seedProject(t, ns, "gone", map[string]string{"A": "s3cr3t-a"})
	// kubectl's stdin here is not a terminal: --yes is required.
	mustExit(t, 1, "-n", ns, "delete", "gone", "--all")
	secret(t, ns, "gone")
	mustExit(t, 0, "-n", ns, "delete", "gone", "--all", "--yes")
	if _, err := env.Clientset.CoreV1().Secrets(ns).Get(context.Background(), projsecret.SecretName("gone"), metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("the project secret is still there: %v", err)
	}
}
