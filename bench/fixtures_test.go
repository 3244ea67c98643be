package main

import (
	"testing"

	"github.com/projsecret/projsecret"
)

// TestProjectSecret: the generated Secret is what setup writes in one
// request: n entries of valueSize bytes by user, managed by the plugin,
// within the contract.
func TestProjectSecret(t *testing.T) {
	for _, tt := range []struct{ n, valueSize int }{{0, 8}, {1, 0}, {20, 32}, {500, 64}} {
		s, err := projectSecret("bench", "p", "bench-user", tt.n, tt.valueSize)
		if err != nil {
			t.Fatalf("%d×%d bytes: %v", tt.n, tt.valueSize, err)
		}
		entries, err := projsecret.ParseEntries(s.Annotations[projsecret.AnnotationEntries])
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Data) != tt.n || len(entries) != tt.n || s.Labels[projsecret.LabelManagedBy] != projsecret.ManagedByPlugin {
			t.Fatalf("%d×%d bytes: %d values, %d entries, labels %v", tt.n, tt.valueSize, len(s.Data), len(entries), s.Labels)
		}
		for k, v := range s.Data {
			if len(v) != tt.valueSize || entries[k].CreatedBy != "bench-user" || entries[k].UpdatedBy != "bench-user" {
				t.Errorf("%s: %d bytes, entry %+v", k, len(v), entries[k])
			}
		}
	}
}
