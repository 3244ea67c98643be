package store

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/projsecret/projsecret"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// AdoptOptions tune Adopt.
type AdoptOptions struct {
	// Owners become the project's owners; empty means the requester alone.
	Owners projsecret.Owners
	// DryRun sends the UPDATE as a server-side dry run: RBAC and the
	// webhook judge it, nothing is stored.
	DryRun bool
}

// Adopt takes an unlabeled proj-secrets-PROJECT (as DigitalHub Core creates
// it: a name and values, no labels or annotations) under management in one
// UPDATE guarded by its resourceVersion: both labels, an entry for every
// key (created by the adopter, at the Secret's creation time clipped into
// the webhook's clock-skew window) and the owners. A Secret it cannot adopt
// as it is (already managed, not Opaque, keys that break the key rule,
// metadata too large) is refused with every reason, and nothing is written.
// It returns the adopted keys.
func (c *Client) Adopt(ctx context.Context, project string, opts AdoptOptions) ([]string, error) {
	wrap := func(err error) error { return &projsecret.Error{Project: project, Err: err} }
	if err := projsecret.ValidateProjectName(project); err != nil {
		return nil, wrap(err)
	}
	user, err := c.user(ctx)
	if err != nil {
		return nil, wrap(err)
	}
	owners := opts.Owners
	if len(owners) == 0 {
		owners = projsecret.Owners{projsecret.User(user)}
	}
	var keys []string
	_, err = c.retryRaces(ctx, func() error {
		secrets := c.cs.CoreV1().Secrets(c.namespace)
		s, err := secrets.Get(ctx, projsecret.SecretName(project), metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			return fmt.Errorf("secret %s/%s %w", c.namespace, projsecret.SecretName(project), projsecret.ErrNotFound)
		case err != nil:
			return err
		}
		if err := adoptSecret(s, project, user, owners, c.now()); err != nil {
			return err
		}
		keys = slices.Sorted(maps.Keys(s.Data))
		var dryRun []string
		if opts.DryRun {
			dryRun = []string{metav1.DryRunAll}
		}
		// Adoption creates every entry: it is the project's first
		// revision, stored before the guarded UPDATE that makes it count.
		entries, err := projsecret.ParseEntries(s.Annotations[projsecret.AnnotationEntries])
		if err != nil {
			return err
		}
		rev, err := c.newRevision(ctx, project, s, nil, entries, &user, writeOptions{})
		if err != nil {
			return err
		}
		if rev != nil && !opts.DryRun {
			if err := c.storeRevision(ctx, rev); err != nil {
				return err
			}
		}
		_, err = secrets.Update(ctx, s, metav1.UpdateOptions{FieldManager: projsecret.ManagedByPlugin, DryRun: dryRun})
		return err
	})
	if err != nil {
		return nil, wrap(err)
	}
	return keys, nil
}

// adoptSecret turns s into a project Secret in place, or reports every
// reason it cannot.
func adoptSecret(s *corev1.Secret, project, user string, owners projsecret.Owners, now time.Time) error {
	var vs projsecret.Violations
	if projsecret.IsProjectSecret(s) {
		vs = append(vs, &projsecret.Violation{Rule: projsecret.RuleOwnership, Message: fmt.Sprintf("secret %s/%s %v", s.Namespace, s.Name, projsecret.ErrAlreadyManaged)})
	}
	if s.Type != corev1.SecretTypeOpaque && s.Type != "" {
		vs = append(vs, &projsecret.Violation{Rule: projsecret.RuleOwnership, Message: fmt.Sprintf("secret type is %q: only %q secrets can be adopted", s.Type, corev1.SecretTypeOpaque)})
	}
	vs = append(vs, projsecret.ValidateKeys(s, projsecret.DefaultKeyRule)...)
	if len(vs) > 0 {
		return vs
	}
	created := adoptedCreatedAt(s.CreationTimestamp.Time, now)
	stamp := projsecret.Timestamp(now)
	entries := projsecret.Entries{}
	for key := range s.Data {
		entries[key] = projsecret.EntryMeta{CreatedAt: created, CreatedBy: user, UpdatedAt: stamp, UpdatedBy: user}
	}
	encoded, err := entries.Encode()
	if err != nil {
		return err
	}
	s.Labels = maps.Clone(s.Labels)
	if s.Labels == nil {
		s.Labels = map[string]string{}
	}
	s.Labels[projsecret.LabelProject] = project
	s.Labels[projsecret.LabelManagedBy] = projsecret.ManagedByPlugin
	s.Annotations = maps.Clone(s.Annotations)
	if s.Annotations == nil {
		s.Annotations = map[string]string{}
	}
	s.Annotations[projsecret.AnnotationEntries] = encoded
	s.Annotations[projsecret.AnnotationOwners] = owners.String()
	if s.Type == "" {
		s.Type = corev1.SecretTypeOpaque
	}
	if err := projsecret.SizeOf(s).Check(); err != nil {
		return fmt.Errorf("adopting would break a limit: %w", err)
	}
	return nil
}

// adoptedCreatedAt is the Secret's creation time as an entry's createdAt,
// clipped into [now - DefaultClockSkew/2, now]: the webhook accepts a new
// entry's timestamps only within DefaultClockSkew of its own clock, so an
// older time cannot be recorded, and half the window is left for the
// adopter's clock and the request to be off from the webhook's.
func adoptedCreatedAt(created, now time.Time) time.Time {
	earliest := now.Add(-projsecret.DefaultClockSkew / 2)
	switch {
	case created.Before(earliest):
		created = earliest
	case created.After(now):
		created = now
	}
	return projsecret.Timestamp(created)
}
