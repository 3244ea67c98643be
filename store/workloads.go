package store

import (
	"context"
	"fmt"

	"github.com/projsecret/projsecret"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Workload is one object with a Pod template (or a bare Pod), as uses and
// restart see it.
type Workload struct {
	Namespace, Kind, Name string
	// Paused is a Deployment whose rollouts are paused: kubectl rollout
	// restart refuses it, and so does Restart.
	Paused bool
	// Spec is the Pod template's spec (the Pod's own, for a Pod).
	Spec *corev1.PodSpec
}

// WorkloadScan is what one LIST per kind returned.
type WorkloadScan struct {
	// Scanned counts every object listed, shown or not.
	Scanned int
	// Workloads are the objects to match, in kind order, then as listed.
	Workloads []Workload
	// Copies are the Secrets labeled LabelDHCoreProject=project.
	Copies []corev1.Secret
	// Forbidden names the resources the user may not list: the scan goes
	// on without them, and the caller says what it could not see.
	Forbidden []string
}

// workloadKind lists one kind: each object's metadata and Pod spec.
type workloadKind struct {
	kind, resource string
	list           func(ctx context.Context, ns string) ([]Workload, []metav1.ObjectMeta, error)
	// hiddenUnder: an object controlled by an object of this kind is
	// counted but not shown; its owner is.
	hiddenUnder string
}

// workloadsOf turns a LIST's items into Workloads beside their metadata.
func workloadsOf[T any](items []T, err error, kind string, of func(*T) (metav1.ObjectMeta, *corev1.PodSpec, bool)) ([]Workload, []metav1.ObjectMeta, error) {
	if err != nil {
		return nil, nil, err
	}
	ws, metas := make([]Workload, len(items)), make([]metav1.ObjectMeta, len(items))
	for i := range items {
		meta, spec, paused := of(&items[i])
		ws[i], metas[i] = Workload{Namespace: meta.Namespace, Kind: kind, Name: meta.Name, Paused: paused, Spec: spec}, meta
	}
	return ws, metas, nil
}

func (c *Client) workloadKinds() []workloadKind {
	apps, batch, core := c.cs.AppsV1(), c.cs.BatchV1(), c.cs.CoreV1()
	opts := metav1.ListOptions{}
	return []workloadKind{
		{kind: "Deployment", resource: "deployments", list: func(ctx context.Context, ns string) ([]Workload, []metav1.ObjectMeta, error) {
			l, err := apps.Deployments(ns).List(ctx, opts)
			return workloadsOf(itemsOf(l, func(l *appsv1.DeploymentList) []appsv1.Deployment { return l.Items }), err, "Deployment",
				func(d *appsv1.Deployment) (metav1.ObjectMeta, *corev1.PodSpec, bool) {
					return d.ObjectMeta, &d.Spec.Template.Spec, d.Spec.Paused
				})
		}},
		{kind: "StatefulSet", resource: "statefulsets", list: func(ctx context.Context, ns string) ([]Workload, []metav1.ObjectMeta, error) {
			l, err := apps.StatefulSets(ns).List(ctx, opts)
			return workloadsOf(itemsOf(l, func(l *appsv1.StatefulSetList) []appsv1.StatefulSet { return l.Items }), err, "StatefulSet",
				func(s *appsv1.StatefulSet) (metav1.ObjectMeta, *corev1.PodSpec, bool) {
					return s.ObjectMeta, &s.Spec.Template.Spec, false
				})
		}},
		{kind: "DaemonSet", resource: "daemonsets", list: func(ctx context.Context, ns string) ([]Workload, []metav1.ObjectMeta, error) {
			l, err := apps.DaemonSets(ns).List(ctx, opts)
			return workloadsOf(itemsOf(l, func(l *appsv1.DaemonSetList) []appsv1.DaemonSet { return l.Items }), err, "DaemonSet",
				func(d *appsv1.DaemonSet) (metav1.ObjectMeta, *corev1.PodSpec, bool) {
					return d.ObjectMeta, &d.Spec.Template.Spec, false
				})
		}},
		{kind: "ReplicaSet", resource: "replicasets", hiddenUnder: "Deployment", list: func(ctx context.Context, ns string) ([]Workload, []metav1.ObjectMeta, error) {
			l, err := apps.ReplicaSets(ns).List(ctx, opts)
			return workloadsOf(itemsOf(l, func(l *appsv1.ReplicaSetList) []appsv1.ReplicaSet { return l.Items }), err, "ReplicaSet",
				func(r *appsv1.ReplicaSet) (metav1.ObjectMeta, *corev1.PodSpec, bool) {
					return r.ObjectMeta, &r.Spec.Template.Spec, false
				})
		}},
		{kind: "CronJob", resource: "cronjobs", list: func(ctx context.Context, ns string) ([]Workload, []metav1.ObjectMeta, error) {
			l, err := batch.CronJobs(ns).List(ctx, opts)
			return workloadsOf(itemsOf(l, func(l *batchv1.CronJobList) []batchv1.CronJob { return l.Items }), err, "CronJob",
				func(c *batchv1.CronJob) (metav1.ObjectMeta, *corev1.PodSpec, bool) {
					return c.ObjectMeta, &c.Spec.JobTemplate.Spec.Template.Spec, false
				})
		}},
		{kind: "Job", resource: "jobs", hiddenUnder: "CronJob", list: func(ctx context.Context, ns string) ([]Workload, []metav1.ObjectMeta, error) {
			l, err := batch.Jobs(ns).List(ctx, opts)
			return workloadsOf(itemsOf(l, func(l *batchv1.JobList) []batchv1.Job { return l.Items }), err, "Job",
				func(j *batchv1.Job) (metav1.ObjectMeta, *corev1.PodSpec, bool) {
					return j.ObjectMeta, &j.Spec.Template.Spec, false
				})
		}},
		// A Pod is hidden under any controller listed above.
		{kind: "Pod", resource: "pods", hiddenUnder: "*", list: func(ctx context.Context, ns string) ([]Workload, []metav1.ObjectMeta, error) {
			l, err := core.Pods(ns).List(ctx, opts)
			return workloadsOf(itemsOf(l, func(l *corev1.PodList) []corev1.Pod { return l.Items }), err, "Pod",
				func(p *corev1.Pod) (metav1.ObjectMeta, *corev1.PodSpec, bool) { return p.ObjectMeta, &p.Spec, false })
		}},
	}
}

// itemsOf is a LIST's items, none for a failed LIST's nil list.
func itemsOf[L any, T any](l *L, items func(*L) []T) []T {
	if l == nil {
		return nil
	}
	return items(l)
}

// ScanWorkloads makes one LIST per kind in namespace (metav1.NamespaceAll
// for every namespace), and one of the Secrets labeled
// LabelDHCoreProject=project. Controllers owned by a listed controller (a
// Deployment's ReplicaSets, a CronJob's Jobs) and Pods owned by any listed
// controller are counted as scanned but not returned: their owner is. A
// LIST the user may not make is recorded in Forbidden and the scan goes on:
// RBAC that grants some kinds and not others is common, and what could be
// listed is still the answer for those kinds.
func (c *Client) ScanWorkloads(ctx context.Context, namespace, project string) (*WorkloadScan, error) {
	w := &WorkloadScan{}
	listed := map[types.UID]string{} // UID -> kind
	for _, k := range c.workloadKinds() {
		ws, metas, err := k.list(ctx, namespace)
		if apierrors.IsForbidden(err) {
			w.Forbidden = append(w.Forbidden, k.resource)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("listing %s: %w", k.resource, err)
		}
		w.Scanned += len(ws)
		for i, wl := range ws {
			ref := metav1.GetControllerOf(&metas[i])
			hidden := ref != nil && k.hiddenUnder != "" && listed[ref.UID] != "" &&
				(k.hiddenUnder == "*" || listed[ref.UID] == k.hiddenUnder)
			// A hidden object still hides its own children (a Deployment's
			// ReplicaSet hides its Pods).
			if metas[i].UID != "" {
				listed[metas[i].UID] = k.kind
			}
			if !hidden {
				w.Workloads = append(w.Workloads, wl)
			}
		}
	}
	copies, err := c.cs.CoreV1().Secrets(namespace).List(ctx, metav1.ListOptions{LabelSelector: projsecret.LabelDHCoreProject + "=" + project})
	if apierrors.IsForbidden(err) {
		w.Forbidden = append(w.Forbidden, "secrets")
		return w, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing DigitalHub run copies (secrets labeled %s): %w", projsecret.LabelDHCoreProject, err)
	}
	w.Scanned += len(copies.Items)
	w.Copies = copies.Items
	return w, nil
}
