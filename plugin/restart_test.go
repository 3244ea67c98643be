package plugin

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/store"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	k8stesting "k8s.io/client-go/testing"
)

// restartHarness is project dev (keys A and B) with readers of every kind:
// Deployments env-a (A by env), env-b (B by env), all (envFrom), vol-a (A
// by a volume item), paused (A by env, paused); StatefulSet db (A by env);
// DaemonSet agent (B by env); CronJob nightly (A);
// Job once (A); Pod debug (A); run copy run-1 (A, B).
func restartHarness(t *testing.T, more ...runtime.Object) *harness {
	secret := projsecret.SecretName("dev")
	env := func(key string) corev1.PodSpec {
		return corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Env: []corev1.EnvVar{{Name: "V", ValueFrom: &corev1.EnvVarSource{
			SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: secret}, Key: key}}}}}}}
	}
	envFrom := corev1.PodSpec{Containers: []corev1.Container{{Name: "app", EnvFrom: []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: secret}}}}}}}
	volA := corev1.PodSpec{Volumes: []corev1.Volume{{Name: "s", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: secret, Items: []corev1.KeyToPath{{Key: "A", Path: "a"}}}}}}}
	om := func(name string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Name: name, Namespace: ns, UID: types.UID("uid-" + name)}
	}
	deploy := func(name string, spec corev1.PodSpec, paused bool) *appsv1.Deployment {
		return &appsv1.Deployment{ObjectMeta: om(name), Spec: appsv1.DeploymentSpec{Paused: paused, Template: corev1.PodTemplateSpec{Spec: spec}}}
	}
	objects := []runtime.Object{
		seeded(t, ns, "dev", seedEntry{key: "A", value: valA}, seedEntry{key: "B", value: valB}),
		deploy("env-a", env("A"), false), deploy("env-b", env("B"), false), deploy("all", envFrom, false),
		deploy("vol-a", volA, false), deploy("paused", env("A"), true),
		&appsv1.StatefulSet{ObjectMeta: om("db"), Spec: appsv1.StatefulSetSpec{Template: corev1.PodTemplateSpec{Spec: env("A")}}},
		&appsv1.DaemonSet{ObjectMeta: om("agent"), Spec: appsv1.DaemonSetSpec{Template: corev1.PodTemplateSpec{Spec: env("B")}}},
		&batchv1.CronJob{ObjectMeta: om("nightly"), Spec: batchv1.CronJobSpec{JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: env("A")}}}}},
		&batchv1.Job{ObjectMeta: om("once"), Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: env("A")}}},
		&corev1.Pod{ObjectMeta: om("debug"), Spec: env("A")},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "run-1", Namespace: ns, Labels: map[string]string{projsecret.LabelDHCoreProject: "dev"}},
			Data: map[string][]byte{"A": []byte(valA), "B": []byte(valB)}},
	}
	return newHarness(t, append(objects, more...)...)
}

// restartedAt returns the restartedAt annotation of every Deployment,
// StatefulSet and DaemonSet that has one, by kind/name.
func restartedAt(t *testing.T, h *harness) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	apps := h.cs.AppsV1()
	ds, err := apps.Deployments(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds.Items {
		if v, ok := d.Spec.Template.Annotations[store.AnnotationRestartedAt]; ok {
			out["Deployment/"+d.Name] = v
		}
	}
	ss, err := apps.StatefulSets(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range ss.Items {
		if v, ok := s.Spec.Template.Annotations[store.AnnotationRestartedAt]; ok {
			out["StatefulSet/"+s.Name] = v
		}
	}
	dss, err := apps.DaemonSets(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dss.Items {
		if v, ok := d.Spec.Template.Annotations[store.AnnotationRestartedAt]; ok {
			out["DaemonSet/"+d.Name] = v
		}
	}
	return out
}

func patches(h *harness) []string {
	var out []string
	for _, a := range h.cs.Actions() {
		if p, ok := a.(k8stesting.PatchAction); ok {
			out = append(out, a.GetResource().Resource+"/"+p.GetName())
		}
	}
	slices.Sort(out)
	return out
}

func TestRestart(t *testing.T) {
	t.Parallel()
	stamp := now().Format("2006-01-02T15:04:05Z07:00")
	t.Run("dry run of A", func(t *testing.T) {
		h := restartHarness(t)
		r := h.run(t, "", "restart", "dev", "A", "--dry-run").ok(t)
		noValues(t, r)
		want := `KIND          NAME      KEYS   HOW       RESULT
CronJob       nightly   A      env       skipped: not touched: its next Job reads the new value
Deployment    all       *      envFrom   would restart
Deployment    env-a     A      env       would restart
Deployment    paused    A      env       skipped: paused: kubectl rollout resume it first
Deployment    vol-a     A      volume    would restart
Job           once      A      env       skipped: a Job cannot be restarted: its running Pods keep the old value until they finish
Pod           debug     A      env       skipped: a bare Pod cannot be restarted: recreate it
Secret        run-1     A      copy      skipped: a DigitalHub run copy holds its own copy of the values, now stale: run again to refresh it
StatefulSet   db        A      env       would restart
`
		if r.stdout != want {
			t.Errorf("stdout:\n%s\nwant:\n%s", r.stdout, want)
		}
		if !strings.Contains(r.stderr, "0 restarted, 4 would restart, 5 skipped, 0 failed") {
			t.Errorf("stderr %q", r.stderr)
		}
		if p := patches(h); len(p) != 0 {
			t.Errorf("a dry run patched %v", p)
		}
	})
	t.Run("A", func(t *testing.T) {
		h := restartHarness(t)
		r := h.run(t, "", "restart", "dev", "A").ok(t)
		got := restartedAt(t, h)
		want := map[string]string{"Deployment/all": stamp, "Deployment/env-a": stamp, "Deployment/vol-a": stamp, "StatefulSet/db": stamp}
		if !maps.Equal(got, want) {
			t.Errorf("restartedAt %v, want %v (stdout %s)", got, want, r.stdout)
		}
		if p := patches(h); !slices.Equal(p, []string{"deployments/all", "deployments/env-a", "deployments/vol-a", "statefulsets/db"}) {
			t.Errorf("patches %v", p)
		}
	})
	t.Run("every key", func(t *testing.T) {
		h := restartHarness(t)
		h.run(t, "", "restart", "dev").ok(t)
		got := restartedAt(t, h)
		for _, k := range []string{"Deployment/all", "Deployment/env-a", "Deployment/env-b", "Deployment/vol-a", "StatefulSet/db", "DaemonSet/agent"} {
			if got[k] != stamp {
				t.Errorf("%s not restarted: %v", k, got)
			}
		}
		if len(got) != 6 {
			t.Errorf("restarted %v", got)
		}
	})
	t.Run("a refused patch is one failed line", func(t *testing.T) {
		h := restartHarness(t)
		h.cs.PrependReactor("patch", "deployments", func(a k8stesting.Action) (bool, runtime.Object, error) {
			if a.(k8stesting.PatchAction).GetName() == "env-a" {
				return true, nil, apierrors.NewForbidden(schema.GroupResource{Group: "apps", Resource: "deployments"}, "env-a", nil)
			}
			return false, nil, nil
		})
		r := h.run(t, "", "restart", "dev", "A")
		if r.code != 1 || !strings.Contains(r.stderr, "error: 1 of 4 restarts failed") {
			t.Errorf("exit %d, stderr %q", r.code, r.stderr)
		}
		if !strings.Contains(r.stdout, "env-a     A      env       failed: forbidden") {
			t.Errorf("stdout %s", r.stdout)
		}
		if got := restartedAt(t, h); len(got) != 3 || got["StatefulSet/db"] != stamp {
			t.Errorf("the others were not restarted: %v", got)
		}
	})
	t.Run("nothing reads the key", func(t *testing.T) {
		h := newHarness(t, seeded(t, ns, "dev", seedEntry{key: "A", value: valA}))
		r := h.run(t, "", "restart", "dev", "A").ok(t)
		if r.stdout != "" || !strings.Contains(r.stderr, "nothing to restart") {
			t.Errorf("stdout %q stderr %q", r.stdout, r.stderr)
		}
	})
	t.Run("no such project", func(t *testing.T) {
		restartHarness(t).run(t, "", "restart", "nope").fails(t, "not found")
	})
	t.Run("json", func(t *testing.T) {
		r := restartHarness(t).run(t, "", "restart", "dev", "B", "--dry-run", "-o", "jsonpath={range .items[*]}{.workload.kind}/{.metadata.name}:{.result} {end}").ok(t)
		if want := "DaemonSet/agent:would restart Deployment/all:would restart Deployment/env-b:would restart Secret/run-1:skipped "; r.stdout != want {
			t.Errorf("stdout %q, want %q", r.stdout, want)
		}
	})
}

// TestRestartUnlisted: a kind the user may not list is a warning, and
// the rest goes on; exit 1 only when it is a kind restart rolls.
func TestRestartUnlisted(t *testing.T) {
	t.Parallel()
	forbid := func(h *harness, resource string) {
		h.cs.PrependReactor("list", resource, func(k8stesting.Action) (bool, runtime.Object, error) {
			return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: resource}, "", nil)
		})
	}
	h := restartHarness(t)
	forbid(h, "cronjobs")
	r := h.run(t, "", "restart", "dev", "A").ok(t)
	if !strings.Contains(r.stderr, "Warning: you may not list cronjobs in this namespace") || strings.Contains(r.stdout, "nightly") {
		t.Errorf("stdout %q stderr %q", r.stdout, r.stderr)
	}
	if got := restartedAt(t, h); len(got) != 4 {
		t.Errorf("restarted %v", got)
	}
	h = restartHarness(t)
	forbid(h, "statefulsets")
	r = h.run(t, "", "restart", "dev", "A")
	if r.code != 1 || !strings.Contains(r.stderr, "you may not list statefulsets") || !strings.Contains(r.stderr, "error: restart could not list every kind it rolls") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
	if p := patches(h); !slices.Equal(p, []string{"deployments/all", "deployments/env-a", "deployments/vol-a"}) {
		t.Errorf("patched %v", p)
	}
}
