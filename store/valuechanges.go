package store

import (
	"bytes"
	"slices"
)

// TrackValueChanges wraps a function for Apply so that, once it has run,
// *changed holds the keys whose value it changed, sorted: added, replaced
// by different bytes, or removed. Keys whose metadata alone changed, or
// whose value was put again unchanged, are not among them. Apply may run
// the function more than once (after a lost race); *changed describes the
// last run, the one written.
func TrackValueChanges(changed *[]string, fn func(b *Batch) error) func(b *Batch) error {
	return func(b *Batch) error {
		*changed = nil
		before := make(map[string][]byte, len(b.secret.Data))
		for k, v := range b.secret.Data {
			before[k] = v
		}
		if err := fn(b); err != nil {
			return err
		}
		var keys []string
		for k, v := range b.secret.Data {
			if old, ok := before[k]; !ok || !bytes.Equal(old, v) {
				keys = append(keys, k)
			}
		}
		for k := range before {
			if _, ok := b.secret.Data[k]; !ok {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		*changed = keys
		return nil
	}
}
