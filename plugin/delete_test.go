package plugin

import (
	"strings"
	"testing"

	"github.com/projsecret/projsecret"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestDeleteAll(t *testing.T) {
	t.Parallel()
	gone := func(h *harness, project string) bool {
		_, err := h.cs.CoreV1().Secrets(ns).Get(t.Context(), projsecret.SecretName(project), metav1.GetOptions{})
		return apierrors.IsNotFound(err)
	}
	t.Run("--yes", func(t *testing.T) {
		h := crossHarness(t)
		r := h.run(t, "", "delete", "dev", "--all", "--yes").ok(t)
		if r.stdout != "project \"dev\": deleted with its 2 entries\n" || !gone(h, "dev") {
			t.Errorf("stdout %q, gone %v", r.stdout, gone(h, "dev"))
		}
	})
	t.Run("no terminal, no --yes", func(t *testing.T) {
		h := crossHarness(t)
		h.run(t, "", "delete", "dev", "--all").fails(t, "standard input is not a terminal, pass --yes")
		if gone(h, "dev") {
			t.Error("deleted without confirmation")
		}
	})
	t.Run("confirmed on a terminal", func(t *testing.T) {
		h := crossHarness(t)
		r := h.runOn(t, &fakeTerminal{Reader: strings.NewReader("dev\n")}, "delete", "dev", "--all").ok(t)
		if !strings.Contains(r.stderr, `Delete project "dev" in namespace "team-a" with its 2 entries?`) || !gone(h, "dev") {
			t.Errorf("stderr %q, gone %v", r.stderr, gone(h, "dev"))
		}
	})
	t.Run("wrong name on a terminal", func(t *testing.T) {
		h := crossHarness(t)
		r := h.runOn(t, &fakeTerminal{Reader: strings.NewReader("staging\n")}, "delete", "dev", "--all")
		if r.code != 1 || !strings.Contains(r.stderr, "not confirmed") || gone(h, "dev") {
			t.Errorf("exit %d, stderr %q, gone %v", r.code, r.stderr, gone(h, "dev"))
		}
	})
	t.Run("not a project secret", func(t *testing.T) {
		h := newHarness(t, dhcoreSecret("proj-secrets-legacy", nil))
		h.run(t, "", "delete", "legacy", "--all", "--yes").fails(t, "adopt legacy")
	})
}
