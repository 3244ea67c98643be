package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/internal/fixtures"
	"golang.org/x/sync/errgroup"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// entryKey names entry i of a generated project.
func entryKey(i int) string { return fmt.Sprintf("KEY_%04d", i) }

// randomValue is a value of n printable bytes: the benchmark's values are
// made up, but kept the size and shape of real ones.
func randomValue(n int) []byte {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return b
}

// projectSecret builds a valid project Secret with n entries of valueSize
// bytes, written by user, and checks it against the contract, so setup can
// write it in one request instead of n read-modify-writes.
func projectSecret(namespace, project, user string, n, valueSize int) (*corev1.Secret, error) {
	now := projsecret.Timestamp(time.Now())
	values := make(map[string]string, n)
	for i := range n {
		values[entryKey(i)] = string(randomValue(valueSize))
	}
	s := fixtures.Secret(namespace, project, values, projsecret.EntryMeta{
		Description: "benchmark entry", CreatedAt: now, UpdatedAt: now, CreatedBy: user, UpdatedBy: user,
	})
	s.Labels[projsecret.LabelManagedBy] = projsecret.ManagedByPlugin
	if _, err := projsecret.ValidateSecret(s, projsecret.DefaultKeyRule); err != nil {
		return nil, fmt.Errorf("generated project %q breaks the contract: %w", project, err)
	}
	return s, nil
}

// createNamespace creates a namespace, or finds it, with the given labels.
func createNamespace(ctx context.Context, cs kubernetes.Interface, name string, labels map[string]string) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
	_, err := cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating namespace %s: %w", name, err)
	}
	return nil
}

// createProjects creates the project Secrets with a few writers at once.
func createProjects(ctx context.Context, cs kubernetes.Interface, secrets []*corev1.Secret) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for _, s := range secrets {
		g.Go(func() error {
			if _, err := cs.CoreV1().Secrets(s.Namespace).Create(ctx, s, metav1.CreateOptions{}); err != nil {
				return fmt.Errorf("creating %s/%s: %w", s.Namespace, s.Name, err)
			}
			return nil
		})
	}
	return g.Wait()
}

// deleteProjects removes every project Secret of a namespace, so that later
// parts list only their own projects. Namespaces themselves cannot go: this
// control plane runs no namespace controller to empty them.
func deleteProjects(ctx context.Context, cs kubernetes.Interface, namespace string) error {
	err := cs.CoreV1().Secrets(namespace).DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{LabelSelector: projsecret.LabelProject})
	if err != nil {
		return fmt.Errorf("deleting the project secrets of namespace %s: %w", namespace, err)
	}
	return nil
}
