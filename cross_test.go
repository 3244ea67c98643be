package projsecret

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	metadatafake "k8s.io/client-go/metadata/fake"
)

func TestAdoptedCreatedAt(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name          string
		created, want time.Time
	}{
		{"long ago is clipped", now.Add(-48 * time.Hour), now.Add(-DefaultClockSkew / 2)},
		{"inside the window is kept", now.Add(-time.Minute), now.Add(-time.Minute)},
		{"in the future is now", now.Add(time.Hour), now},
		{"sub-second is truncated", now.Add(-time.Minute + 300*time.Millisecond), now.Add(-time.Minute)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := adoptedCreatedAt(tt.created, now)
			if !got.Equal(tt.want) || got.Location() != time.UTC {
				t.Errorf("got %s, want %s UTC", got, tt.want)
			}
		})
	}
}

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
		secretMeta("proj-secrets-web", map[string]string{LabelProject: "web"}, map[string]string{AnnotationEntries: `{"A":{},"B":{}}`, AnnotationOwners: "user:alice"}),
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

// TestAdoptPassesPolicy: the webhook judges adopt's UPDATE of an unlabeled
// Secret as a CREATE, and what adoptSecret makes of it passes, unless the
// adopter sets owners without being one.
func TestAdoptPassesPolicy(t *testing.T) {
	t.Parallel()
	now := time.Now()
	unlabeled := func() *corev1.Secret {
		return &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: SecretName("legacy"), Namespace: "ns", CreationTimestamp: metav1.NewTime(now.Add(-1000 * time.Hour))},
			Data:       map[string][]byte{"db_password": []byte("x"), "api-key": []byte("y")},
		}
	}
	tests := []struct {
		name   string
		owners Owners
		want   string
	}{
		{"requester owns it", Owners{{Kind: "user", Name: "alice"}}, ""},
		{"owners without the requester", Owners{{Kind: "group", Name: "data"}}, `user "alice" sets owners group:data without being one of them`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			adopted := unlabeled()
			if err := adoptSecret(adopted, "legacy", "alice", tt.owners, now); err != nil {
				t.Fatal(err)
			}
			_, err := DefaultPolicy().Review(Write{Operation: OpUpdate, User: "alice", Groups: []string{"system:authenticated"}, Old: unlabeled(), New: adopted})
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("denied: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("got %v, want a denial containing %q", err, tt.want)
			}
		})
	}
}
