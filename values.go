package projsecret

import "context"

// Snapshot returns the values and metadata of a project's entries (all of
// them, or only keys, failing with ErrNotFound if one is absent) from one
// GET, so both describe the same version of the Secret.
func (c *Client) Snapshot(ctx context.Context, project string, keys ...string) (map[string][]byte, Entries, error) {
	s, err := c.get(ctx, project)
	if err != nil {
		return nil, nil, &Error{Project: project, Err: err}
	}
	entries, err := ParseEntries(s.Annotations[AnnotationEntries])
	if err != nil {
		return nil, nil, &Error{Project: project, Err: err}
	}
	if len(keys) == 0 {
		keys = mapKeys(s.Data)
	}
	values := make(map[string][]byte, len(keys))
	metas := make(Entries, len(keys))
	for _, key := range keys {
		v, ok := s.Data[key]
		if !ok {
			return nil, nil, &Error{Project: project, Key: key, Err: ErrNotFound}
		}
		values[key] = v
		if m, ok := entries[key]; ok {
			metas[key] = m
		}
	}
	return values, metas, nil
}

// Values returns the values of a project's entries (all, or only keys), in
// one GET.
func (c *Client) Values(ctx context.Context, project string, keys ...string) (map[string][]byte, error) {
	values, _, err := c.Snapshot(ctx, project, keys...)
	return values, err
}
