package store

import (
	"context"

	"github.com/projsecret/projsecret"
)

// Snapshot is a project's values and metadata as one GET returned them.
// It holds values: callers compare or copy them, and never print them.
type Snapshot struct {
	Project string
	Values  map[string][]byte
	Entries projsecret.Entries
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
	chosen := &Snapshot{Project: project, Values: make(map[string][]byte, len(keys)), Entries: make(projsecret.Entries, len(keys))}
	for _, key := range keys {
		v, ok := snap.Values[key]
		if !ok {
			return nil, &projsecret.Error{Project: project, Key: key, Err: projsecret.ErrNotFound}
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
