//go:build integration

package integration

import (
	"context"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/projsecret/projsecret"
)

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
