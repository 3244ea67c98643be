package console

import (
	"context"
	"errors"
	"net/http"
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
	k8stesting "k8s.io/client-go/testing"
)

// reader is a Deployment whose one container reads the payments project's
// Secret: key by env, or the whole Secret by envFrom when key is "".
func reader(name, key string) *appsv1.Deployment {
	secret := projsecret.SecretName("payments")
	c := corev1.Container{Name: "app", Image: "app"}
	if key == "" {
		c.EnvFrom = []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: secret}}}}
	} else {
		c.Env = []corev1.EnvVar{{Name: key, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: secret}, Key: key}}}}
	}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec:       appsv1.DeploymentSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{c}}}},
	}
}

func (h *harness) restartedAt(name string) string {
	h.t.Helper()
	d, err := h.cs.AppsV1().Deployments(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		h.t.Fatal(err)
	}
	return d.Spec.Template.Annotations[store.AnnotationRestartedAt]
}

// TestRestartAfterSet: a changed value leads to the page that lists, as a
// dry run, exactly the readers of that key; its button restarts them, and
// only them; a refused restart is shown on its row and leaves the value.
func TestRestartAfterSet(t *testing.T) {
	t.Parallel()
	cron := &batchv1.CronJob{
		ObjectMeta: metav1.ObjectMeta{Name: "nightly", Namespace: ns},
		Spec: batchv1.CronJobSpec{Schedule: "@daily", JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{
			Template: reader("x", "DB_PASSWORD").Spec.Template}}},
	}
	h := newHarness(t, seeded(t, "payments", "", "DB_PASSWORD", "API_KEY"),
		reader("reads-db", "DB_PASSWORD"), reader("reads-api", "API_KEY"), reader("reads-all", ""), reader("locked", "DB_PASSWORD"), cron)
	base := "/ns/" + ns + "/p/payments/"
	offer := base + "restart?key=DB_PASSWORD"

	rec := h.post(base+"e/DB_PASSWORD/value", map[string]string{"value": "rotated"}, nil)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"redirect":"`+offer+`"`) {
		t.Fatalf("set: status %d, %s; want a redirect to %s", rec.Code, rec.Body, offer)
	}
	// The same bytes again change no value: no offer.
	rec = h.post(base+"e/DB_PASSWORD/value", map[string]string{"value": "rotated"}, nil)
	if !strings.Contains(rec.Body.String(), `"redirect":"`+base+`e/DB_PASSWORD"`) {
		t.Errorf("set to the same value: %s, want a redirect to the entry", rec.Body)
	}

	rec = h.get(offer)
	body := rec.Body.String()
	if rec.Code != http.StatusOK {
		t.Fatalf("offer: status %d: %s", rec.Code, body)
	}
	for _, want := range []string{"reads-db", "reads-all", "locked", "would restart", "nightly", "not touched", "Restart 3 workloads", `name="key" value="DB_PASSWORD"`, `name="csrf"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the offer lacks %q", want)
		}
	}
	if strings.Contains(body, "reads-api") {
		t.Error("the offer lists a workload that reads only another key")
	}
	for _, d := range []string{"reads-db", "reads-all", "locked", "reads-api"} {
		if got := h.restartedAt(d); got != "" {
			t.Errorf("the dry run restarted %s (%q)", d, got)
		}
	}

	// The button is a form post: without the CSRF token it is refused
	// before anything is restarted.
	body2, ct := form(map[string]string{"key": "DB_PASSWORD"}, nil)
	r := request("POST", base+"restart", body2)
	r.Header.Set("Content-Type", ct)
	r.Header.Set("Origin", origin)
	r.AddCookie(h.cookie)
	if rec := h.raw(r); rec.Code != http.StatusForbidden {
		t.Errorf("restart without the CSRF token: status %d, want 403", rec.Code)
	}
	if got := h.restartedAt("reads-db"); got != "" {
		t.Fatal("a refused restart request restarted")
	}

	h.cs.PrependReactor("patch", "deployments", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.(k8stesting.PatchAction).GetName() == "locked" {
			return true, nil, apierrors.NewForbidden(schema.GroupResource{Group: "apps", Resource: "deployments"}, "locked", errors.New("no patch for you"))
		}
		return false, nil, nil
	})
	rec = h.post(base+"restart", map[string]string{"key": "DB_PASSWORD"}, nil)
	body = rec.Body.String()
	if rec.Code != http.StatusOK {
		t.Fatalf("restart: status %d: %s", rec.Code, body)
	}
	for _, want := range []string{"restarted", "failed", "you may not patch it", "1 restart failed", "The value stays saved"} {
		if !strings.Contains(body, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	for d, want := range map[string]bool{"reads-db": true, "reads-all": true, "reads-api": false, "locked": false} {
		if got := h.restartedAt(d) != ""; got != want {
			t.Errorf("%s restarted: %v, want %v", d, got, want)
		}
	}
	if _, v, _ := h.stored("payments", "DB_PASSWORD"); string(v) != "rotated" {
		t.Error("a failed restart changed the value")
	}

	// Never every reader at once: the page and the action need keys.
	if rec := h.get(base + "restart"); rec.Code != http.StatusBadRequest {
		t.Errorf("offer without a key: status %d, want 400", rec.Code)
	}
	if rec := h.post(base+"restart", nil, nil); rec.Code != http.StatusBadRequest || !strings.Contains(errorOf(t, rec), "no key") {
		t.Errorf("restart without a key: status %d", rec.Code)
	}
	if rec := h.get(base + "restart?key=bad%20key"); rec.Code != http.StatusBadRequest {
		t.Errorf("offer for an invalid key: status %d, want 400", rec.Code)
	}
}
