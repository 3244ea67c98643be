//go:build integration

package integration

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/internal/testenv"
	"github.com/projsecret/projsecret/store"
)

// TestRestartReadersOfChangedKeys is issue 19's restart scenario on the
// real API server: six Deployments reading A or B by env, the whole
// Secret by envFrom, A or B by a volume item, the whole Secret by volume;
// a StatefulSet reading A by env; a CronJob reading A.
func TestRestartReadersOfChangedKeys(t *testing.T) {
	ctx := context.Background()
	ns := namespace(t)
	mustSucceed(t, []byte("s3cr3t-a"), "-n", ns, "create", "p", "A", "--stdin")
	mustSucceed(t, []byte("s3cr3t-b"), "-n", ns, "create", "p", "B", "--stdin")
	secret := projsecret.SecretName("p")
	ref := corev1.LocalObjectReference{Name: secret}
	envKey := func(key string) corev1.PodSpec {
		return corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "app", Env: []corev1.EnvVar{{Name: "V", ValueFrom: &corev1.EnvVarSource{
			SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: ref, Key: key}}}}}}}
	}
	volume := func(keys ...string) corev1.PodSpec {
		var items []corev1.KeyToPath
		for _, k := range keys {
			items = append(items, corev1.KeyToPath{Key: k, Path: strings.ToLower(k)})
		}
		return corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "app", VolumeMounts: []corev1.VolumeMount{{Name: "s", MountPath: "/s"}}}},
			Volumes: []corev1.Volume{{Name: "s", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: secret, Items: items}}}}}
	}
	envFrom := corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "app", EnvFrom: []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: ref}}}}}}
	labels := func(name string) map[string]string { return map[string]string{"app": name} }
	template := func(name string, spec corev1.PodSpec) corev1.PodTemplateSpec {
		return corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels(name)}, Spec: spec}
	}
	deployments := map[string]corev1.PodSpec{"env-a": envKey("A"), "env-b": envKey("B"), "env-from": envFrom, "vol-a": volume("A"), "vol-b": volume("B"), "vol-all": volume()}
	apps := env.Clientset.AppsV1()
	for name, spec := range deployments {
		d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels(name)}, Template: template(name, spec)}}
		if _, err := apps.Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	sts := &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: "db"}, Spec: appsv1.StatefulSetSpec{
		Selector: &metav1.LabelSelector{MatchLabels: labels("db")}, Template: template("db", envKey("A"))}}
	if _, err := apps.StatefulSets(ns).Create(ctx, sts, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	cronSpec := envKey("A")
	cronSpec.RestartPolicy = corev1.RestartPolicyNever
	cron := &batchv1.CronJob{ObjectMeta: metav1.ObjectMeta{Name: "nightly"}, Spec: batchv1.CronJobSpec{Schedule: "0 3 * * *",
		JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: template("nightly", cronSpec)}}}}
	if _, err := env.Clientset.BatchV1().CronJobs(ns).Create(ctx, cron, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	// restartedAt is every workload whose Pod template carries the annotation.
	restarted := func() []string {
		var out []string
		ds, err := apps.Deployments(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range ds.Items {
			if _, ok := d.Spec.Template.Annotations[store.AnnotationRestartedAt]; ok {
				out = append(out, "Deployment/"+d.Name)
			}
		}
		s, err := apps.StatefulSets(ns).Get(ctx, "db", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := s.Spec.Template.Annotations[store.AnnotationRestartedAt]; ok {
			out = append(out, "StatefulSet/db")
		}
		c, err := env.Clientset.BatchV1().CronJobs(ns).Get(ctx, "nightly", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Spec.JobTemplate.Spec.Template.Annotations) > 0 {
			out = append(out, "CronJob/nightly")
		}
		slices.Sort(out)
		return out
	}

	dry := mustSucceed(t, nil, "-n", ns, "restart", "p", "A", "--dry-run")
	var would []string
	for _, m := range regexp.MustCompile(`(?m)^(\w+) +(\S+) .*would restart$`).FindAllStringSubmatch(dry.Stdout, -1) {
		would = append(would, m[1]+"/"+m[2])
	}
	if want := []string{"Deployment/env-a", "Deployment/env-from", "Deployment/vol-a", "Deployment/vol-all", "StatefulSet/db"}; !slices.Equal(would, want) {
		t.Errorf("restart --dry-run would restart %v, want %v:\n%s", would, want, dry.Stdout)
	}
	if !regexp.MustCompile(`(?m)^CronJob +nightly +A +env +skipped: not touched`).MatchString(dry.Stdout) {
		t.Errorf("the CronJob is not listed as skipped:\n%s", dry.Stdout)
	}
	if got := restarted(); len(got) != 0 {
		t.Fatalf("--dry-run changed the templates of %v", got)
	}

	set := mustSucceed(t, []byte("s3cr3t-a2"), "-n", ns, "set", "p", "A", "--stdin", "--restart")
	if strings.Contains(set.Stdout+set.Stderr, "s3cr3t") {
		t.Error("a value was printed")
	}
	if got, want := restarted(), []string{"Deployment/env-a", "Deployment/env-from", "Deployment/vol-a", "Deployment/vol-all", "StatefulSet/db"}; !slices.Equal(got, want) {
		t.Errorf("set --restart restarted %v, want %v:\n%s", got, want, set.Stdout)
	}
	d, err := apps.Deployments(ns).Get(ctx, "env-a", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if at, err := time.Parse(time.RFC3339, d.Spec.Template.Annotations[store.AnnotationRestartedAt]); err != nil || time.Since(at).Abs() > time.Minute {
		t.Errorf("restartedAt %q is not now in RFC 3339", d.Spec.Template.Annotations[store.AnnotationRestartedAt])
	}
}

// TestExpiryAndExpiring is issue 19's expiry scenario on the real API
// server.
func TestExpiryAndExpiring(t *testing.T) {
	ns, other := namespace(t), namespace(t)
	start := time.Now()
	mustSucceed(t, []byte("s3cr3t-1"), "-n", ns, "create", "p", "SOON", "--stdin", "--expires-in", "1h")
	mustSucceed(t, []byte("s3cr3t-2"), "-n", ns, "create", "p", "OLD", "--stdin")
	mustSucceed(t, nil, "-n", ns, "meta", "p", "OLD", "--expires-at", "2020-01-01T00:00:00Z")
	mustSucceed(t, []byte("s3cr3t-3"), "-n", ns, "create", "p", "LATER", "--stdin", "--expires-in", "2160h")
	mustSucceed(t, []byte("s3cr3t-4"), "-n", ns, "create", "p", "NEVER", "--stdin")
	mustSucceed(t, []byte("s3cr3t-5"), "-n", ns, "create", "quiet", "K", "--stdin")
	mustSucceed(t, []byte("s3cr3t-6"), "-n", other, "create", "q", "K", "--stdin", "--expires-in", "2h")

	near := func(got time.Time, want time.Time) bool { return got.Sub(want).Abs() < time.Minute }
	entries, err := projsecret.ParseEntries(secret(t, ns, "p").Annotations[projsecret.AnnotationEntries])
	if err != nil {
		t.Fatal(err)
	}
	if !near(entries["SOON"].ExpiresAt, start.Add(time.Hour)) || entries["OLD"].ExpiresAt.Format(time.RFC3339) != "2020-01-01T00:00:00Z" ||
		!near(entries["LATER"].ExpiresAt, start.Add(2160*time.Hour)) || !entries["NEVER"].ExpiresAt.IsZero() {
		t.Errorf("expiresAt: SOON %v, OLD %v, LATER %v, NEVER %v", entries["SOON"].ExpiresAt, entries["OLD"].ExpiresAt, entries["LATER"].ExpiresAt, entries["NEVER"].ExpiresAt)
	}
	if table := mustSucceed(t, nil, "-n", ns, "get", "p").Stdout; !strings.Contains(table, "EXPIRES") || !regexp.MustCompile(`(?m)^OLD .*expired \S+ ago`).MatchString(table) {
		t.Errorf("get table:\n%s", table)
	}

	res := kubectl(t, nil, "projsecret", "-n", ns, "expiring", "p", "--within", "24h", "--no-headers")
	var keys []string
	for _, line := range strings.Split(strings.TrimSpace(res.Stdout), "\n") {
		if f := strings.Fields(line); len(f) > 1 {
			keys = append(keys, f[1])
		}
	}
	if res.ExitCode != 1 || !slices.Equal(keys, []string{"OLD", "SOON"}) {
		t.Errorf("expiring p --within 24h: exit %d, keys %v, want 1 and [OLD SOON]: %s", res.ExitCode, keys, res)
	}
	if res := kubectl(t, nil, "projsecret", "-n", ns, "expiring", "quiet"); res.ExitCode != 0 || res.Stdout != "" {
		t.Errorf("expiring quiet: %s", res)
	}
	if res := kubectl(t, nil, "projsecret", "-n", ns, "expiring", "absent"); res.ExitCode != 2 {
		t.Errorf("expiring absent: %s", res)
	}
	all := kubectl(t, nil, "projsecret", "expiring", "-A", "--within", "3h")
	for _, want := range []string{ns + " +p +OLD ", ns + " +p +SOON ", other + " +q +K "} {
		if !regexp.MustCompile(`(?m)^` + want).MatchString(all.Stdout) {
			t.Errorf("expiring -A lacks %q: %s", want, all)
		}
	}
	if all.ExitCode != 1 || strings.Contains(all.Stdout, "LATER") {
		t.Errorf("expiring -A: %s", all)
	}

	mustSucceed(t, nil, "-n", ns, "meta", "p", "NEVER", "--rotate-every", "720h")
	mustSucceed(t, []byte("s3cr3t-7"), "-n", ns, "set", "p", "NEVER", "--stdin")
	setAt := time.Now()
	entries, err = projsecret.ParseEntries(secret(t, ns, "p").Annotations[projsecret.AnnotationEntries])
	if err != nil {
		t.Fatal(err)
	}
	if e := entries["NEVER"]; e.RotateEvery != 720*time.Hour || !near(e.ExpiresAt, setAt.Add(720*time.Hour)) {
		t.Errorf("after meta --rotate-every 720h and set: %+v", e)
	}
}

// TestWebhookExpiry: with the webhook on, the plugin's expiry and restart writes pass
// review, one that leaves an entry expired is warned about, and malformed
// or misattributed expiry metadata written around the plugin is denied.
func TestWebhookExpiry(t *testing.T) {
	StartWebhook(t)
	t.Run("Expiry", TestExpiryAndExpiring)
	t.Run("Restart", TestRestartReadersOfChangedKeys)

	ns := namespace(t)
	grant(t, ns, "alice")
	mustSucceed(t, []byte("s3cr3t-VALUE-1"), "-n", ns, "create", "demo", "api-token", "--stdin", "--expires-in", "1h", "--rotate-every", "720h")
	res := mustSucceed(t, nil, "-n", ns, "meta", "demo", "api-token", "--expires-at", "2020-01-01T00:00:00Z")
	if !strings.Contains(res.Stderr, `Warning: expired entries (expiresAt has passed): "api-token"`) {
		t.Errorf("no admission warning for an expired entry: %s", res)
	}
	stored := secret(t, ns, "demo")
	entries := stored.Annotations[projsecret.AnnotationEntries]
	annotate := func(text string, as ...string) func() testenv.Result {
		return func() testenv.Result {
			args := append(as, "-n", ns, "annotate", "--overwrite", "secret", projsecret.SecretName("demo"), projsecret.AnnotationEntries+"="+text)
			return kubectl(t, nil, args...)
		}
	}
	for _, tc := range []struct {
		name string
		run  func() testenv.Result
		want string
	}{
		{"expiresAt with an offset", annotate(strings.Replace(entries, `"2020-01-01T00:00:00Z"`, `"2020-01-01T01:00:00+01:00"`, 1)), `expiresAt "2020-01-01T01:00:00+01:00" is not a timestamp in RFC 3339, UTC, whole seconds, with Z`},
		{"rotateEvery under an hour", annotate(strings.Replace(entries, `"720h"`, `"30m"`, 1)), "rotateEvery 30m is out of range"},
		{"expiry moved by someone else", annotate(strings.Replace(entries, `"2020-01-01T00:00:00Z"`, `"2030-01-01T00:00:00Z"`, 1), "--as", "alice"), `entry "api-token" changed: updatedBy must be the requesting user "alice"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mustBeDenied(t, tc.run(), tc.want)
		})
	}
	if after := secret(t, ns, "demo"); after.ResourceVersion != stored.ResourceVersion {
		t.Errorf("denied writes changed the secret")
	}
}
