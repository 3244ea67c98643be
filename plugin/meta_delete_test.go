package plugin

import (
	"testing"

	"github.com/projsecret/projsecret"
)

func TestMeta(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		args       []string
		wantDesc   string
		wantLabels map[string]string
	}{
		{name: "add a label", args: []string{"--label", "team=payments"}, wantDesc: "d", wantLabels: map[string]string{"env": "prod", "tier": "db", "team": "payments"}},
		{name: "change a label", args: []string{"--label", "env=staging"}, wantDesc: "d", wantLabels: map[string]string{"env": "staging", "tier": "db"}},
		{name: "remove a label", args: []string{"--label", "env-"}, wantDesc: "d", wantLabels: map[string]string{"tier": "db"}},
		{name: "remove all labels", args: []string{"--label", "env-", "--label", "tier-"}, wantDesc: "d", wantLabels: nil},
		{name: "remove an absent label", args: []string{"--label", "nope-"}, wantDesc: "d", wantLabels: map[string]string{"env": "prod", "tier": "db"}},
		{name: "describe", args: []string{"--description", "new words"}, wantDesc: "new words", wantLabels: map[string]string{"env": "prod", "tier": "db"}},
		{name: "clear the description", args: []string{"--description="}, wantDesc: "", wantLabels: map[string]string{"env": "prod", "tier": "db"}},
		{name: "both", args: []string{"--description", "x", "--label", "env-", "--label", "a.io/b=c"}, wantDesc: "x", wantLabels: map[string]string{"tier": "db", "a.io/b": "c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, seeded(t, ns, "web", seedEntry{key: "K", value: "v", description: "d", labels: map[string]string{"env": "prod", "tier": "db"}}))
			h.user = "erin"
			r := h.run(t, "", append([]string{"meta", "web", "K"}, tt.args...)...).ok(t)
			if r.stdout != "project \"web\", key \"K\": metadata updated\n" {
				t.Errorf("stdout %q", r.stdout)
			}
			e := h.entry(t, "web", "K")
			if e.Description != tt.wantDesc {
				t.Errorf("description %q, want %q", e.Description, tt.wantDesc)
			}
			if len(e.Labels) != len(tt.wantLabels) {
				t.Errorf("labels %v, want %v", e.Labels, tt.wantLabels)
			}
			for k, v := range tt.wantLabels {
				if e.Labels[k] != v {
					t.Errorf("labels %v, want %v", e.Labels, tt.wantLabels)
				}
			}
			if e.UpdatedBy != "erin" || e.CreatedBy != "carol" {
				t.Errorf("authorship %q/%q", e.CreatedBy, e.UpdatedBy)
			}
			if got := string(h.value(t, "web", "K")); got != "v" {
				t.Errorf("meta changed the value to %q", got)
			}
		})
	}
}

func TestMetaNotFound(t *testing.T) {
	t.Parallel()
	h := newHarness(t, seeded(t, ns, "web", seedEntry{key: "K", value: "v"}))
	h.run(t, "", "meta", "web", "NOPE", "--description", "x").fails(t, `error: project "web", key "NOPE": not found`)
}

func TestDelete(t *testing.T) {
	t.Parallel()
	seed := func(t *testing.T) *harness {
		return newHarness(t, seeded(t, ns, "web", seedEntry{key: "A", value: "1"}, seedEntry{key: "B", value: "2"}, seedEntry{key: "C", value: "3"}))
	}
	t.Run("several keys", func(t *testing.T) {
		h := seed(t)
		r := h.run(t, "", "delete", "web", "A", "C").ok(t)
		if r.stdout != "project \"web\", key \"A\": deleted\nproject \"web\", key \"C\": deleted\n" {
			t.Errorf("stdout %q", r.stdout)
		}
		s := h.secret(t, "web")
		if len(s.Data) != 1 || s.Data["B"] == nil {
			t.Errorf("data keys left: %v", keysOf(s.Data))
		}
		entries, err := projsecret.ParseEntries(s.Annotations[projsecret.AnnotationEntries])
		if err != nil || len(entries) != 1 {
			t.Errorf("entries left: %v %v", entries.Keys(), err)
		}
	})
	t.Run("a missing key deletes nothing", func(t *testing.T) {
		h := seed(t)
		h.run(t, "", "delete", "web", "A", "NOPE").fails(t, `error: project "web", key "NOPE": not found`)
		if s := h.secret(t, "web"); len(s.Data) != 3 {
			t.Errorf("data keys left: %v", keysOf(s.Data))
		}
	})
	t.Run("the emptied secret stays, labeled", func(t *testing.T) {
		h := seed(t)
		h.run(t, "", "delete", "web", "A", "B", "C").ok(t)
		s := h.secret(t, "web")
		if len(s.Data) != 0 || s.Labels[projsecret.LabelProject] != "web" {
			t.Errorf("secret after emptying: data %v, labels %v", keysOf(s.Data), s.Labels)
		}
		r := h.run(t, "", "projects").ok(t)
		if r.stdout != "PROJECT   ENTRIES   OWNERS   AGE\nweb       0         <none>   3d1h\n" {
			t.Errorf("projects after emptying:\n%s", r.stdout)
		}
	})
	t.Run("missing project", func(t *testing.T) {
		h := seed(t)
		h.run(t, "", "delete", "nope", "A").fails(t, `error: project "nope", key "A": not found`)
	})
}

func keysOf[V any](m map[string]V) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}
