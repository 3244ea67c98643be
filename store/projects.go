package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/projsecret/projsecret"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Project is one project Secret, as the projects listing shows it.
type Project struct {
	Name      string
	Namespace string
	// Entries counts the entries annotation's entries; it is 0 for an
	// unmanaged Secret, whose keys a metadata-only listing cannot see.
	Entries int
	// Expired counts the entries whose expiresAt has passed.
	Expired int
	Owners  string
	Created metav1.Time
	// Unmanaged marks a proj-secrets-NAME Secret without the project label,
	// as DigitalHub Core creates them: adopt takes it under management.
	Unmanaged bool
}

// ProjectQuery chooses what ListProjects returns.
type ProjectQuery struct {
	AllNamespaces bool
	// Unmanaged adds the unlabeled proj-secrets-* Secrets, in a second LIST.
	Unmanaged bool
}

// Projects lists the projects in the client's namespace, or in all of them,
// in one label-selected LIST. A Secret whose label names another project
// than its name does (possible where the webhook does not run) is not a
// project: it is skipped, and the warning sink (WithWarnings) is told its
// name.
func (c *Client) Projects(ctx context.Context, allNamespaces bool) ([]Project, error) {
	return c.ListProjects(ctx, ProjectQuery{AllNamespaces: allNamespaces})
}

// ListProjects lists project Secrets by their metadata only (names,
// labels, annotations, creation times) when the client has a metadata
// client (WithMetadata), so no value crosses the wire; the entry count comes from the
// entries annotation.
func (c *Client) ListProjects(ctx context.Context, q ProjectQuery) ([]Project, error) {
	ns := c.namespace
	if q.AllNamespaces {
		ns = metav1.NamespaceAll
	}
	// Revisions carry the project label too (so the webhook reviews
	// them) and are told apart by their own.
	managed, err := c.listMeta(ctx, ns, projsecret.LabelProject+",!"+projsecret.LabelRevision)
	if err != nil {
		return nil, fmt.Errorf("listing project secrets: %w", err)
	}
	out := make([]Project, 0, len(managed))
	var mismatched []string
	for _, m := range managed {
		if !isSecretOf(&corev1.Secret{ObjectMeta: m}, m.Labels[projsecret.LabelProject]) {
			mismatched = append(mismatched, projsecret.Clip(m.Namespace+"/"+m.Name))
			continue
		}
		out = append(out, Project{
			Name:      m.Labels[projsecret.LabelProject],
			Namespace: m.Namespace,
			Entries:   countEntries(m.Annotations[projsecret.AnnotationEntries]),
			Expired:   countExpired(m.Annotations[projsecret.AnnotationEntries], c.now()),
			Owners:    m.Annotations[projsecret.AnnotationOwners],
			Created:   m.CreationTimestamp,
		})
	}
	if len(mismatched) > 0 {
		c.warnf("skipped %d secret(s) whose %s label does not match their name %s<project>: %s", len(mismatched), projsecret.LabelProject, projsecret.SecretNamePrefix, projsecret.KeyList(mismatched))
	}
	if !q.Unmanaged {
		return out, nil
	}
	// The server filters on the label's absence; the name is checked here,
	// as no selector matches a name prefix.
	unlabeled, err := c.listMeta(ctx, ns, "!"+projsecret.LabelProject)
	if err != nil {
		return nil, fmt.Errorf("listing unmanaged project secrets: %w", err)
	}
	for _, m := range unlabeled {
		name, ok := strings.CutPrefix(m.Name, projsecret.SecretNamePrefix)
		if !ok || projsecret.ValidateProjectName(name) != nil {
			continue
		}
		out = append(out, Project{Name: name, Namespace: m.Namespace, Owners: m.Annotations[projsecret.AnnotationOwners], Created: m.CreationTimestamp, Unmanaged: true})
	}
	return out, nil
}

// listMeta LISTs the metadata of the Secrets matching selector: through
// the metadata client when there is one, else as whole Secrets.
func (c *Client) listMeta(ctx context.Context, ns, selector string) ([]metav1.ObjectMeta, error) {
	opts := metav1.ListOptions{LabelSelector: selector}
	if c.md != nil {
		list, err := c.md.Resource(corev1.SchemeGroupVersion.WithResource("secrets")).Namespace(ns).List(ctx, opts)
		if err != nil {
			return nil, err
		}
		return objectMetas(list.Items, func(m *metav1.PartialObjectMetadata) metav1.ObjectMeta { return m.ObjectMeta }), nil
	}
	list, err := c.cs.CoreV1().Secrets(ns).List(ctx, opts)
	if err != nil {
		return nil, err
	}
	return objectMetas(list.Items, func(s *corev1.Secret) metav1.ObjectMeta { return s.ObjectMeta }), nil
}

// objectMetas keeps the metadata of each listed object.
func objectMetas[T any](items []T, meta func(*T) metav1.ObjectMeta) []metav1.ObjectMeta {
	out := make([]metav1.ObjectMeta, len(items))
	for i := range items {
		out[i] = meta(&items[i])
	}
	return out
}

// countEntries counts the entries of an annotation without validating
// them; a listing shows what is stored, and an unreadable annotation
// counts as none.
func countEntries(annotation string) int {
	var entries map[string]json.RawMessage
	if json.Unmarshal([]byte(annotation), &entries) != nil {
		return 0
	}
	return len(entries)
}

// SetOwners replaces the project's owners list; an empty list removes it.
func (c *Client) SetOwners(ctx context.Context, project string, owners projsecret.Owners) error {
	return c.readModifyWrite(ctx, project, writeOptions{anonymous: true}, func(b *Batch) error {
		s := b.secret
		switch {
		case len(owners) == 0:
			delete(s.Annotations, projsecret.AnnotationOwners)
		case s.Annotations == nil:
			// A project not created yet (readModifyWrite then reports it not found),
			// or a Secret written around the contract.
			s.Annotations = map[string]string{projsecret.AnnotationOwners: owners.String()}
		default:
			s.Annotations[projsecret.AnnotationOwners] = owners.String()
		}
		return nil
	})
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

func (c *Client) deleteProject(ctx context.Context, project string, expect func(entries int) error, purge bool) (int, error) {
	s, err := c.get(ctx, project)
	if purge && errors.Is(err, projsecret.ErrNotFound) {
		if expect != nil {
			if err := expect(0); err != nil {
				return 0, &projsecret.Error{Project: project, Err: err}
			}
		}
		n, perr := c.purgeHistory(ctx, project)
		if perr == nil && n == 0 {
			perr = err
		}
		if perr != nil {
			return 0, &projsecret.Error{Project: project, Err: perr}
		}
		return 0, nil
	}
	if err != nil {
		return 0, &projsecret.Error{Project: project, Err: err}
	}
	if expect != nil {
		if err := expect(len(s.Data)); err != nil {
			return 0, &projsecret.Error{Project: project, Err: err}
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
		return 0, &projsecret.Error{Project: project, Err: errChangedSinceRead}
	}
	if err != nil {
		return 0, &projsecret.Error{Project: project, Err: err}
	}
	target := s
	if purge {
		if _, err := c.purgeHistory(ctx, project); err != nil {
			return 0, &projsecret.Error{Project: project, Err: fmt.Errorf("%w; the project itself is not deleted", err)}
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
		if head, herr := projsecret.ParseHead(written.Annotations[projsecret.AnnotationRevision]); herr == nil {
			limit, _ := projsecret.HistoryLimit(&written)
			if err := c.prune(ctx, project, head, max(limit, 1)); err != nil {
				c.warnf("project %s: pruning its history failed: %v", projsecret.Quote(project), err)
			}
		}
	}
	uid, rv = target.UID, target.ResourceVersion
	err = c.cs.CoreV1().Secrets(c.namespace).Delete(ctx, s.Name, metav1.DeleteOptions{
		Preconditions: &metav1.Preconditions{UID: &uid, ResourceVersion: &rv},
	})
	switch {
	case apierrors.IsConflict(err) && !purge:
		return 0, &projsecret.Error{Project: project, Err: fmt.Errorf("its entries were deleted (recorded in its history, undelete restores them), but it changed again before its Secret could be deleted: %w", err)}
	case apierrors.IsConflict(err):
		return 0, &projsecret.Error{Project: project, Err: fmt.Errorf("its history was deleted, but it changed since it was read, so the project itself is not deleted: %w", err)}
	case err != nil:
		return 0, &projsecret.Error{Project: project, Err: err}
	}
	return len(s.Data), nil
}
