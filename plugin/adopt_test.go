package plugin

import (
	"testing"

	"github.com/projsecret/projsecret"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestAdopt(t *testing.T) {
	t.Parallel()
	t.Run("as DigitalHub creates it", func(t *testing.T) {
		h := newHarness(t, dhcoreSecret("proj-secrets-legacy", map[string]string{"db_password": valA, "api-key": valB}))
		r := h.run(t, "", "adopt", "legacy").ok(t)
		if r.stdout != "project \"legacy\": adopted with 2 entries\n" {
			t.Errorf("stdout %q", r.stdout)
		}
		s := h.secret(t, "legacy")
		if _, err := projsecret.ValidateSecret(s, projsecret.DefaultKeyRule); err != nil {
			t.Fatalf("the adopted secret breaks the contract: %v", err)
		}
		if s.Labels[projsecret.LabelManagedBy] != projsecret.ManagedByPlugin || s.Annotations[projsecret.AnnotationOwners] != "user:alice" {
			t.Errorf("labels %v, owners %q", s.Labels, s.Annotations[projsecret.AnnotationOwners])
		}
		e := h.entry(t, "legacy", "db_password")
		clock := now()
		if e.CreatedBy != "alice" || e.UpdatedBy != "alice" || e.Description != "" ||
			!e.CreatedAt.Equal(clock.Add(-projsecret.DefaultClockSkew/2)) || !e.UpdatedAt.Equal(clock) {
			t.Errorf("entry %+v: want created by alice at now-%s (the creation time clipped), updated now", e.EntryMeta, projsecret.DefaultClockSkew/2)
		}
		if string(h.value(t, "legacy", "api-key")) != valB {
			t.Error("adopt changed a value")
		}
	})
	t.Run("owners", func(t *testing.T) {
		h := newHarness(t, dhcoreSecret("proj-secrets-legacy", map[string]string{"k": valA}))
		h.run(t, "", "adopt", "legacy", "--owner", "group:data", "--owner", "user:bob").ok(t)
		if got := h.secret(t, "legacy").Annotations[projsecret.AnnotationOwners]; got != "group:data,user:bob" {
			t.Errorf("owners %q", got)
		}
	})
	t.Run("every reason, nothing written", func(t *testing.T) {
		bad := dhcoreSecret("proj-secrets-legacy", map[string]string{"db.password": valA, "ok": valB})
		bad.Type = corev1.SecretTypeTLS
		h := newHarness(t, bad)
		r := h.run(t, "", "adopt", "legacy")
		r.fails(t, `project "legacy": secret type is "kubernetes.io/tls": only "Opaque" secrets can be adopted; invalid key(s) "db.password": expected ^[A-Za-z0-9_-]+$`)
		s, _ := h.cs.CoreV1().Secrets(ns).Get(t.Context(), "proj-secrets-legacy", metav1.GetOptions{})
		if len(s.Labels) != 0 || len(s.Annotations) != 0 {
			t.Errorf("refused adopt wrote labels %v, annotations %v", s.Labels, s.Annotations)
		}
	})
	t.Run("already managed", func(t *testing.T) {
		crossHarness(t).run(t, "", "adopt", "dev").fails(t, `secret team-a/proj-secrets-dev is already a project secret`)
	})
	t.Run("absent", func(t *testing.T) {
		newHarness(t).run(t, "", "adopt", "nope").fails(t, `project "nope": secret team-a/proj-secrets-nope not found`)
	})
}

func TestNotManaged(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"get", "legacy"}, {"read", "legacy", "k"}, {"set", "legacy", "k", "--from-literal=v"}, {"create", "legacy", "n", "--from-literal=v"},
	} {
		t.Run(args[0], func(t *testing.T) {
			h := newHarness(t, dhcoreSecret("proj-secrets-legacy", map[string]string{"k": valA}))
			h.run(t, "", args...).fails(t, "not managed by projsecret: run kubectl projsecret adopt legacy to take it under management")
		})
	}
}
