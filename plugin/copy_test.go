package plugin

import (
	"strings"
	"testing"

	"github.com/projsecret/projsecret"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestCopy(t *testing.T) {
	t.Parallel()
	t.Run("new project", func(t *testing.T) {
		h := crossHarness(t)
		r := h.run(t, "", "copy", "dev", "A", "B", "--to", "qa").ok(t)
		noValues(t, r)
		if string(h.value(t, "qa", "A")) != valA || string(h.value(t, "qa", "B")) != valB {
			t.Fatal("copied values differ from the source's")
		}
		e := h.entry(t, "qa", "A")
		if e.Description != "alpha" || e.Labels["tier"] != "db" || e.CreatedBy != "alice" || e.UpdatedBy != "alice" {
			t.Errorf("copied entry metadata %+v: want the source's description and labels, authored by alice", e.EntryMeta)
		}
	})
	t.Run("existing keys without --overwrite write nothing", func(t *testing.T) {
		h := crossHarness(t)
		before := h.secret(t, "staging").ResourceVersion
		h.run(t, "", "copy", "dev", "A", "B", "--to", "staging").fails(t, `project "staging": key(s) B exist in the destination: expected --overwrite`)
		s := h.secret(t, "staging")
		if s.ResourceVersion != before || len(s.Data) != 2 || string(s.Data["B"]) != valB2 {
			t.Errorf("the destination changed: %d keys, resourceVersion %s (was %s)", len(s.Data), s.ResourceVersion, before)
		}
	})
	t.Run("--overwrite replaces values, descriptions and labels", func(t *testing.T) {
		h := crossHarness(t)
		h.run(t, "", "copy", "dev", "--all", "--to", "staging", "--overwrite").ok(t)
		if string(h.value(t, "staging", "B")) != valB || string(h.value(t, "staging", "C")) != valOnly {
			t.Fatal("values after --overwrite are not the source's (B) and the untouched one (C)")
		}
		e := h.entry(t, "staging", "B")
		if e.Description != "beta" || len(e.Labels) != 0 || e.CreatedBy != "carol" || e.UpdatedBy != "alice" {
			t.Errorf("overwritten entry %+v: want the source's description, no labels, created by carol, updated by alice", e.EntryMeta)
		}
	})
	t.Run("to another namespace", func(t *testing.T) {
		h := crossHarness(t)
		r := h.run(t, "", "copy", "dev", "A", "--to", "dev", "--to-namespace", "prod").ok(t)
		if !strings.Contains(r.stdout, `in namespace "prod"`) {
			t.Errorf("stdout %q", r.stdout)
		}
		s, err := h.cs.CoreV1().Secrets("prod").Get(t.Context(), projsecret.SecretName("dev"), metav1.GetOptions{})
		if err != nil || string(s.Data["A"]) != valA {
			t.Fatalf("prod/dev after the copy: %v", err)
		}
	})
	t.Run("missing key", func(t *testing.T) {
		crossHarness(t).run(t, "", "copy", "dev", "A", "Z", "--to", "qa").fails(t, `project "dev", key "Z": not found`)
	})
	t.Run("same project", func(t *testing.T) {
		crossHarness(t).run(t, "", "copy", "dev", "A", "--to", "dev").fails(t, "source and destination are the same project")
	})
}
