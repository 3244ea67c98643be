package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/projsecret/projsecret"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// historyView is a project's trusted history: the chain the live project's
// head reaches, or, for a deleted project, the chain that ends at its
// deletion (see deletedTail).
type historyView struct {
	live  *corev1.Secret         // nil when the project is deleted
	chain []*projsecret.Revision // oldest first
}

// view reads the project and its history: one GET and one LIST.
func (c *Client) view(ctx context.Context, project string) (*historyView, error) {
	s, err := c.get(ctx, project)
	if err != nil && !errors.Is(err, projsecret.ErrNotFound) {
		return nil, &projsecret.Error{Project: project, Err: err}
	}
	all, lerr := c.listRevisions(ctx, project)
	if lerr != nil {
		return nil, &projsecret.Error{Project: project, Err: lerr}
	}
	if err == nil {
		head, err := projsecret.ParseHead(s.Annotations[projsecret.AnnotationRevision])
		if err != nil {
			return nil, &projsecret.Error{Project: project, Err: err}
		}
		return &historyView{live: s, chain: chainFrom(all, head.Sum)}, nil
	}
	tail, terr := deletedTail(all)
	if terr != nil {
		return nil, &projsecret.Error{Project: project, Err: terr}
	}
	if tail == nil {
		return nil, &projsecret.Error{Project: project, Err: err}
	}
	return &historyView{chain: chainFrom(all, tail.Sum)}, nil
}

// deletedTail finds where a deleted project's history ends. With the
// project Secret gone there is no owner-guarded head, so a revision is
// trusted only if its author was an owner as its parent recorded them (the
// webhook makes the author the requester), and the history must end in
// exactly one such revision marked as the project's deletion: a fork or a
// second ending means someone wrote history around projsecret, and the
// client refuses to choose, naming the authors, rather than restore what
// one of them planted.
func deletedTail(all map[string]*projsecret.Revision) (*projsecret.Revision, error) {
	trusted := func(r *projsecret.Revision) bool {
		if r.Parent == "" {
			return true
		}
		p, ok := all[r.Parent]
		if !ok {
			return true // pruned: nothing left to check it against
		}
		owners, _ := projsecret.ParseOwners(p.Owners)
		return owners.Includes(r.User, nil)
	}
	hasChild := map[string]bool{}
	for _, r := range all {
		if trusted(r) {
			hasChild[r.Parent] = true
		}
	}
	var tails []*projsecret.Revision
	for _, r := range all {
		if r.ProjectDeleted && !hasChild[r.Sum] && trusted(r) {
			tails = append(tails, r)
		}
	}
	switch len(tails) {
	case 0:
		return nil, nil
	case 1:
		return tails[0], nil
	}
	var who []string
	for _, t := range tails {
		who = append(who, fmt.Sprintf("revision %d by %s", t.Revision, projsecret.Quote(t.User)))
	}
	slices.Sort(who)
	return nil, fmt.Errorf("the deleted project's history ends %d ways (%s): it was written around projsecret, so none is trusted; an admin must remove the wrong revisions", len(tails), projsecret.KeyList(who))
}

// History returns the project's revisions, newest first; with key, only
// those that touch it. A deleted project's history is readable too.
func (c *Client) History(ctx context.Context, project, key string) ([]*projsecret.Revision, error) {
	v, err := c.view(ctx, project)
	if err != nil {
		return nil, err
	}
	var out []*projsecret.Revision
	for i := len(v.chain) - 1; i >= 0; i-- {
		if _, ok := v.chain[i].Touches(key); key == "" || ok {
			out = append(out, v.chain[i])
		}
	}
	return out, nil
}

// at finds revision n in the view.
func (v *historyView) at(project string, n int) error {
	for _, r := range v.chain {
		if r.Revision == n {
			return nil
		}
	}
	if len(v.chain) == 0 {
		return &projsecret.Error{Project: project, Err: fmt.Errorf("revision %d: %w: the project %w", n, projsecret.ErrUnknownRevision, projsecret.ErrNoHistory)}
	}
	return &projsecret.Error{Project: project, Err: fmt.Errorf("revision %d: %w (revisions kept: %d to %d)", n, projsecret.ErrUnknownRevision, v.chain[0].Revision, v.chain[len(v.chain)-1].Revision)}
}

// stateAt is key's entry right after revision n, nil where it did not
// exist: the latest revision up to n that touches it says what it
// became; failing that, the first later one says what it was; failing
// that, it is as it is now.
func (v *historyView) stateAt(project, key string, n int) (*projsecret.EntryState, error) {
	var upTo, later *projsecret.KeyChange
	for _, r := range v.chain {
		ch, ok := r.Touches(key)
		switch {
		case !ok:
		case r.Revision <= n:
			upTo = &ch
		default:
			later = &ch
		}
		if later != nil {
			break
		}
	}
	found, useBefore := upTo, false
	if found == nil && later != nil {
		found, useBefore = later, true
	}
	switch {
	case found == nil && v.live != nil:
		val, ok := v.live.Data[key]
		if !ok {
			return nil, nil
		}
		entries, err := projsecret.ParseEntries(v.live.Annotations[projsecret.AnnotationEntries])
		if err != nil {
			return nil, err
		}
		return &projsecret.EntryState{Value: val, Meta: entries[key]}, nil
	case found == nil:
		return nil, nil
	case found.Omitted:
		return nil, &projsecret.Error{Project: project, Key: key, Err: fmt.Errorf("at revision %d: %w", n, projsecret.ErrValueNotKept)}
	case useBefore:
		return found.Before, nil
	}
	return found.After, nil
}

// ReadRevision returns key's value as it was right after revision n, in
// one GET and one LIST.
func (c *Client) ReadRevision(ctx context.Context, project, key string, n int) ([]byte, error) {
	v, err := c.view(ctx, project)
	if err != nil {
		return nil, err
	}
	if err := v.at(project, n); err != nil {
		return nil, err
	}
	st, err := v.stateAt(project, key, n)
	switch {
	case err != nil:
		return nil, err
	case st == nil:
		return nil, &projsecret.Error{Project: project, Key: key, Err: fmt.Errorf("%w at revision %d", projsecret.ErrNotAtRevision, n)}
	}
	return st.Value, nil
}

// Rollback restores keys' values, descriptions and labels as of revision n
// in one guarded write, which is a new revision. An unknown revision, or
// a key that did not exist at n, fails before anything is written. It
// returns the keys whose value the write changed, sorted.
func (c *Client) Rollback(ctx context.Context, project string, n int, keys ...string) ([]string, error) {
	v, err := c.view(ctx, project)
	if err != nil {
		return nil, err
	}
	if v.live == nil {
		return nil, &projsecret.Error{Project: project, Err: fmt.Errorf("%w: the project was deleted, undelete it first", projsecret.ErrNotFound)}
	}
	if err := v.at(project, n); err != nil {
		return nil, err
	}
	states := map[string]*projsecret.EntryState{}
	for _, key := range keys {
		st, err := v.stateAt(project, key, n)
		if err != nil {
			return nil, err
		}
		if st == nil {
			return nil, &projsecret.Error{Project: project, Key: key, Err: fmt.Errorf("%w at revision %d: nothing to roll back to", projsecret.ErrNotAtRevision, n)}
		}
		states[key] = st
	}
	return c.restore(ctx, project, states, false, nil)
}

// Undelete restores deleted keys to their last value and metadata. On a
// deleted project it re-creates the project, with the owners it had,
// continuing its history. It returns the keys whose value the write
// changed (every key it restored), sorted.
func (c *Client) Undelete(ctx context.Context, project string, keys ...string) ([]string, error) {
	v, err := c.view(ctx, project)
	if err != nil {
		return nil, err
	}
	states := map[string]*projsecret.EntryState{}
	for _, key := range keys {
		if v.live != nil {
			if _, ok := v.live.Data[key]; ok {
				return nil, &projsecret.Error{Project: project, Key: key, Err: fmt.Errorf("%w: only a deleted key can be undeleted", projsecret.ErrExists)}
			}
		}
		st, err := v.lastValue(project, key)
		if err != nil {
			return nil, err
		}
		states[key] = st
	}
	var parent *projsecret.Head
	opts := ApplyOptions{}
	if v.live == nil {
		tail := v.chain[len(v.chain)-1]
		parent = &projsecret.Head{N: tail.Revision, Sum: tail.Sum}
		if opts.Owners, err = projsecret.ParseOwners(tail.Owners); err != nil {
			return nil, &projsecret.Error{Project: project, Err: err}
		}
	}
	return c.restoreWith(ctx, project, states, true, parent, opts)
}

// lastValue is key's entry before it was last deleted.
func (v *historyView) lastValue(project, key string) (*projsecret.EntryState, error) {
	for i := len(v.chain) - 1; i >= 0; i-- {
		ch, ok := v.chain[i].Touches(key)
		switch {
		case !ok:
			continue
		case ch.Omitted:
			return nil, &projsecret.Error{Project: project, Key: key, Err: fmt.Errorf("at revision %d: %w", v.chain[i].Revision, projsecret.ErrValueNotKept)}
		case ch.After != nil:
			return ch.After, nil
		case ch.Before != nil:
			return ch.Before, nil
		}
	}
	return nil, &projsecret.Error{Project: project, Key: key, Err: fmt.Errorf("%w: the history holds no value of it", projsecret.ErrNotFound)}
}

func (c *Client) restore(ctx context.Context, project string, states map[string]*projsecret.EntryState, absent bool, parent *projsecret.Head) ([]string, error) {
	return c.restoreWith(ctx, project, states, absent, parent, ApplyOptions{})
}

// restoreWith writes states in one guarded write; with absent, each key
// must still be absent when the write happens. It returns the keys whose
// value the write changed (see TrackValueChanges), for --restart.
func (c *Client) restoreWith(ctx context.Context, project string, states map[string]*projsecret.EntryState, absent bool, parent *projsecret.Head, opts ApplyOptions) ([]string, error) {
	var changed []string
	err := c.readModifyWrite(ctx, project, writeOptions{ApplyOptions: opts, parent: parent}, TrackValueChanges(&changed, func(b *Batch) error {
		for _, key := range slices.Sorted(maps.Keys(states)) {
			st := states[key]
			if _, ok := b.secret.Data[key]; ok && absent {
				return &projsecret.Error{Project: project, Key: key, Err: fmt.Errorf("%w: it was re-created meanwhile", projsecret.ErrExists)}
			}
			// An entry already as the state has it is left alone: stamping
			// it again would make a write, and a revision, of nothing
			// whenever the clock had moved on a second.
			cur, exists := b.entries[key]
			if exists && bytes.Equal(b.secret.Data[key], st.Value) &&
				cur.Description == st.Meta.Description && maps.Equal(cur.Labels, st.Meta.Labels) {
				continue
			}
			desc := st.Meta.Description
			change := MetaChange{Description: &desc, SetLabels: maps.Clone(st.Meta.Labels)}
			if exists {
				for l := range cur.Labels {
					if _, keep := st.Meta.Labels[l]; !keep {
						change.RemoveLabels = append(change.RemoveLabels, l)
					}
				}
			}
			if err := putValue(b, key, st.Value, change); err != nil {
				return &projsecret.Error{Project: project, Key: key, Err: err}
			}
		}
		return nil
	}))
	if err != nil {
		return nil, err
	}
	return changed, nil
}

// PurgeHistory deletes every revision of the project, oldest first; the
// project Secret is the caller's to delete (after, so the revisions are
// never left without their project's head while it still exists).
func (c *Client) purgeHistory(ctx context.Context, project string) (int, error) {
	list, err := c.cs.CoreV1().Secrets(c.namespace).List(ctx, metav1.ListOptions{LabelSelector: projsecret.LabelProject + "=" + project + "," + projsecret.LabelRevision})
	if err != nil {
		return 0, fmt.Errorf("listing the history: %w", err)
	}
	n := 0
	for i := range list.Items {
		s := &list.Items[i]
		uid := s.UID
		err := c.cs.CoreV1().Secrets(c.namespace).Delete(ctx, s.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
		switch {
		case apierrors.IsNotFound(err):
		case err != nil:
			return n, fmt.Errorf("deleting revision secret %s: %w (%d deleted before it)", s.Name, err, n)
		default:
			n++
		}
	}
	return n, nil
}
