package store

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/projsecret/projsecret"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// AnnotationRestartedAt is the Pod template annotation kubectl rollout
// restart sets; changing it rolls the workload's Pods.
const AnnotationRestartedAt = "kubectl.kubernetes.io/restartedAt"

// RestartAction is what Restart did, or would do, with one reader.
type RestartAction string

const (
	// Restarted: the Pod template annotation was patched.
	Restarted RestartAction = "restarted"
	// WouldRestart: a dry run found a reader it would patch.
	WouldRestart RestartAction = "would restart"
	// RestartSkipped: the reader cannot be rolled this way (see Reason).
	RestartSkipped RestartAction = "skipped"
	// RestartFailed: the PATCH was refused (see Err).
	RestartFailed RestartAction = "failed"
)

// RestartItem is one reader of the project's keys and what became of it.
type RestartItem struct {
	Namespace, Kind, Name string
	// Reads is what it reads of the keys asked about.
	Reads  Reads
	Action RestartAction
	// Reason says why a reader was skipped.
	Reason string
	// Err is why a restart failed (permission, gone, ...).
	Err error
}

// RestartReport is Restart's answer, items sorted by kind and name.
type RestartReport struct {
	Project string
	// Keys are the keys asked about; none means every key.
	Keys  []string
	Items []RestartItem
	// Scanned counts the objects listed; Requests the PATCHes sent.
	Scanned, Requests int
	// Unlisted names the resources the user may not list: readers among
	// them are neither restarted nor listed.
	Unlisted []string
}

// restartable are the resources Restart rolls.
var restartable = []string{"deployments", "statefulsets", "daemonsets"}

// Failed reports whether any restart was refused, or a kind Restart rolls
// could not be listed (so readers may have been missed).
func (r *RestartReport) Failed() bool {
	return slices.ContainsFunc(r.Items, func(i RestartItem) bool { return i.Action == RestartFailed }) ||
		slices.ContainsFunc(r.Unlisted, func(res string) bool { return slices.Contains(restartable, res) })
}

// Why readers other than Deployments, StatefulSets and DaemonSets are left
// alone.
var skipReasons = map[string]string{
	"CronJob":    "not touched: its next Job reads the new value",
	"Job":        "a Job cannot be restarted: its running Pods keep the old value until they finish",
	"ReplicaSet": "a ReplicaSet without a Deployment does not roll its Pods: delete them to restart",
	"Pod":        "a bare Pod cannot be restarted: recreate it",
	"Secret":     "a DigitalHub run copy holds its own copy of the values, now stale: run again to refresh it",
}

// Restart rolls every Deployment, StatefulSet and DaemonSet in the client's
// namespace whose Pod template reads one of keys of project (any key, with
// none), as kubectl rollout restart does: one PATCH each, setting the Pod
// template annotation AnnotationRestartedAt to now. Other readers (CronJobs,
// Jobs, bare ReplicaSets and Pods, DigitalHub run copies holding one of the
// keys) and paused Deployments are listed as skipped, with the reason. A
// refused PATCH is reported on its item and the others go on; a LIST the
// user may not make is named in Unlisted and the others go on; any other
// failed LIST is an error. dryRun lists and sends no PATCH.
func (c *Client) Restart(ctx context.Context, project string, keys []string, dryRun bool) (*RestartReport, error) {
	if err := projsecret.ValidateProjectName(project); err != nil {
		return nil, &projsecret.Error{Project: project, Err: err}
	}
	scan, err := c.ScanWorkloads(ctx, c.namespace, project)
	if err != nil {
		return nil, &projsecret.Error{Project: project, Err: err}
	}
	report := &RestartReport{Project: project, Keys: keys, Scanned: scan.Scanned, Unlisted: scan.Forbidden}
	secret := projsecret.SecretName(project)
	patch, err := restartPatch(c.now())
	if err != nil {
		return nil, err
	}
	for _, w := range scan.Workloads {
		reads := PodSpecReads(w.Spec, secret)
		if !reads.ReadsAny(keys) {
			continue
		}
		item := RestartItem{Namespace: w.Namespace, Kind: w.Kind, Name: w.Name, Reads: reads.Only(keys)}
		switch {
		case skipReasons[w.Kind] != "":
			item.Action, item.Reason = RestartSkipped, skipReasons[w.Kind]
		case w.Paused:
			item.Action, item.Reason = RestartSkipped, "paused: kubectl rollout resume it first"
		case dryRun:
			item.Action = WouldRestart
		default:
			report.Requests++
			if err := c.patchTemplate(ctx, w, patch); err != nil {
				item.Action, item.Err = RestartFailed, restartError(err)
			} else {
				item.Action = Restarted
			}
		}
		report.Items = append(report.Items, item)
	}
	for _, s := range scan.Copies {
		if s.Name == secret {
			continue // the project's own Secret, labeled by DigitalHub too
		}
		held := slices.Sorted(maps.Keys(s.Data))
		r := Reads{Keys: held, How: []string{"copy"}}
		if !r.ReadsAny(keys) {
			continue
		}
		report.Items = append(report.Items, RestartItem{Namespace: s.Namespace, Kind: "Secret", Name: s.Name, Reads: r.Only(keys),
			Action: RestartSkipped, Reason: skipReasons["Secret"]})
	}
	slices.SortFunc(report.Items, func(a, b RestartItem) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Name, b.Name))
	})
	return report, nil
}

// restartPatch is the strategic merge patch kubectl rollout restart sends:
// kubectl computes it as the two-way diff of the object before and after
// setting the annotation, which is always exactly this; building it
// directly saves a GET per workload and cannot drop another writer's
// change to the template made in between.
func restartPatch(now time.Time) ([]byte, error) {
	return json.Marshal(map[string]any{"spec": map[string]any{"template": map[string]any{"metadata": map[string]any{
		"annotations": map[string]string{AnnotationRestartedAt: now.Format(time.RFC3339)},
	}}}})
}

func (c *Client) patchTemplate(ctx context.Context, w Workload, patch []byte) error {
	apps := c.cs.AppsV1()
	opts := metav1.PatchOptions{FieldManager: projsecret.ManagedByPlugin}
	var err error
	switch w.Kind {
	case "Deployment":
		_, err = apps.Deployments(w.Namespace).Patch(ctx, w.Name, types.StrategicMergePatchType, patch, opts)
	case "StatefulSet":
		_, err = apps.StatefulSets(w.Namespace).Patch(ctx, w.Name, types.StrategicMergePatchType, patch, opts)
	case "DaemonSet":
		_, err = apps.DaemonSets(w.Namespace).Patch(ctx, w.Name, types.StrategicMergePatchType, patch, opts)
	default:
		err = fmt.Errorf("cannot restart a %s", w.Kind)
	}
	return err
}

// restartError names what the user lacks, or what went wrong, in one line.
func restartError(err error) error {
	switch {
	case apierrors.IsForbidden(err):
		return fmt.Errorf("forbidden: you may not patch it (needs the patch verb on it): %w", err)
	case apierrors.IsNotFound(err):
		return fmt.Errorf("gone since it was listed: %w", err)
	}
	return err
}
