package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/store"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// restart is part 9: restart over 500 Deployments, half of which read the
// rotated key, through the Go client (no client-side rate limit) and the
// real plugin binary (client-go's default rate limit, as kubectl has).
func (b *Bench) restart(ctx context.Context) error {
	const ns, project, workloads = "bench-restart", "rot", 500
	if err := createNamespace(ctx, b.admin, ns, nil); err != nil {
		return err
	}
	if _, err := store.NewClient(b.admin, ns).Create(ctx, project, "A", randomValue(32), store.PutOptions{}); err != nil {
		return err
	}
	if _, err := store.NewClient(b.admin, ns).Create(ctx, project, "B", randomValue(32), store.PutOptions{}); err != nil {
		return err
	}
	// Creating 500 Deployments one by one takes a while; eight at a time.
	var wg sync.WaitGroup
	errs := make(chan error, workloads)
	sem := make(chan struct{}, 8)
	for i := range workloads {
		key := []string{"A", "B"}[i%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			name := fmt.Sprintf("w%03d", i)
			labels := map[string]string{"app": name}
			d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: appsv1.DeploymentSpec{
				Selector: &metav1.LabelSelector{MatchLabels: labels},
				Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name: "app", Image: "app", Env: []corev1.EnvVar{{Name: "V", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
						LocalObjectReference: corev1.LocalObjectReference{Name: projsecret.SecretName(project)}, Key: key}}}}}}}},
			}}
			if _, err := b.admin.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return fmt.Errorf("creating deployments: %w", err)
	}

	t := &Table{
		Title:  "9. `restart` over 500 Deployments",
		Notes:  []string{"500 Deployments in one namespace, 250 reading key A by env and 250 key B; `restart rot A` rolls the 250 A readers. Requests are counted at the client's transport. The Go client runs without a client-side rate limit; the plugin binary keeps client-go's default (5 requests a second, bursts of 10), as kubectl rollout restart does, so its time is the PATCHes' pacing, not the server's."},
		Header: []string{"How", "Restarted", "Requests (LIST / PATCH / other)", "Time"},
	}
	for _, dry := range []bool{true, false} {
		var lists, patches, other atomic.Int64
		config := rest.CopyConfig(b.config)
		config.WrapTransport = func(rt http.RoundTripper) http.RoundTripper {
			return roundTripFunc(func(r *http.Request) (*http.Response, error) {
				switch {
				case r.Method == http.MethodPatch:
					patches.Add(1)
				case r.Method == http.MethodGet && r.URL.Query().Get("watch") == "" && !isNamed(r.URL.Path, project):
					lists.Add(1)
				default:
					other.Add(1)
				}
				return rt.RoundTrip(r)
			})
		}
		cs, err := kubernetes.NewForConfig(config)
		if err != nil {
			return err
		}
		start := time.Now()
		report, err := store.NewClient(cs, ns, store.WithUser(func(context.Context) (string, error) { return b.user, nil })).Restart(ctx, project, []string{"A"}, dry)
		if err != nil {
			return err
		}
		took := time.Since(start)
		n := 0
		for _, it := range report.Items {
			if it.Action == store.Restarted || it.Action == store.WouldRestart {
				n++
			}
		}
		name := "Go client `Restart`"
		if dry {
			name += " (dry run)"
		}
		t.AddRow(name, n, fmt.Sprintf("%d / %d / %d", lists.Load(), patches.Load(), other.Load()), ms(took))
	}
	start := time.Now()
	out, err := b.sh.Output(ctx, nil, b.plugin(), "restart", project, "A", "-n", ns, "-o", "name")
	if err != nil {
		return err
	}
	t.AddRow("`kubectl projsecret restart rot A` (binary)", strings.Count(string(out), "\n"), "not counted (the same calls as the Go client, plus one GET of the project)", ms(time.Since(start)))
	return b.report.Add(t)
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// isNamed: a GET of one object (the project Secret), not a LIST.
func isNamed(path, project string) bool {
	return strings.HasSuffix(path, "/"+projsecret.SecretName(project))
}
