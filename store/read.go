package store

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/projsecret/projsecret"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Entry is one entry's metadata and the size of its value, never the value.
type Entry struct {
	Key  string
	Size int
	projsecret.EntryMeta
}

// Read returns an entry's value, in one GET; an expired entry is a line to
// the warning sink (WithWarnings).
func (c *Client) Read(ctx context.Context, project, key string) ([]byte, error) {
	s, err := c.get(ctx, project)
	if err != nil {
		return nil, &projsecret.Error{Project: project, Err: err}
	}
	v, ok := s.Data[key]
	if !ok {
		return nil, &projsecret.Error{Project: project, Key: key, Err: projsecret.ErrNotFound}
	}
	if entries, err := projsecret.ParseEntries(s.Annotations[projsecret.AnnotationEntries]); err == nil {
		c.warnExpired(project, entries, map[string][]byte{key: v})
	}
	return v, nil
}

// List returns the entries of a project, sorted by key; with keys, only
// those, failing with ErrNotFound if one is absent.
func (c *Client) List(ctx context.Context, project string, keys ...string) ([]Entry, error) {
	s, entries, err := c.read(ctx, project)
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		keys = slices.Sorted(maps.Keys(s.Data))
	}
	out := make([]Entry, 0, len(keys))
	for _, key := range keys {
		v, ok := s.Data[key]
		if !ok {
			return nil, &projsecret.Error{Project: project, Key: key, Err: projsecret.ErrNotFound}
		}
		out = append(out, Entry{Key: key, Size: len(v), EntryMeta: entries[key]})
	}
	return out, nil
}

// Owners returns a project's owners, in one GET; an empty list means the
// project has none.
func (c *Client) Owners(ctx context.Context, project string) (projsecret.Owners, error) {
	s, err := c.get(ctx, project)
	if err != nil {
		return nil, &projsecret.Error{Project: project, Err: err}
	}
	owners, err := projsecret.ParseOwners(s.Annotations[projsecret.AnnotationOwners])
	if err != nil {
		return nil, &projsecret.Error{Project: project, Err: err}
	}
	return owners, nil
}

// read GETs the project's Secret and parses its entries, for the calls
// that show both; errors come placed on the project.
func (c *Client) read(ctx context.Context, project string) (*corev1.Secret, projsecret.Entries, error) {
	s, err := c.get(ctx, project)
	if err != nil {
		return nil, nil, &projsecret.Error{Project: project, Err: err}
	}
	entries, err := projsecret.ParseEntries(s.Annotations[projsecret.AnnotationEntries])
	if err != nil {
		return nil, nil, &projsecret.Error{Project: project, Err: err}
	}
	return s, entries, nil
}

func (c *Client) get(ctx context.Context, project string) (*corev1.Secret, error) {
	if err := projsecret.ValidateProjectName(project); err != nil {
		return nil, err
	}
	s, err := c.cs.CoreV1().Secrets(c.namespace).Get(ctx, projsecret.SecretName(project), metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return nil, fmt.Errorf("%w in namespace %q", projsecret.ErrNotFound, c.namespace)
	case err != nil:
		return nil, err
	}
	if err := checkSecretOf(s, project); err != nil {
		return nil, err
	}
	return s, nil
}

// isSecretOf reports whether s is project's Secret: named for it and
// labeled with it. The label alone is not enough: where the webhook does
// not run, proj-secrets-aaa may carry the label of project payments.
func isSecretOf(s *corev1.Secret, project string) bool {
	v, ok := s.Labels[projsecret.LabelProject]
	return ok && v == project && s.Name == projsecret.SecretName(project)
}

// checkSecretOf says why s, read by the project's Secret name, is not the
// project's Secret.
func checkSecretOf(s *corev1.Secret, project string) error {
	switch v, ok := s.Labels[projsecret.LabelProject]; {
	case !ok:
		return fmt.Errorf("secret %s/%s %w", s.Namespace, s.Name, projsecret.ErrNotProjectSecret)
	case v != project:
		return fmt.Errorf("secret %s/%s %w for project %s: its %s label says %s", s.Namespace, s.Name, projsecret.ErrNotProjectSecret, projsecret.Quote(project), projsecret.LabelProject, projsecret.Quote(v))
	}
	return nil
}
