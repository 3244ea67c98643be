package console

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/projsecret/projsecret/store"
)

// TestEntryHistory: an entry's page lists its revisions (never a value),
// and restores a chosen one only when the revision is typed again.
func TestEntryHistory(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	d := "first"
	if _, err := h.client.Create(ctx, "payments", "K", []byte(secretValue+"-1"), store.PutOptions{Meta: store.MetaChange{Description: &d}}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.client.Set(ctx, "payments", "K", []byte(secretValue+"-2"), store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	path := "/ns/" + ns + "/p/payments/e/K"
	rec := h.get(path)
	body := rec.Body.String()
	if rec.Code != http.StatusOK || !strings.Contains(body, "<td>2</td>") || !strings.Contains(body, "<td>updated</td>") || !strings.Contains(body, "<td>created</td>") {
		t.Fatalf("status %d, the page does not list revisions 2 (updated) and 1 (created)", rec.Code)
	}
	if strings.Contains(body, secretValue) {
		t.Fatal("the history shows a value")
	}
	rec = h.post(path+"/rollback", map[string]string{"revision": "1", "confirm": "2"}, nil)
	if _, v, _ := h.stored("payments", "K"); rec.Code != http.StatusBadRequest || !strings.Contains(errorOf(t, rec), "type the revision number again") || string(v) != secretValue+"-2" {
		t.Fatalf("unconfirmed: status %d, error %q", rec.Code, errorOf(t, rec))
	}
	rec = h.post(path+"/rollback", map[string]string{"revision": "7", "confirm": "7"}, nil)
	if rec.Code == http.StatusOK || !strings.Contains(errorOf(t, rec), "revision 7: unknown revision") {
		t.Fatalf("unknown revision: status %d, error %q", rec.Code, errorOf(t, rec))
	}
	rec = h.post(path+"/rollback", map[string]string{"revision": "1", "confirm": "1"}, nil)
	if m, v, _ := h.stored("payments", "K"); rec.Code != http.StatusOK || string(v) != secretValue+"-1" || m.Description != "first" {
		t.Fatalf("confirmed: status %d, %q", rec.Code, rec.Body)
	}
	// The value changed, so its readers are offered a restart, as after a
	// set; rolling back to the value there is offers none.
	if offer := "/ns/" + ns + "/p/payments/restart?key=K"; !strings.Contains(rec.Body.String(), `"redirect":"`+offer+`"`) {
		t.Errorf("rollback: %s, want a redirect to %s", rec.Body, offer)
	}
	rec = h.post(path+"/rollback", map[string]string{"revision": "1", "confirm": "1"}, nil)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"redirect":"`+path+`"`) {
		t.Errorf("rollback to the value there is: status %d, %s, want a redirect to the entry", rec.Code, rec.Body)
	}
}
