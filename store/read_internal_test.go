package store

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/projsecret/projsecret"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

// written is project's Secret holding K=v as the client writes it. This
// package's internal tests build stored Secrets this way: internal/fixtures
// imports this package, so they cannot use its builders.
func written(t *testing.T, project string) *corev1.Secret {
	t.Helper()
	c, cs := newTestClient()
	if _, err := c.Create(context.Background(), project, "K", []byte("v"), PutOptions{}); err != nil {
		t.Fatal(err)
	}
	s, _ := stored(t, cs, project)
	return s
}

// mismatched is proj-secrets-aaa labeled for project payments: the webhook
// refuses it, but it can exist where the webhook does not run.
func mismatched(t *testing.T) *corev1.Secret {
	s := written(t, "aaa")
	s.Labels[projsecret.LabelProject] = "payments"
	return s
}

func TestClientTrustsTheLabelValueNotItsPresence(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cs := fake.NewClientset(mismatched(t))
	var warnings []string
	c := NewClient(cs, "ns", WithUser(named("alice")), WithWarnings(func(m string) { warnings = append(warnings, m) }))

	for name, err := range map[string]error{
		"read":   func() error { _, err := c.Read(ctx, "aaa", "K"); return err }(),
		"list":   func() error { _, err := c.List(ctx, "aaa"); return err }(),
		"owners": func() error { _, err := c.Owners(ctx, "aaa"); return err }(),
		"set":    errOf(c.Set(ctx, "aaa", "K", []byte("x"), PutOptions{})),
		"delete": c.Delete(ctx, "aaa", "K"),
	} {
		if !errors.Is(err, projsecret.ErrNotProjectSecret) || !strings.Contains(err.Error(), `label says "payments"`) {
			t.Errorf("%s: %v, want a refusal naming the label", name, err)
		}
	}
	if _, err := c.Owners(ctx, "payments"); !errors.Is(err, projsecret.ErrNotFound) {
		t.Errorf("owners payments: %v, want not found", err)
	}
	s, err := cs.CoreV1().Secrets("ns").Get(ctx, projsecret.SecretName("aaa"), metav1.GetOptions{})
	if err != nil || string(s.Data["K"]) != "v" {
		t.Fatalf("the mismatched Secret changed: %v", err)
	}

	good := written(t, "demo")
	if _, err := cs.CoreV1().Secrets("ns").Create(ctx, good, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	projects, err := c.Projects(ctx, false)
	if err != nil || len(projects) != 1 || projects[0].Name != "demo" {
		t.Fatalf("projects %+v, %v: want demo only", projects, err)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "skipped 1 secret(s)") || !strings.Contains(warnings[0], "ns/proj-secrets-aaa") {
		t.Errorf("warnings %q, want one naming ns/proj-secrets-aaa", warnings)
	}
}

func TestClientOwnersIsOneGet(t *testing.T) {
	t.Parallel()
	s := written(t, "demo")
	s.Annotations[projsecret.AnnotationOwners] = "user:alice,group:team"
	c, cs := newTestClient(s)
	cs.ClearActions()
	owners, err := c.Owners(context.Background(), "demo")
	if err != nil || owners.String() != "user:alice,group:team" {
		t.Fatalf("owners %v, %v", owners, err)
	}
	actions := cs.Actions()
	if len(actions) != 1 || actions[0].GetVerb() != "get" {
		t.Errorf("requests %v, want one GET", actions)
	}
}
