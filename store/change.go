package store

import (
	"bytes"
	"context"
	"maps"
	"time"

	"github.com/projsecret/projsecret"
)

// MetaChange is an update to an entry's metadata; nil fields stay as they are.
type MetaChange struct {
	Description  *string
	SetLabels    map[string]string
	RemoveLabels []string
	// ExpiresAt sets the expiry (the zero time clears it); RotateEvery sets
	// the rotation period (0 clears it). See expiry.go.
	ExpiresAt   *time.Time
	RotateEvery *time.Duration
}

func (m MetaChange) apply(e *projsecret.EntryMeta) error {
	if m.Description != nil {
		if err := projsecret.ValidateDescription(*m.Description); err != nil {
			return err
		}
		e.Description = *m.Description
	}
	if len(m.SetLabels) > 0 || len(m.RemoveLabels) > 0 {
		labels := maps.Clone(e.Labels)
		if labels == nil {
			labels = map[string]string{}
		}
		for _, k := range m.RemoveLabels {
			delete(labels, k)
		}
		for k, v := range m.SetLabels {
			if err := projsecret.ValidateLabel(k, v); err != nil {
				return err
			}
			labels[k] = v
		}
		if len(labels) == 0 {
			labels = nil
		}
		e.Labels = labels
	}
	return m.applyExpiry(e)
}

// PutOptions say how Create and Set write one entry's value.
type PutOptions struct {
	// Meta is applied to the entry: to a new entry's metadata, or on top
	// of an existing entry's, which otherwise stays.
	Meta MetaChange
	// Owners own a project this write creates; empty means the requesting
	// user. They are ignored when the project exists: changing owners is
	// SetOwners' job.
	Owners projsecret.Owners
	// CreateMissing lets Set create the entry when the key is absent;
	// without it Set fails with ErrNotFound. Create always creates.
	CreateMissing bool
}

// PutResult is what a Create or Set did, for the front end to report.
type PutResult struct {
	// CreatedProject: the write created the project's Secret, owned by Owners.
	CreatedProject bool
	// Owners are the owners the write gave the project it created, as
	// stored; nil when the project existed.
	Owners projsecret.Owners
	// CreatedEntry: the key was new.
	CreatedEntry bool
	// ValueChanged: the stored value is not what it was (a new entry, or
	// different bytes).
	ValueChanged bool
}

// Create adds a new entry, and the project Secret on first use (owned as
// opts.Owners says). It fails with ErrExists if the key is taken.
func (c *Client) Create(ctx context.Context, project, key string, value []byte, opts PutOptions) (PutResult, error) {
	return c.put(ctx, project, key, value, opts, true)
}

// Set replaces an entry's value, keeping its metadata (with opts.Meta
// applied on top). Without opts.CreateMissing it fails with ErrNotFound if
// the key is absent; with it, it creates the entry, and the project on
// first use, as Create does.
func (c *Client) Set(ctx context.Context, project, key string, value []byte, opts PutOptions) (PutResult, error) {
	return c.put(ctx, project, key, value, opts, false)
}

// put is Create (create: the key must be new) and Set (the key must exist
// unless opts.CreateMissing) in one guarded write.
func (c *Client) put(ctx context.Context, project, key string, value []byte, opts PutOptions, create bool) (PutResult, error) {
	var (
		res    PutResult
		owners projsecret.Owners
	)
	wopts := writeOptions{ApplyOptions: ApplyOptions{Owners: opts.Owners}, key: key, createdOwners: &owners}
	err := c.readModifyWrite(ctx, project, wopts, func(b *Batch) error {
		old, exists := b.secret.Data[key]
		switch {
		case create && exists:
			return projsecret.ErrExists
		case !create && !exists && !opts.CreateMissing:
			return projsecret.ErrNotFound
		}
		res = PutResult{CreatedProject: b.isNew, CreatedEntry: !exists, ValueChanged: !exists || !bytes.Equal(old, value)}
		return putValue(b, key, value, opts.Meta)
	})
	if err != nil {
		return PutResult{}, err
	}
	res.Owners = owners
	return res, nil
}

// UpdateMeta changes an entry's metadata and leaves its value alone.
func (c *Client) UpdateMeta(ctx context.Context, project, key string, change MetaChange) error {
	return c.readModifyWrite(ctx, project, writeOptions{key: key}, func(b *Batch) error {
		return updateMeta(b, key, change)
	})
}

// Delete removes entries. It fails with ErrNotFound, and removes nothing, if
// any key is absent. The Secret stays, with its labels, when it empties.
func (c *Client) Delete(ctx context.Context, project string, keys ...string) error {
	return c.readModifyWrite(ctx, project, writeOptions{}, func(b *Batch) error {
		for _, key := range keys {
			if _, ok := b.secret.Data[key]; !ok {
				return &projsecret.Error{Project: project, Key: key, Err: projsecret.ErrNotFound}
			}
		}
		for _, key := range keys {
			delete(b.secret.Data, key)
			delete(b.entries, key)
		}
		return nil
	})
}

// putValue sets key's value and stamps its metadata; a new entry also gets
// its creation facts and meta.
func putValue(b *Batch, key string, value []byte, meta MetaChange) error {
	now := b.stamp()
	m, ok := b.entries[key]
	if !ok {
		m = projsecret.EntryMeta{CreatedAt: now, CreatedBy: b.user}
	}
	if err := meta.apply(&m); err != nil {
		return err
	}
	if old, had := b.secret.Data[key]; !had || !bytes.Equal(old, value) {
		rotate(&m, meta, now)
	}
	m.UpdatedAt, m.UpdatedBy = now, b.user
	b.entries[key] = m
	if b.secret.Data == nil {
		b.secret.Data = map[string][]byte{}
	}
	b.secret.Data[key] = value
	return nil
}

// updateMeta applies change to an existing entry and stamps its updater.
func updateMeta(b *Batch, key string, change MetaChange) error {
	m, ok := b.entries[key]
	if !ok {
		return projsecret.ErrNotFound
	}
	if err := change.apply(&m); err != nil {
		return err
	}
	m.UpdatedAt, m.UpdatedBy = b.stamp(), b.user
	b.entries[key] = m
	return nil
}
