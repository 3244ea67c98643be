package store_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/projsecret/projsecret/internal/fixtures"
	. "github.com/projsecret/projsecret/store"
	"k8s.io/client-go/kubernetes/fake"
)

// TestClientListIsSortedByKey: List's promise, on thirty entries so that
// map order cannot hand back a sorted list by chance.
func TestClientListIsSortedByKey(t *testing.T) {
	t.Parallel()
	values := map[string]string{}
	for i := range 30 {
		values[fmt.Sprintf("K%02d", i)] = "v"
	}
	c := NewClient(fake.NewClientset(fixtures.Secret("ns", "p", values, byAlice)), "ns", as("alice"))
	list, err := c.List(t.Context(), "p")
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, e := range list {
		keys = append(keys, e.Key)
	}
	if len(keys) != 30 || !slices.IsSorted(keys) {
		t.Errorf("List returned keys %q, want all 30 sorted", keys)
	}
}
