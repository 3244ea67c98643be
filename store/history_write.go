package store

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/projsecret/projsecret"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// How a write and its revision relate (docs/history.md says it for users):
//
//  1. GET the project Secret: its head names revision N.
//  2. CREATE revision N+1, parent N, as an immutable Secret named for its
//     record's SHA-256.
//  3. UPDATE the project Secret, guarded by the resourceVersion of step 1,
//     with the change and the head moved to N+1.
//
// Only step 3 makes revision N+1 real: readers follow the chain from the
// head, so a revision whose UPDATE failed or never came (a lost race, a
// crash) is unreachable and never shown, and later writers delete it. A
// write that succeeded always moved the head to its own revision, so no
// change made through projsecret is missed.

// pruneEvery is how many revisions pass between two prunings: pruning
// LISTs the project's whole history, which a write should not pay for
// every time. A key may so keep up to pruneEvery-1 revisions beyond its
// limit.
const pruneEvery = 10

// orphanGrace is how long an unreachable revision newer than the head is
// left alone: it may be a writer's step 2 whose step 3 is still to come.
const orphanGrace = 10 * time.Minute

// pendingRevision is a revision prepared by one attempt of a write.
type pendingRevision struct {
	rev    *projsecret.Revision
	secret *corev1.Secret
	head   projsecret.Head
	limit  int
}

// snapshotEntries keeps each entry as it is before a write changes it.
func snapshotEntries(s *corev1.Secret, entries projsecret.Entries) map[string]*projsecret.EntryState {
	out := make(map[string]*projsecret.EntryState, len(entries))
	for k, m := range entries {
		if v, ok := s.Data[k]; ok {
			out[k] = &projsecret.EntryState{Value: v, Meta: m}
		}
	}
	return out
}

// newRevision prepares the revision that records how s and entries differ
// from prior, and moves s's head to it; nil when the write changes no
// entry (setting owners) and marks no project deletion.
func (c *Client) newRevision(ctx context.Context, project string, s *corev1.Secret, prior map[string]*projsecret.EntryState, entries projsecret.Entries, user *string, opts writeOptions) (*pendingRevision, error) {
	after := snapshotEntries(s, entries)
	keys := slices.Sorted(maps.Keys(prior))
	for k := range after {
		if _, ok := prior[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var changes []projsecret.KeyChange
	for _, k := range keys {
		if ch := projsecret.Classify(prior[k], after[k]); ch != "" {
			changes = append(changes, projsecret.KeyChange{Key: k, Change: ch, Before: prior[k], After: after[k]})
		}
	}
	if len(changes) == 0 && !opts.projectDeleted {
		return nil, nil
	}
	parent, err := projsecret.ParseHead(s.Annotations[projsecret.AnnotationRevision])
	if err != nil {
		return nil, fmt.Errorf("the project's history head is unreadable, fix or remove the annotation before writing: %w", err)
	}
	if opts.parent != nil && parent.N == 0 {
		parent = *opts.parent
	}
	limit, err := projsecret.HistoryLimit(s)
	if err != nil {
		return nil, err
	}
	if *user == "" {
		if *user, err = c.user(ctx); err != nil {
			return nil, err
		}
	}
	rev := &projsecret.Revision{Revision: parent.N + 1, Parent: parent.Sum, Time: c.stamp(), User: *user,
		Owners: s.Annotations[projsecret.AnnotationOwners], ProjectDeleted: opts.projectDeleted, Changes: changes}
	record, sum, err := c.fitRevision(project, rev)
	if err != nil {
		return nil, err
	}
	head := projsecret.Head{N: rev.Revision, Sum: sum}
	s.Annotations[projsecret.AnnotationRevision] = head.String()
	return &pendingRevision{rev: rev, secret: projsecret.HistorySecret(c.namespace, project, rev, record, sum), head: head, limit: limit}, nil
}

// fitRevision encodes rev, leaving out the values of its largest changes,
// each with a warning naming the key, until the record fits in a Secret.
func (c *Client) fitRevision(project string, rev *projsecret.Revision) ([]byte, string, error) {
	for {
		record, sum, err := projsecret.EncodeRevision(rev)
		if err != nil || len(record) <= projsecret.MaxSecretDataBytes {
			return record, sum, err
		}
		largest, size := -1, 0
		for i, ch := range rev.Changes {
			if n := stateSize(ch.Before) + stateSize(ch.After); !ch.Omitted && n > size {
				largest, size = i, n
			}
		}
		if largest < 0 {
			return nil, "", fmt.Errorf("the revision recording this write is %d bytes even without values, over the %d a Secret holds", len(record), projsecret.MaxSecretDataBytes)
		}
		ch := &rev.Changes[largest]
		ch.Before, ch.After, ch.Omitted = nil, nil, true
		c.warnf("project %s, key %s: its values (%d bytes before and after) do not fit in one revision (at most %d bytes): the change is recorded in history, the values are not and cannot be restored from it",
			projsecret.Quote(project), projsecret.Quote(ch.Key), size, projsecret.MaxSecretDataBytes)
	}
}

func stateSize(s *projsecret.EntryState) int {
	if s == nil {
		return 0
	}
	return len(s.Value)
}

// storeRevision is step 2: it creates the revision's Secret. An existing
// Secret of the same name holds the same record (the name is its SHA-256),
// so it will do, if its data is the record.
func (c *Client) storeRevision(ctx context.Context, p *pendingRevision) error {
	secrets := c.cs.CoreV1().Secrets(c.namespace)
	_, err := secrets.Create(ctx, p.secret, metav1.CreateOptions{FieldManager: projsecret.ManagedByPlugin})
	if !apierrors.IsAlreadyExists(err) {
		if err != nil {
			return fmt.Errorf("recording revision %d: %w", p.rev.Revision, err)
		}
		return nil
	}
	existing, err := secrets.Get(ctx, p.secret.Name, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("recording revision %d: %w", p.rev.Revision, err)
	}
	if !bytes.Equal(existing.Data[projsecret.HistoryDataKey], p.secret.Data[projsecret.HistoryDataKey]) || existing.Type != projsecret.SecretTypeHistory {
		return fmt.Errorf("recording revision %d: secret %s exists with other content: nothing written", p.rev.Revision, existing.Name)
	}
	return nil
}

// pruneAfter prunes the project's history after every pruneEvery-th
// revision (see prune). A failure to prune fails no write: it warns.
func (c *Client) pruneAfter(ctx context.Context, project string, p *pendingRevision) {
	if p == nil || p.head.N%pruneEvery != 0 {
		return
	}
	if err := c.prune(ctx, project, p.head, p.limit); err != nil {
		c.warnf("project %s: pruning its history failed (the write itself succeeded): %v", projsecret.Quote(project), err)
	}
}

// prune deletes, oldest first, the revisions of the chain ending at head
// that are not among the newest limit revisions of any key they touch, or
// that go beyond MaxHistoryBytes, and the revisions no head will reach:
// those whose writes lost their race. The head itself always stays.
func (c *Client) prune(ctx context.Context, project string, head projsecret.Head, limit int) error {
	all, err := c.listRevisions(ctx, project)
	if err != nil {
		return err
	}
	chain := chainFrom(all, head.Sum)
	var doomed []*projsecret.Revision
	perKey := map[string]int{}
	onChain := map[string]bool{}
	total := 0
	for i := len(chain) - 1; i >= 0; i-- {
		r := chain[i]
		onChain[r.Sum] = true
		keep := i == len(chain)-1
		for _, ch := range r.Changes {
			perKey[ch.Key]++
			keep = keep || perKey[ch.Key] <= limit
		}
		total += r.Size
		if !keep || (total > projsecret.MaxHistoryBytes && i != len(chain)-1) {
			doomed = append(doomed, r)
		}
	}
	now := c.now()
	for _, r := range all {
		lost := r.Parent != "" && onChain[r.Parent] && !onChain[r.Sum] &&
			(r.Revision <= head.N || now.Sub(r.Created) > orphanGrace)
		if lost {
			doomed = append(doomed, r)
		}
	}
	slices.SortFunc(doomed, func(a, b *projsecret.Revision) int { return a.Revision - b.Revision })
	var failed []string
	for _, r := range doomed {
		if err := c.deleteRevision(ctx, r); err != nil {
			failed = append(failed, fmt.Sprintf("%s (%v)", r.Name, err))
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d revision(s) not deleted: %s", len(failed), projsecret.KeyList(failed))
	}
	return nil
}

func (c *Client) deleteRevision(ctx context.Context, r *projsecret.Revision) error {
	err := c.cs.CoreV1().Secrets(c.namespace).Delete(ctx, r.Name, metav1.DeleteOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// listRevisions reads every well-formed revision of the project, in one
// LIST, keyed by SHA-256. Secrets that only claim to be revisions are
// left out: nothing reaches them.
func (c *Client) listRevisions(ctx context.Context, project string) (map[string]*projsecret.Revision, error) {
	list, err := c.cs.CoreV1().Secrets(c.namespace).List(ctx, metav1.ListOptions{LabelSelector: projsecret.LabelProject + "=" + project + "," + projsecret.LabelRevision})
	if err != nil {
		return nil, fmt.Errorf("listing the history: %w", err)
	}
	out := make(map[string]*projsecret.Revision, len(list.Items))
	for i := range list.Items {
		r, err := projsecret.ParseHistorySecret(&list.Items[i])
		if err == nil && list.Items[i].Labels[projsecret.LabelProject] == project && strings.HasPrefix(list.Items[i].Name, projsecret.HistoryNamePrefix+project+".") {
			out[r.Sum] = r
		}
	}
	return out, nil
}

// chainFrom follows parents from the revision whose SHA-256 is sum, and
// returns the chain oldest first; it ends where a parent was pruned.
func chainFrom(all map[string]*projsecret.Revision, sum string) []*projsecret.Revision {
	var chain []*projsecret.Revision
	for sum != "" {
		r, ok := all[sum]
		if !ok || (len(chain) > 0 && r.Revision != chain[len(chain)-1].Revision-1) {
			break
		}
		chain = append(chain, r)
		sum = r.Parent
	}
	slices.Reverse(chain)
	return chain
}
