package plugin

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/projsecret/projsecret"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
)

// The values the cross-project tests use: each test checks them by
// comparison, and no output may contain one.
const (
	valA    = "s3cr3t-a"
	valB    = "s3cr3t-b"
	valB2   = "s3cr3t-b-other"
	valOnly = "s3cr3t-only"
)

func noValues(t *testing.T, r result) {
	t.Helper()
	if strings.Contains(r.stdout+r.stderr, "s3cr3t") {
		t.Errorf("a value was printed: stdout %q, stderr %q", r.stdout, r.stderr)
	}
}

func crossHarness(t *testing.T) *harness {
	dev := seeded(t, ns, "dev",
		seedEntry{key: "A", value: valA, description: "alpha", labels: map[string]string{"tier": "db"}},
		seedEntry{key: "B", value: valB, description: "beta"})
	staging := seeded(t, ns, "staging",
		seedEntry{key: "B", value: valB2, description: "old beta", labels: map[string]string{"stale": "yes"}},
		seedEntry{key: "C", value: valOnly})
	return newHarness(t, dev, staging, seeded(t, "prod", "dev"))
}

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

func TestDiff(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	envFile := write("dev.env", "# dev\nexport A="+valA+"\n\nB=\""+valB+"\"\n")
	jsonFile := write("x.json", `{"A": "`+valA+`", "B": "`+valB2+`", "D": "`+valOnly+`"}`)
	yamlFile := write("x.yaml", "A: "+valA+"\n")
	badJSON := write("bad.json", `{"A": 5}`)
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"projects differ", []string{"diff", "dev", "--to", "staging"}, 1, "- A\n~ B\n+ C\n", ""},
		{"--all", []string{"diff", "dev", "--to", "staging", "--all"}, 1, "- A\n~ B\n+ C\n", ""},
		{"across namespaces", []string{"diff", "dev", "--to", "dev", "--to-namespace", "prod"}, 1, "- A\n- B\n", ""},
		{"env file equal", []string{"diff", "dev", "-f", envFile}, 0, "", ""},
		{"env file equal --all", []string{"diff", "dev", "-f", envFile, "--all"}, 0, "= A\n= B\n", ""},
		{"json file", []string{"diff", "dev", "-f", jsonFile, "-o", "json"}, 1,
			"[\n    {\n        \"key\": \"B\",\n        \"change\": \"changed\"\n    },\n    {\n        \"key\": \"D\",\n        \"change\": \"added\"\n    }\n]\n", ""},
		{"yaml file", []string{"diff", "dev", "-f", yamlFile, "-o", "yaml"}, 1, "- change: removed\n  key: B\n", ""},
		{"format overrides extension", []string{"diff", "dev", "-f", yamlFile, "--format", "env"}, 2, "", "line 1: expected KEY=VALUE"},
		{"non-string value", []string{"diff", "dev", "-f", badJSON}, 2, "", `key "A": the value is not a string`},
		{"missing project", []string{"diff", "nope", "--to", "dev"}, 2, "", `project "nope": not found`},
		{"usage error", []string{"diff", "dev"}, 2, "", "expected exactly one of --to OTHER or -f FILE"},
		{"unknown flag", []string{"diff", "dev", "--bogus"}, 2, "", "unknown flag: --bogus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := crossHarness(t).run(t, "", tt.args...)
			noValues(t, r)
			if r.code != tt.code || r.stdout != tt.stdout || !strings.Contains(r.stderr, tt.stderr) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d, stdout %q, stderr containing %q", r.code, r.stdout, r.stderr, tt.code, tt.stdout, tt.stderr)
			}
			if tt.code == 2 && strings.Count(r.stderr, "\n") != 1 {
				t.Errorf("an error is not one line: %q", r.stderr)
			}
		})
	}
}

func dhcoreSecret(name string, data map[string]string) *corev1.Secret {
	s := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, CreationTimestamp: metav1.NewTime(t0.Add(-24 * time.Hour))},
		Type:       corev1.SecretTypeOpaque,
		Data:       map[string][]byte{},
	}
	for k, v := range data {
		s.Data[k] = []byte(v)
	}
	return s
}

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

func TestProjectsMetadataOnly(t *testing.T) {
	t.Parallel()
	h := crossHarness(t)
	h.cs.Tracker().Add(dhcoreSecret("proj-secrets-legacy", map[string]string{"k": valA}))
	h.cs.Tracker().Add(dhcoreSecret("unrelated", map[string]string{"k": valA}))
	r := h.run(t, "", "projects", "--unmanaged").ok(t)
	want := `PROJECT   ENTRIES     OWNERS   AGE    STATUS
dev       2           <none>   3d1h   managed
legacy    <unknown>   <none>   25h    unmanaged
staging   2           <none>   3d1h   managed
`
	if r.stdout != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", r.stdout, want)
	}
	r = h.run(t, "", "projects", "--unmanaged", "-o", "jsonpath={range .items[*]}{.metadata.name}:{.unmanaged}:{.entries} {end}").ok(t)
	if r.stdout != "dev::2 legacy:true: staging::2 " {
		t.Errorf("jsonpath %q", r.stdout)
	}
	var lists int
	for _, a := range h.md.Actions() {
		if a.GetVerb() == "list" {
			lists++
		}
	}
	if lists != 4 {
		t.Errorf("%d metadata LISTs, want 4 (two per projects --unmanaged)", lists)
	}
}

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

func usesHarness(t *testing.T) *harness {
	secret := projsecret.SecretName("dev")
	ctrl := func(kind, name, uid string) []metav1.OwnerReference {
		yes := true
		return []metav1.OwnerReference{{APIVersion: "v1", Kind: kind, Name: name, UID: types.UID(uid), Controller: &yes}}
	}
	envKey := corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Env: []corev1.EnvVar{
		{Name: "PW", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: secret}, Key: "A"}}},
		{Name: "OTHER", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "other"}, Key: "B"}}},
	}}}}
	envFrom := corev1.PodSpec{InitContainers: []corev1.Container{{Name: "init", EnvFrom: []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: secret}}}}}}}
	volume := corev1.PodSpec{Volumes: []corev1.Volume{{Name: "s", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{
		{Secret: &corev1.SecretProjection{LocalObjectReference: corev1.LocalObjectReference{Name: secret}, Items: []corev1.KeyToPath{{Key: "A", Path: "a"}, {Key: "B", Path: "b"}}}},
	}}}}}}
	om := func(name, uid string, owners []metav1.OwnerReference) metav1.ObjectMeta {
		return metav1.ObjectMeta{Name: name, Namespace: ns, UID: types.UID(uid), OwnerReferences: owners}
	}
	objects := []runtime.Object{
		seeded(t, ns, "dev", seedEntry{key: "A", value: valA}, seedEntry{key: "B", value: valB}),
		&appsv1.Deployment{ObjectMeta: om("web", "d1", nil), Spec: appsv1.DeploymentSpec{Template: corev1.PodTemplateSpec{Spec: envKey}}},
		&appsv1.ReplicaSet{ObjectMeta: om("web-1", "r1", ctrl("Deployment", "web", "d1")), Spec: appsv1.ReplicaSetSpec{Template: corev1.PodTemplateSpec{Spec: envKey}}},
		&corev1.Pod{ObjectMeta: om("web-1-x", "p1", ctrl("ReplicaSet", "web-1", "r1")), Spec: envKey},
		&corev1.Pod{ObjectMeta: om("debug", "p2", nil), Spec: envFrom},
		&corev1.Pod{ObjectMeta: om("unrelated", "p3", nil), Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "x"}}}},
		&batchv1.CronJob{ObjectMeta: om("nightly", "c1", nil), Spec: batchv1.CronJobSpec{JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: volume}}}}},
		&batchv1.Job{ObjectMeta: om("nightly-1", "j1", ctrl("CronJob", "nightly", "c1")), Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: volume}}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "run-1", Namespace: ns, Labels: map[string]string{projsecret.LabelDHCoreProject: "dev"}},
			Data: map[string][]byte{"A": []byte(valA), "B": []byte("s3cr3t-stale")}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "run-other", Namespace: ns, Labels: map[string]string{projsecret.LabelDHCoreProject: "staging"}},
			Data: map[string][]byte{"A": []byte(valA)}},
	}
	return newHarness(t, objects...)
}

func TestUses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		args   []string
		stdout string
	}{
		{"all", []string{"uses", "dev"}, `KIND         NAME      KEYS   HOW       STALE
CronJob      nightly   A,B    volume    
Deployment   web       A      env       
Pod          debug     *      envFrom   
Secret       run-1     A,B    copy      B
`},
		{"one key", []string{"uses", "dev", "B"}, `KIND      NAME      KEYS   HOW       STALE
CronJob   nightly   B      volume    
Pod       debug     *      envFrom   
Secret    run-1     B      copy      B
`},
		{"json", []string{"uses", "dev", "A", "-o", "jsonpath={range .items[*]}{.workload.kind}/{.metadata.name}:{.keys}:{.staleKeys} {end}"},
			`CronJob/nightly:["A"]: Deployment/web:["A"]: Pod/debug:["*"]: Secret/run-1:["A"]:[] `},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := usesHarness(t).run(t, "", tt.args...).ok(t)
			noValues(t, r)
			if r.stdout != tt.stdout {
				t.Errorf("stdout:\n%s\nwant:\n%s", r.stdout, tt.stdout)
			}
			if r.stderr != "scanned 8 objects\n" {
				t.Errorf("stderr %q", r.stderr)
			}
		})
	}
	t.Run("LIST only, one per kind", func(t *testing.T) {
		h := usesHarness(t)
		h.run(t, "", "uses", "dev").ok(t)
		var lists []string
		for _, a := range h.cs.Actions() {
			switch a.GetVerb() {
			case "list":
				lists = append(lists, a.GetResource().Resource)
			case "get":
				// The project itself, to compare the copies with.
			default:
				t.Errorf("uses made a %s request", a.GetVerb())
			}
		}
		slices.Sort(lists)
		if want := []string{"cronjobs", "daemonsets", "deployments", "jobs", "pods", "replicasets", "secrets", "statefulsets"}; !slices.Equal(lists, want) {
			t.Errorf("LISTs %v, want %v", lists, want)
		}
	})
}

func TestDiffValuesJSONShape(t *testing.T) {
	t.Parallel()
	out, err := json.Marshal(diffValues(map[string][]byte{"a": []byte("1")}, map[string][]byte{"b": []byte("1")}))
	if err != nil || string(out) != `[{"key":"a","change":"removed"},{"key":"b","change":"added"}]` {
		t.Errorf("%s, %v", out, err)
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

// TestUsesAllNamespaces: each run copy is compared with the project of its
// own namespace, and a namespace without the project makes every key stale.
func TestUsesAllNamespaces(t *testing.T) {
	t.Parallel()
	runCopy := func(namespace, name string) *corev1.Secret {
		return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: map[string]string{projsecret.LabelDHCoreProject: "dev"}},
			Data: map[string][]byte{"A": []byte(valA)}}
	}
	h := newHarness(t,
		seeded(t, ns, "dev", seedEntry{key: "A", value: valA}),
		seeded(t, "prod", "dev", seedEntry{key: "A", value: valB}),
		runCopy(ns, "run-a"), runCopy("prod", "run-b"), runCopy("qa", "run-c"))
	r := h.run(t, "", "uses", "dev", "-A").ok(t)
	noValues(t, r)
	want := `NAMESPACE   KIND     NAME    KEYS   HOW    STALE
prod        Secret   run-b   A      copy   A
qa          Secret   run-c   A      copy   A
team-a      Secret   run-a   A      copy   <none>
`
	if r.stdout != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", r.stdout, want)
	}
}
