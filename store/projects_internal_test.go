package store

import (
	"context"
	"reflect"
	"testing"

	"github.com/projsecret/projsecret"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	metadatafake "k8s.io/client-go/metadata/fake"
)

// TestListProjectsMetadataOnly: with a metadata client, listing projects
// never LISTs whole Secrets, and counts entries from the annotation.
func TestListProjectsMetadataOnly(t *testing.T) {
	t.Parallel()
	scheme := metadatafake.NewTestScheme()
	if err := metav1.AddMetaToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	secretMeta := func(name string, labels, annotations map[string]string) runtime.Object {
		return &metav1.PartialObjectMetadata{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", Labels: labels, Annotations: annotations},
		}
	}
	md := metadatafake.NewSimpleMetadataClient(scheme,
		secretMeta("proj-secrets-web", map[string]string{projsecret.LabelProject: "web"}, map[string]string{projsecret.AnnotationEntries: `{"A":{},"B":{}}`, projsecret.AnnotationOwners: "user:alice"}),
		secretMeta("proj-secrets-legacy", nil, nil),
		secretMeta("proj-secrets-Not_Valid", nil, nil),
		secretMeta("unrelated", nil, nil),
	)
	cs := fake.NewClientset()
	c := NewClient(cs, "ns", WithUser(named("alice")), WithMetadata(md))
	tests := []struct {
		name string
		q    ProjectQuery
		want []Project
	}{
		{"managed", ProjectQuery{}, []Project{{Name: "web", Namespace: "ns", Entries: 2, Owners: "user:alice"}}},
		{"unmanaged too", ProjectQuery{Unmanaged: true}, []Project{
			{Name: "web", Namespace: "ns", Entries: 2, Owners: "user:alice"},
			{Name: "legacy", Namespace: "ns", Unmanaged: true},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.ListProjects(context.Background(), tt.q)
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
	if n := len(cs.Actions()); n != 0 {
		t.Errorf("the clientset made %d requests: listings must go through the metadata client only", n)
	}
}
