//go:build integration

package integration

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
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

func TestCrossAdopt(t *testing.T) {
	ns := namespace(t)
	admin, err := projsecret.WhoAmI(context.Background(), env.Clientset, "")
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

func TestCrossUses(t *testing.T) {
	ns := namespace(t)
	seedProject(t, ns, "app", map[string]string{"A": "s3cr3t-a", "B": "s3cr3t-b", "C": "s3cr3t-c"})
	name := projsecret.SecretName("app")
	ctx := context.Background()
	container := func(c corev1.Container) []corev1.Container {
		c.Name, c.Image = "main", "registry.example/app:1"
		return []corev1.Container{c}
	}
	labels := map[string]string{"app": "web"}
	deploy := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: corev1.PodSpec{Containers: container(corev1.Container{Env: []corev1.EnvVar{{
				Name: "PW", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: name}, Key: "A"}},
			}}})}},
		},
	}
	if _, err := env.Clientset.AppsV1().Deployments(ns).Create(ctx, deploy, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "debug"}, Spec: corev1.PodSpec{Containers: container(corev1.Container{
		EnvFrom: []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: name}}}},
	})}}
	if _, err := env.Clientset.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	cron := &batchv1.CronJob{
		ObjectMeta: metav1.ObjectMeta{Name: "nightly"},
		Spec: batchv1.CronJobSpec{Schedule: "0 3 * * *", JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
			RestartPolicy: corev1.RestartPolicyNever,
			Containers:    container(corev1.Container{VolumeMounts: []corev1.VolumeMount{{Name: "creds", MountPath: "/creds"}}}),
			Volumes: []corev1.Volume{{Name: "creds", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
				SecretName: name, Items: []corev1.KeyToPath{{Key: "B", Path: "b"}, {Key: "C", Path: "c"}},
			}}}},
		}}}}},
	}
	if _, err := env.Clientset.BatchV1().CronJobs(ns).Create(ctx, cron, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	run := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "run-42-secrets", Labels: map[string]string{"dhcore/project": "app"}},
		StringData: map[string]string{"A": "s3cr3t-a", "B": "s3cr3t-stale"},
	}
	if _, err := env.Clientset.CoreV1().Secrets(ns).Create(ctx, run, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	res := mustExit(t, 0, "-n", ns, "uses", "app")
	want := `KIND         NAME             KEYS   HOW       STALE
CronJob      nightly          B,C    volume    
Deployment   web              A      env       
Pod          debug            *      envFrom   
Secret       run-42-secrets   A,B    copy      B
`
	if res.Stdout != want {
		t.Errorf("uses app:\n%s\nwant:\n%s", res.Stdout, want)
	}
	if res.Stderr != "scanned 4 objects\n" {
		t.Errorf("stderr %q", res.Stderr)
	}
	res = mustExit(t, 0, "-n", ns, "uses", "app", "C", "-o", "jsonpath={range .items[*]}{.workload.kind}/{.workload.name} {end}")
	if res.Stdout != "CronJob/nightly Pod/debug " {
		t.Errorf("uses app C printed %q", res.Stdout)
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
