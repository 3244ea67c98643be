package projsecret

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// Clientset is the Kubernetes client this client works through, for
// commands that read other objects with the same credentials (uses).
func (c *Client) Clientset() kubernetes.Interface { return c.cs }

// Snapshot is a project's values and metadata as one GET returned them.
// It holds values: callers compare or copy them, and never print them.
type Snapshot struct {
	Project string
	Values  map[string][]byte
	Entries Entries
}

// Snapshot reads a project in one GET, so values and metadata describe the
// same version of the Secret: the base of copy, diff, edit, export and run.
// With keys, it holds only those, failing with ErrNotFound if one is absent.
func (c *Client) Snapshot(ctx context.Context, project string, keys ...string) (*Snapshot, error) {
	s, entries, err := c.read(ctx, project)
	if err != nil {
		return nil, err
	}
	snap := &Snapshot{Project: project, Values: s.Data, Entries: entries}
	if snap.Values == nil {
		snap.Values = map[string][]byte{}
	}
	if len(keys) == 0 {
		return snap, nil
	}
	chosen := &Snapshot{Project: project, Values: make(map[string][]byte, len(keys)), Entries: make(Entries, len(keys))}
	for _, key := range keys {
		v, ok := snap.Values[key]
		if !ok {
			return nil, &Error{Project: project, Key: key, Err: ErrNotFound}
		}
		chosen.Values[key] = v
		if m, ok := entries[key]; ok {
			chosen.Entries[key] = m
		}
	}
	return chosen, nil
}

// Values returns the values of a project's entries (all, or only keys), in
// one GET; each expired one is a line to the warning sink (WithWarnings).
func (c *Client) Values(ctx context.Context, project string, keys ...string) (map[string][]byte, error) {
	snap, err := c.Snapshot(ctx, project, keys...)
	if err != nil {
		return nil, err
	}
	c.warnExpired(project, snap.Entries, snap.Values)
	return snap.Values, nil
}

// DeleteProject deletes the project Secret itself, entries, labels and
// owners. The delete is preconditioned on the UID and resourceVersion read
// first, so it removes exactly the Secret that was checked to be a project
// Secret and had entries entries: a write in between makes it fail rather
// than delete what nobody looked at. It returns how many entries went.
func (c *Client) DeleteProject(ctx context.Context, project string, expect func(entries int) error) (int, error) {
	s, err := c.get(ctx, project)
	if err != nil {
		return 0, &Error{Project: project, Err: err}
	}
	if expect != nil {
		if err := expect(len(s.Data)); err != nil {
			return 0, &Error{Project: project, Err: err}
		}
	}
	uid, rv := s.UID, s.ResourceVersion
	err = c.cs.CoreV1().Secrets(c.namespace).Delete(ctx, s.Name, metav1.DeleteOptions{
		Preconditions: &metav1.Preconditions{UID: &uid, ResourceVersion: &rv},
	})
	switch {
	case apierrors.IsConflict(err):
		return 0, &Error{Project: project, Err: fmt.Errorf("changed since it was read, nothing deleted: run the command again to delete it as it is now: %w", err)}
	case err != nil:
		return 0, &Error{Project: project, Err: err}
	}
	return len(s.Data), nil
}

// AdoptOptions tune Adopt.
type AdoptOptions struct {
	// Owners become the project's owners; empty means the requester alone.
	Owners Owners
	// DryRun sends the UPDATE as a server-side dry run: RBAC and the
	// webhook judge it, nothing is stored.
	DryRun bool
}

// ErrAlreadyManaged: adopt was asked for a Secret that is a project
// Secret already.
var ErrAlreadyManaged = errors.New("is already a project secret: there is nothing to adopt")

// Adopt takes an unlabeled proj-secrets-PROJECT (as DigitalHub Core creates
// it: a name and values, no labels or annotations) under management in one
// UPDATE guarded by its resourceVersion: both labels, an entry for every
// key (created by the adopter, at the Secret's creation time clipped into
// the webhook's clock-skew window) and the owners. A Secret it cannot adopt
// as it is (already managed, not Opaque, keys that break the key rule,
// metadata too large) is refused with every reason, and nothing is written.
// It returns the adopted keys.
func (c *Client) Adopt(ctx context.Context, project string, opts AdoptOptions) ([]string, error) {
	wrap := func(err error) error { return &Error{Project: project, Err: err} }
	if err := ValidateProjectName(project); err != nil {
		return nil, wrap(err)
	}
	user, err := c.user(ctx)
	if err != nil {
		return nil, wrap(err)
	}
	owners := opts.Owners
	if len(owners) == 0 {
		owners = Owners{{Kind: "user", Name: user}}
	}
	var keys []string
	_, err = c.retryRaces(ctx, func() error {
		secrets := c.cs.CoreV1().Secrets(c.namespace)
		s, err := secrets.Get(ctx, SecretName(project), metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			return fmt.Errorf("secret %s/%s %w", c.namespace, SecretName(project), ErrNotFound)
		case err != nil:
			return err
		}
		if err := adoptSecret(s, project, user, owners, c.now()); err != nil {
			return err
		}
		keys = mapKeys(s.Data)
		var dryRun []string
		if opts.DryRun {
			dryRun = []string{metav1.DryRunAll}
		}
		_, err = secrets.Update(ctx, s, metav1.UpdateOptions{FieldManager: ManagedByPlugin, DryRun: dryRun})
		return err
	})
	if err != nil {
		return nil, wrap(err)
	}
	return keys, nil
}

// adoptSecret turns s into a project Secret in place, or reports every
// reason it cannot.
func adoptSecret(s *corev1.Secret, project, user string, owners Owners, now time.Time) error {
	var vs Violations
	if IsProjectSecret(s) {
		vs = append(vs, violation(RuleOwnership, "secret %s/%s %v", s.Namespace, s.Name, ErrAlreadyManaged))
	}
	if s.Type != corev1.SecretTypeOpaque && s.Type != "" {
		vs = append(vs, violation(RuleOwnership, "secret type is %q: only %q secrets can be adopted", s.Type, corev1.SecretTypeOpaque))
	}
	vs = append(vs, validateKeys(s, DefaultKeyRule)...)
	if len(vs) > 0 {
		return vs
	}
	created := adoptedCreatedAt(s.CreationTimestamp.Time, now)
	stamp := Timestamp(now)
	entries := Entries{}
	for key := range s.Data {
		entries[key] = EntryMeta{CreatedAt: created, CreatedBy: user, UpdatedAt: stamp, UpdatedBy: user}
	}
	encoded, err := entries.Encode()
	if err != nil {
		return err
	}
	s.Labels = maps.Clone(s.Labels)
	if s.Labels == nil {
		s.Labels = map[string]string{}
	}
	s.Labels[LabelProject] = project
	s.Labels[LabelManagedBy] = ManagedByPlugin
	s.Annotations = maps.Clone(s.Annotations)
	if s.Annotations == nil {
		s.Annotations = map[string]string{}
	}
	s.Annotations[AnnotationEntries] = encoded
	s.Annotations[AnnotationOwners] = owners.String()
	if s.Type == "" {
		s.Type = corev1.SecretTypeOpaque
	}
	if err := SizeOf(s).Check(); err != nil {
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
	earliest := now.Add(-DefaultClockSkew / 2)
	switch {
	case created.Before(earliest):
		created = earliest
	case created.After(now):
		created = now
	}
	return Timestamp(created)
}
