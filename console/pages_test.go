package console

import (
	"net/http"
	"testing"
)

// TestProjectPageRequests: the project page reads the project Secret and
// its owners with GETs, never LISTing the namespace's projects for one
// annotation.
func TestProjectPageRequests(t *testing.T) {
	t.Parallel()
	h := newHarness(t, seeded(t, "payments", "user:alice", "DB_PASSWORD"), seeded(t, "other", "", "X"))
	h.cs.ClearActions()
	if rec := h.get("/ns/" + ns + "/p/payments/"); rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	counts := map[string]int{}
	for _, a := range h.cs.Actions() {
		counts[a.GetVerb()+" "+a.GetResource().Resource]++
	}
	if counts["list secrets"] != 0 || counts["get secrets"] != 2 || len(counts) != 1 {
		t.Errorf("the project page sent %v, want 2 GETs of the project Secret (entries, owners) and nothing else", counts)
	}
}
