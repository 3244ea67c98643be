package store

import (
	"context"
	"slices"
	"testing"
)

func TestTrackValueChanges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, _ := newTestClient()
	if err := c.Apply(ctx, "p", ApplyOptions{}, func(b *Batch) error {
		for _, k := range []string{"SAME", "CHANGED", "META", "GONE"} {
			if err := b.Put(k, []byte("v-"+k), MetaChange{}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	desc := "new description"
	var changed []string
	err := c.Apply(ctx, "p", ApplyOptions{}, TrackValueChanges(&changed, func(b *Batch) error {
		if err := b.Put("SAME", []byte("v-SAME"), MetaChange{}); err != nil {
			return err
		}
		if err := b.Put("CHANGED", []byte("other"), MetaChange{}); err != nil {
			return err
		}
		if err := b.UpdateMeta("META", MetaChange{Description: &desc}); err != nil {
			return err
		}
		if err := b.Remove("GONE"); err != nil {
			return err
		}
		return b.Put("NEW", []byte("v"), MetaChange{})
	}))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"CHANGED", "GONE", "NEW"}; !slices.Equal(changed, want) {
		t.Errorf("changed %v, want %v", changed, want)
	}
}
