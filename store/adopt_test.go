package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/projsecret/projsecret"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

func TestAdoptedCreatedAt(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name          string
		created, want time.Time
	}{
		{"long ago is clipped", now.Add(-48 * time.Hour), now.Add(-projsecret.DefaultClockSkew / 2)},
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

// TestAdoptPassesPolicy: the webhook judges adopt's UPDATE of an unlabeled
// Secret as a CREATE, and what adoptSecret makes of it passes, unless the
// adopter sets owners without being one.
func TestAdoptPassesPolicy(t *testing.T) {
	t.Parallel()
	now := time.Now()
	unlabeled := func() *corev1.Secret {
		return &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: projsecret.SecretName("legacy"), Namespace: "ns", CreationTimestamp: metav1.NewTime(now.Add(-1000 * time.Hour))},
			Data:       map[string][]byte{"db_password": []byte("x"), "api-key": []byte("y")},
		}
	}
	tests := []struct {
		name   string
		owners projsecret.Owners
		want   string
	}{
		{"requester owns it", projsecret.Owners{{Kind: "user", Name: "alice"}}, ""},
		{"owners without the requester", projsecret.Owners{{Kind: "group", Name: "data"}}, `user "alice" sets owners group:data without being one of them`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			adopted := unlabeled()
			if err := adoptSecret(adopted, "legacy", "alice", tt.owners, now); err != nil {
				t.Fatal(err)
			}
			_, err := projsecret.DefaultPolicy().Review(projsecret.Write{Operation: projsecret.OpUpdate, User: "alice", Groups: []string{"system:authenticated"}, Old: unlabeled(), New: adopted})
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("denied: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("got %v, want a denial containing %q", err, tt.want)
			}
		})
	}
}

// TestAdoptTakesOnlyOpaqueSecrets: adopt takes an unlabeled Opaque Secret
// under management, and refuses one of any other type, leaving it as it
// was.
func TestAdoptTakesOnlyOpaqueSecrets(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	unlabeled := func(typ corev1.SecretType) *corev1.Secret {
		return &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: projsecret.SecretName("legacy"), Namespace: "ns", CreationTimestamp: metav1.NewTime(time.Now())},
			Type:       typ,
			Data:       map[string][]byte{"db_password": []byte("x"), "api-key": []byte("y")},
		}
	}
	tests := []struct {
		typ  corev1.SecretType
		want string // fragment of the refusal; empty: adopted
	}{
		{corev1.SecretTypeOpaque, ""},
		{corev1.SecretTypeTLS, `secret type is "kubernetes.io/tls": only "Opaque" secrets can be adopted`},
	}
	for _, tt := range tests {
		t.Run(string(tt.typ), func(t *testing.T) {
			cs := fake.NewClientset(unlabeled(tt.typ))
			keys, err := NewClient(cs, "ns", WithUser(named("alice"))).Adopt(ctx, "legacy", AdoptOptions{})
			s, getErr := cs.CoreV1().Secrets("ns").Get(ctx, projsecret.SecretName("legacy"), metav1.GetOptions{})
			if getErr != nil {
				t.Fatal(getErr)
			}
			if tt.want != "" {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("got %v, want a refusal containing %q", err, tt.want)
				}
				if projsecret.IsProjectSecret(s) || len(s.Annotations) != 0 {
					t.Fatalf("a refused adopt changed the Secret: labels %v, annotation keys %d", s.Labels, len(s.Annotations))
				}
				return
			}
			if err != nil || len(keys) != 2 {
				t.Fatalf("adopt: keys %v, %v", keys, err)
			}
			if _, err := projsecret.ValidateSecret(s, projsecret.DefaultKeyRule); err != nil || s.Labels[projsecret.LabelProject] != "legacy" || s.Type != corev1.SecretTypeOpaque {
				t.Fatalf("adopted Secret: labels %v, type %q, contract: %v", s.Labels, s.Type, err)
			}
			if got := s.Annotations[projsecret.AnnotationOwners]; got != "user:alice" {
				t.Errorf("adopted without --owner: owners %q, want the adopter, user:alice", got)
			}
		})
	}
}

// TestAdoptRecordsTheOwnersGiven: owners given to adopt are the project's
// owners as given; the adopter is added only when none are given.
func TestAdoptRecordsTheOwnersGiven(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cs := fake.NewClientset(&corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: projsecret.SecretName("legacy"), Namespace: "ns", CreationTimestamp: metav1.NewTime(time.Now())},
		Type:       corev1.SecretTypeOpaque,
		Data:       map[string][]byte{"api-key": []byte("y")},
	})
	owners := projsecret.Owners{{Kind: "group", Name: "data-team"}, {Kind: "user", Name: "bob"}}
	if _, err := NewClient(cs, "ns", WithUser(named("alice"))).Adopt(ctx, "legacy", AdoptOptions{Owners: owners}); err != nil {
		t.Fatalf("adopt: %v", err)
	}
	s, err := cs.CoreV1().Secrets("ns").Get(ctx, projsecret.SecretName("legacy"), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.Annotations[projsecret.AnnotationOwners], owners.String(); got != want {
		t.Errorf("owners %q, want %q as given", got, want)
	}
}

// TestAdoptRefusesBeforeReading: an invalid project name, or a user lookup
// that fails, stops adopt before it reads or writes anything.
func TestAdoptRefusesBeforeReading(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	lookup := errors.New("no SelfSubjectReview")
	for _, tt := range []struct {
		name, project string
		user          ClientOption
		want          string
	}{
		{"invalid project name", "Not_A_Label", WithUser(named("alice")), "Not_A_Label"},
		{"user lookup fails", "legacy", WithUser(func(context.Context) (string, error) { return "", lookup }), lookup.Error()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cs := fake.NewClientset()
			_, err := NewClient(cs, "ns", tt.user).Adopt(ctx, tt.project, AdoptOptions{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error naming %q", err, tt.want)
			}
			if n := len(cs.Actions()); n != 0 {
				t.Fatalf("%d API calls made before refusing", n)
			}
		})
	}
}
