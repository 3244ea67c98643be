package store

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/projsecret/projsecret"
	corev1 "k8s.io/api/core/v1"
)

// Batch is the working copy of one project's entries inside Client.Apply:
// the commands that change many entries at once (import, edit, copy) make
// their changes here, and Apply sends them in a single guarded write. A
// Batch is valid only during the function Apply calls, and that function
// may run more than once when another writer wins a race: it must derive
// everything from the Batch, not from what an earlier run saw.
type Batch struct {
	project string
	secret  *corev1.Secret
	entries projsecret.Entries
	user    string
	isNew   bool
	// stamp is the client's clock, for the entries' timestamps.
	stamp func() time.Time
}

// IsNew reports whether the project Secret does not exist yet; Apply
// creates it if the batch leaves at least one entry.
func (b *Batch) IsNew() bool { return b.isNew }

// Keys returns the project's entry keys, sorted.
func (b *Batch) Keys() []string {
	return slices.Sorted(maps.Keys(b.secret.Data))
}

// Value returns an entry's current value.
func (b *Batch) Value(key string) ([]byte, bool) {
	v, ok := b.secret.Data[key]
	return v, ok
}

// Meta returns an entry's current metadata.
func (b *Batch) Meta(key string) (projsecret.EntryMeta, bool) {
	m, ok := b.entries[key]
	return m, ok
}

// Put sets key's value, creating the entry (with meta and the requester as
// its author) if it is absent; an existing entry keeps its metadata, with
// meta applied on top, and records the requester as its last writer.
func (b *Batch) Put(key string, value []byte, meta MetaChange) error {
	if err := projsecret.ValidateKey(key); err != nil {
		return &projsecret.Error{Project: b.project, Key: key, Err: err}
	}
	if err := putValue(b, key, value, meta); err != nil {
		return &projsecret.Error{Project: b.project, Key: key, Err: err}
	}
	return nil
}

// UpdateMeta changes an existing entry's metadata, leaving its value alone.
func (b *Batch) UpdateMeta(key string, change MetaChange) error {
	if err := updateMeta(b, key, change); err != nil {
		return &projsecret.Error{Project: b.project, Key: key, Err: err}
	}
	return nil
}

// Remove deletes an entry; removing an absent key is ErrNotFound.
func (b *Batch) Remove(key string) error {
	if _, ok := b.secret.Data[key]; !ok {
		return &projsecret.Error{Project: b.project, Key: key, Err: projsecret.ErrNotFound}
	}
	delete(b.secret.Data, key)
	delete(b.entries, key)
	return nil
}

// ApplyOptions tune Apply.
type ApplyOptions struct {
	// DryRun runs the batch against the stored Secret and checks the
	// result as a real write would, but sends nothing: only GETs (and the
	// user lookup) reach the API server.
	DryRun bool
	// Owners are the owners a project this write creates starts with;
	// empty means the requesting user. They are ignored when the project
	// exists: changing owners is SetOwners' job.
	Owners projsecret.Owners
}

// Apply runs fn on the project's entries and writes the result in one
// UPDATE (or CREATE, for a new project, owned as opts.Owners says)
// guarded by resourceVersion, retried
// from a fresh read when another writer got there first. If fn fails, or
// the result breaks the contract's limits, nothing is written.
func (c *Client) Apply(ctx context.Context, project string, opts ApplyOptions, fn func(b *Batch) error) error {
	return c.readModifyWrite(ctx, project, writeOptions{ApplyOptions: opts}, fn)
}
