package plugin

import (
	"slices"
	"strings"
	"testing"

	"github.com/projsecret/projsecret"
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

// A kind the user may not list is named in a warning and skipped; the
// other kinds are still answered, and the exit status says the answer is
// partial, as kubectl get's does.
func TestUsesWithAForbiddenKind(t *testing.T) {
	t.Parallel()
	h := usesHarness(t)
	h.cs.PrependReactor("list", "cronjobs", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Group: "batch", Resource: "cronjobs"}, "", nil)
	})
	r := h.run(t, "", "uses", "dev")
	noValues(t, r)
	if r.code != 1 {
		t.Errorf("exit code %d, want 1", r.code)
	}
	// The CronJob's Job shows itself: its owner could not be listed.
	want := `KIND         NAME        KEYS   HOW       STALE
Deployment   web         A      env       
Job          nightly-1   A,B    volume    
Pod          debug       *      envFrom   
Secret       run-1       A,B    copy      B
`
	if r.stdout != want {
		t.Errorf("stdout:\n%s\nwant the other kinds:\n%s", r.stdout, want)
	}
	for _, line := range []string{
		`Warning: you may not list cronjobs in namespace "` + ns + `": readers among them are not shown`,
		`the answer is incomplete: you may not list cronjobs in namespace "` + ns + `"`,
	} {
		if !strings.Contains(r.stderr, line) {
			t.Errorf("stderr %q lacks %q", r.stderr, line)
		}
	}
}
