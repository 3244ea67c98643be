package plugin

import (
	"time"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/store"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// The entries and projects the plugin prints are shaped as Kubernetes
// objects so that every cli-runtime printer (json, yaml, name, jsonpath,
// go-template) and the table printer take them as they are. They exist only
// in the plugin's output; there is no such API on the server.
const (
	outputAPIVersion = "projsecret.io/v1alpha1"
	kindEntry        = "Entry"
	kindProject      = "Project"
)

// entryObject is an entry's metadata and size: never its value.
func entryObject(namespace, project string, e store.Entry) *unstructured.Unstructured {
	obj := map[string]any{
		"apiVersion": outputAPIVersion,
		"kind":       kindEntry,
		"metadata": map[string]any{
			"name":      e.Key,
			"namespace": namespace,
		},
		"project":     project,
		"description": e.Description,
		"size":        int64(e.Size),
	}
	if len(e.Labels) > 0 {
		labels := make(map[string]any, len(e.Labels))
		for k, v := range e.Labels {
			labels[k] = v
		}
		obj["labels"] = labels
	}
	// A key written around the contract has no metadata; its facts are
	// then absent rather than the zero time.
	putTime(obj, "createdAt", e.CreatedAt)
	putString(obj, "createdBy", e.CreatedBy)
	putTime(obj, "updatedAt", e.UpdatedAt)
	putString(obj, "updatedBy", e.UpdatedBy)
	putTime(obj, "expiresAt", e.ExpiresAt)
	if e.RotateEvery != 0 {
		obj["rotateEvery"] = projsecret.FormatRotateEvery(e.RotateEvery)
	}
	return &unstructured.Unstructured{Object: obj}
}

func projectObject(p store.Project) *unstructured.Unstructured {
	meta := map[string]any{"name": p.Name, "namespace": p.Namespace}
	if !p.Created.IsZero() {
		meta["creationTimestamp"] = p.Created.UTC().Format(time.RFC3339)
	}
	obj := map[string]any{
		"apiVersion": outputAPIVersion,
		"kind":       kindProject,
		"metadata":   meta,
	}
	if p.Unmanaged {
		obj["unmanaged"] = true
	} else {
		obj["entries"] = int64(p.Entries)
		obj["expired"] = int64(p.Expired)
	}
	putString(obj, "owners", p.Owners)
	return &unstructured.Unstructured{Object: obj}
}

func putTime(obj map[string]any, field string, t time.Time) {
	if !t.IsZero() {
		obj[field] = t.UTC().Format(time.RFC3339)
	}
}

func putString(obj map[string]any, field, s string) {
	if s != "" {
		obj[field] = s
	}
}

// listOf wraps objects the way kubectl prints several: a v1 List.
func listOf(items []*unstructured.Unstructured) *unstructured.UnstructuredList {
	list := &unstructured.UnstructuredList{Object: map[string]any{
		"apiVersion": "v1",
		"kind":       "List",
		"metadata":   map[string]any{"resourceVersion": ""},
	}}
	list.Items = make([]unstructured.Unstructured, len(items))
	for i, item := range items {
		list.Items[i] = *item
	}
	return list
}

// tableRow attaches obj so the table printer can add NAMESPACE for -A.
func tableRow(obj runtime.Object, cells ...any) metav1.TableRow {
	return metav1.TableRow{Cells: cells, Object: runtime.RawExtension{Object: obj}}
}
