package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/projsecret/projsecret"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// DefaultExpiringWithin is how far ahead expiring looks unless told.
const DefaultExpiringWithin = 30 * 24 * time.Hour

// ExpiringEntry is an entry whose expiry falls before a deadline.
type ExpiringEntry struct {
	Namespace, Project, Key string
	projsecret.EntryMeta
}

// ExpiringQuery chooses what Expiring lists.
type ExpiringQuery struct {
	// Project limits the listing to one project; empty means every one.
	Project       string
	AllNamespaces bool
	// Within: entries whose expiresAt is before now + Within are listed
	// (already expired ones included).
	Within time.Duration
}

// Expiring lists the entries whose expiresAt falls before now + q.Within,
// soonest (expired) first, from one metadata LIST of the project Secrets:
// no value crosses the wire. A Secret whose entries annotation cannot be
// read is skipped, and the warning sink (WithWarnings) told its name.
func (c *Client) Expiring(ctx context.Context, q ExpiringQuery) ([]ExpiringEntry, error) {
	selector := projsecret.LabelProject
	if q.Project != "" {
		if err := projsecret.ValidateProjectName(q.Project); err != nil {
			return nil, &projsecret.Error{Project: q.Project, Err: err}
		}
		selector = projsecret.LabelProject + "=" + q.Project
	}
	ns := c.namespace
	if q.AllNamespaces {
		ns = metav1.NamespaceAll
	}
	metas, err := c.listMeta(ctx, ns, selector)
	if err != nil {
		return nil, fmt.Errorf("listing project secrets: %w", err)
	}
	deadline := c.now().Add(q.Within)
	var out []ExpiringEntry
	var unreadable []string
	for _, m := range metas {
		project := m.Labels[projsecret.LabelProject]
		if m.Name != projsecret.SecretName(project) {
			continue
		}
		entries, err := projsecret.ParseEntries(m.Annotations[projsecret.AnnotationEntries])
		if err != nil {
			unreadable = append(unreadable, projsecret.Clip(m.Namespace+"/"+m.Name))
			continue
		}
		for key, e := range entries {
			if !e.ExpiresAt.IsZero() && e.ExpiresAt.Before(deadline) {
				out = append(out, ExpiringEntry{Namespace: m.Namespace, Project: project, Key: key, EntryMeta: e})
			}
		}
	}
	if len(unreadable) > 0 {
		c.warnf("skipped %d project secret(s) whose %s annotation is unreadable: %s", len(unreadable), projsecret.AnnotationEntries, projsecret.KeyList(unreadable))
	}
	slices.SortFunc(out, func(a, b ExpiringEntry) int {
		return cmp.Or(a.ExpiresAt.Compare(b.ExpiresAt), cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Project, b.Project), cmp.Compare(a.Key, b.Key))
	})
	return out, nil
}
