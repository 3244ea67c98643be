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
// owners, keeping its history: it first records the whole project as one
// revision (every entry deleted, marked as the project's deletion), so
// Undelete can bring it back. That write is guarded by the resourceVersion
// read first, and the delete by the UID and resourceVersion it wrote, so it
// removes exactly the Secret that was checked to be a project Secret and
// had entries entries: a write in between makes it fail rather than delete
// what nobody looked at. It returns how many entries went.
func (c *Client) DeleteProject(ctx context.Context, project string, expect func(entries int) error) (int, error) {
	return c.deleteProject(ctx, project, expect, false)
}

// PurgeProject is DeleteProject that also deletes the project's history,
// leaving no way back. On a project already deleted it deletes the
// history that is left.
func (c *Client) PurgeProject(ctx context.Context, project string, expect func(entries int) error) (int, error) {
	return c.deleteProject(ctx, project, expect, true)
}

// errChangedSinceRead: the project changed between the confirmation and
// the write.
var errChangedSinceRead = errors.New("changed since it was read, nothing deleted: run the command again to delete it as it is now")

func (c *Client) deleteProject(ctx context.Context, project string, expect func(entries int) error, purge bool) (int, error) {
	s, err := c.get(ctx, project)
	if purge && errors.Is(err, ErrNotFound) {
		if expect != nil {
			if err := expect(0); err != nil {
				return 0, &Error{Project: project, Err: err}
			}
		}
		n, perr := c.purgeHistory(ctx, project)
		if perr == nil && n == 0 {
			perr = err
		}
		if perr != nil {
			return 0, &Error{Project: project, Err: perr}
		}
		return 0, nil
	}
	if err != nil {
		return 0, &Error{Project: project, Err: err}
	}
	if expect != nil {
		if err := expect(len(s.Data)); err != nil {
			return 0, &Error{Project: project, Err: err}
		}
	}
	// Ask first whether the DELETE would pass (RBAC, the webhook, the
	// precondition), as a server-side dry run: a delete that is refused
	// only after the entries were emptied for the deletion revision would
	// leave an empty project behind, and a failed command must leave the
	// Secret as it was.
	uid, rv := s.UID, s.ResourceVersion
	err = c.cs.CoreV1().Secrets(c.namespace).Delete(ctx, s.Name, metav1.DeleteOptions{
		DryRun:        []string{metav1.DryRunAll},
		Preconditions: &metav1.Preconditions{UID: &uid, ResourceVersion: &rv},
	})
	if apierrors.IsConflict(err) {
		return 0, &Error{Project: project, Err: errChangedSinceRead}
	}
	if err != nil {
		return 0, &Error{Project: project, Err: err}
	}
	target := s
	if purge {
		if _, err := c.purgeHistory(ctx, project); err != nil {
			return 0, &Error{Project: project, Err: fmt.Errorf("%w; the project itself is not deleted", err)}
		}
	} else {
		var written corev1.Secret
		err := c.readModifyWrite(ctx, project, writeOptions{projectDeleted: true, written: &written}, func(b *Batch) error {
			if b.secret.ResourceVersion != s.ResourceVersion {
				return errChangedSinceRead
			}
			for key := range b.secret.Data {
				delete(b.secret.Data, key)
				delete(b.entries, key)
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
		target = &written
		// Revisions of writes that lost a race would otherwise stay, and
		// one of them could end the deleted project's history a second way.
		if head, herr := ParseHead(written.Annotations[AnnotationRevision]); herr == nil {
			limit, _ := HistoryLimit(&written)
			if err := c.prune(ctx, project, head, max(limit, 1)); err != nil {
				c.warnf("project %s: pruning its history failed: %v", Quote(project), err)
			}
		}
	}
	uid, rv = target.UID, target.ResourceVersion
	err = c.cs.CoreV1().Secrets(c.namespace).Delete(ctx, s.Name, metav1.DeleteOptions{
		Preconditions: &metav1.Preconditions{UID: &uid, ResourceVersion: &rv},
	})
	switch {
	case apierrors.IsConflict(err) && !purge:
		return 0, &Error{Project: project, Err: fmt.Errorf("its entries were deleted (recorded in its history, undelete restores them), but it changed again before its Secret could be deleted: %w", err)}
	case apierrors.IsConflict(err):
		return 0, &Error{Project: project, Err: fmt.Errorf("its history was deleted, but it changed since it was read, so the project itself is not deleted: %w", err)}
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
		// Adoption creates every entry: it is the project's first
		// revision, stored before the guarded UPDATE that makes it count.
		entries, err := ParseEntries(s.Annotations[AnnotationEntries])
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
