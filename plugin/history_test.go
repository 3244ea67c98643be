package plugin

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestHistoryCommands: history in a table and as the JSON, read
// --revision byte for byte, rollback, undelete, and delete --all --purge;
// no value is printed but by read.
func TestHistoryCommands(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.run(t, "", "create", "web", "K", "--from-literal=first", "--description", "first").ok(t)
	h.run(t, "", "set", "web", "K", "--from-literal=second").ok(t)
	h.run(t, "", "meta", "web", "K", "--description", "changed").ok(t)
	h.run(t, "", "create", "web", "OTHER", "--from-literal=other").ok(t)
	h.run(t, "", "delete", "web", "K").ok(t)

	r := h.run(t, "", "history", "web", "K", "-o", "json").ok(t)
	var got struct {
		Items []struct {
			Revision int
			Time     string
			User     string
			Changes  []struct{ Key, Change string }
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, it := range got.Items {
		if _, err := time.Parse(time.RFC3339, it.Time); err != nil || it.User != "alice" || len(it.Changes) != 1 || it.Changes[0].Key != "K" {
			t.Fatalf("item %+v", it)
		}
		kinds = append(kinds, it.Changes[0].Change)
	}
	if strings.Join(kinds, ",") != "deleted,metadata,updated,created" || got.Items[0].Revision != 5 {
		t.Fatalf("changes %v, newest revision %d", kinds, got.Items[0].Revision)
	}
	if strings.Contains(r.stdout, "second") || strings.Contains(r.stdout, "first\"") {
		t.Fatalf("history printed a value: %s", r.stdout)
	}
	r = h.run(t, "", "history", "web").ok(t)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 6 || !strings.HasPrefix(lines[0], "REVISION") || !strings.Contains(lines[0], "CHANGES") ||
		!strings.HasSuffix(lines[1], "-K") || !strings.HasSuffix(lines[2], "+OTHER") || !strings.HasSuffix(lines[3], "*K") || !strings.HasSuffix(lines[4], "~K") {
		t.Fatalf("table:\n%s", r.stdout)
	}
	if r := h.run(t, "", "history", "web", "K", "-o", "jsonpath={.items[0].changes[0].change}").ok(t); r.stdout != "deleted" {
		t.Fatalf("jsonpath: %q", r.stdout)
	}
	if r := h.run(t, "", "history", "web", "-o", "custom-columns=REV:.revision,BY:.user", "--no-headers").ok(t); !strings.HasPrefix(r.stdout, "5     alice\n4 ") {
		t.Fatalf("custom-columns: %q", r.stdout)
	}
	if r := h.run(t, "", "history", "web", "-o", "yaml").ok(t); !strings.Contains(r.stdout, "kind: History") || !strings.Contains(r.stdout, "change: metadata") {
		t.Fatalf("yaml: %q", r.stdout)
	}
	if r := h.run(t, "", "read", "web", "K", "--revision", "1").ok(t); r.stdout != "first" {
		t.Fatalf("read --revision 1: %d bytes", len(r.stdout))
	}
	h.run(t, "", "read", "web", "K", "--revision", "9").fails(t, "revision 9: unknown revision")
	h.run(t, "", "undelete", "web", "K").ok(t)
	if string(h.value(t, "web", "K")) != "second" || h.entry(t, "web", "K").Description != "changed" {
		t.Fatal("undelete did not restore the last value and description")
	}
	h.run(t, "", "rollback", "web", "K", "--to-revision", "1").ok(t)
	if string(h.value(t, "web", "K")) != "first" || h.entry(t, "web", "K").Description != "first" {
		t.Fatal("rollback did not restore revision 1")
	}
	h.run(t, "", "rollback", "web", "K", "--to-revision", "0").fails(t, "--to-revision is 0")
	h.run(t, "", "delete", "web", "K", "--purge").fails(t, "--purge applies only to --all")

	h.run(t, "", "delete", "web", "--all", "--yes").ok(t)
	if r := h.run(t, "", "history", "web", "-o", "name").ok(t); r.stdout != "history.projsecret.io/web\n" {
		t.Fatalf("-o name of a deleted project's history: %q", r.stdout)
	}
	h.run(t, "", "undelete", "web", "OTHER").ok(t)
	if string(h.value(t, "web", "OTHER")) != "other" {
		t.Fatal("undelete of the project did not restore OTHER")
	}
	h.run(t, "", "delete", "web", "--all", "--yes", "--purge").ok(t)
	h.run(t, "", "history", "web").fails(t, "not found")
}
