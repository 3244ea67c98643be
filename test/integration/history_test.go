//go:build integration

package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/internal/testenv"
)

// historyItems runs history -o json and returns its items.
type historyItem struct {
	Revision int    `json:"revision"`
	Time     string `json:"time"`
	User     string `json:"user"`
	Changes  []struct {
		Key    string `json:"key"`
		Change string `json:"change"`
	} `json:"changes"`
}

func historyOf(t *testing.T, res testenv.Result) []historyItem {
	t.Helper()
	var h struct {
		Items []historyItem `json:"items"`
	}
	if err := json.Unmarshal([]byte(res.Stdout), &h); err != nil {
		t.Fatalf("history -o json: %v: %s", err, res)
	}
	return h.Items
}

// revisionSecrets counts the project's revision Secrets on the server.
func revisionSecrets(t *testing.T, ns, project string) int {
	t.Helper()
	list, err := env.Clientset.CoreV1().Secrets(ns).List(context.Background(), metav1.ListOptions{LabelSelector: projsecret.LabelProject + "=" + project + "," + projsecret.LabelRevision})
	if err != nil {
		t.Fatal(err)
	}
	return len(list.Items)
}

// TestHistory is the "Done when" on the real API server through
// the real kubectl: every write a revision, read back byte for byte,
// undelete, rollback, an unknown revision refused, concurrent sets each
// recorded once, and a deleted project brought back.
func TestHistory(t *testing.T) {
	ns := namespace(t)
	ps := func(stdin []byte, args ...string) testenv.Result {
		return mustSucceed(t, stdin, append([]string{"-n", ns}, args...)...)
	}
	first, second := "first value\x00\xff\n", "second\r\nvalue "
	ps([]byte(first), "create", "pay", "K", "--stdin", "--description", "first")
	ps([]byte(second), "set", "pay", "K", "--stdin")
	ps(nil, "meta", "pay", "K", "--description", "changed")
	ps([]byte("third"), "set", "pay", "K", "--stdin")
	ps(nil, "delete", "pay", "K")

	items := historyOf(t, ps(nil, "history", "pay", "K", "-o", "json"))
	var kinds []string
	for i, it := range items {
		if _, err := time.Parse(time.RFC3339, it.Time); err != nil || it.User == "" || it.Revision != 5-i || len(it.Changes) != 1 || it.Changes[0].Key != "K" {
			t.Fatalf("item %d: %+v", i, it)
		}
		kinds = append(kinds, it.Changes[0].Change)
	}
	if want := []string{"deleted", "updated", "metadata", "updated", "created"}; !slices.Equal(kinds, want) {
		t.Fatalf("changes %v, want %v", kinds, want)
	}
	if r := ps(nil, "read", "pay", "K", "--revision", "1"); r.Stdout != first {
		t.Fatalf("revision 1: %d bytes, want the %d of the first value", len(r.Stdout), len(first))
	}
	if r := ps(nil, "read", "pay", "K", "--revision", "2"); r.Stdout != second {
		t.Fatalf("revision 2: %d bytes, want the %d of the second value", len(r.Stdout), len(second))
	}
	ps(nil, "undelete", "pay", "K")
	if r := ps(nil, "read", "pay", "K"); r.Stdout != "third" {
		t.Fatal("undelete did not restore the last value")
	}
	ps(nil, "rollback", "pay", "K", "--to-revision", "1")
	if r := ps(nil, "read", "pay", "K"); r.Stdout != first || getJSON(t, ns, "pay", "K")["description"] != "first" {
		t.Fatal("rollback to the create did not restore its value and description")
	}
	items = historyOf(t, ps(nil, "history", "pay", "K", "-o", "json"))
	if len(items) != 7 || items[0].Changes[0].Change != "updated" || items[1].Changes[0].Change != "created" {
		t.Fatalf("after undelete and rollback: %+v, want 7 revisions, the two on top", items)
	}

	rv, revs := secret(t, ns, "pay").ResourceVersion, revisionSecrets(t, ns, "pay")
	res := kubectl(t, nil, "projsecret", "-n", ns, "rollback", "pay", "K", "--to-revision", "99")
	if res.ExitCode == 0 || !strings.Contains(res.Stderr, "revision 99: unknown revision") {
		t.Fatalf("unknown revision: %s", res)
	}
	if secret(t, ns, "pay").ResourceVersion != rv || revisionSecrets(t, ns, "pay") != revs {
		t.Fatal("a rollback to an unknown revision wrote something")
	}

	t.Run("8 concurrent sets", func(t *testing.T) {
		ps([]byte("created"), "create", "pay", "C", "--stdin")
		var wg sync.WaitGroup
		errs := make([]string, 8)
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := runQuiet(ns, []byte(fmt.Sprintf("set-%d", i)), "set", "pay", "C", "--stdin")
				errs[i] = errString(res, err)
			}()
		}
		wg.Wait()
		for _, e := range errs {
			if e != "" {
				t.Error(e)
			}
		}
		items := historyOf(t, ps(nil, "history", "pay", "C", "-o", "json"))
		if len(items) != 9 {
			t.Fatalf("%d revisions of C, want 9", len(items))
		}
		seen := map[string]bool{}
		for _, it := range items {
			v := ps(nil, "read", "pay", "C", "--revision", strconv.Itoa(it.Revision)).Stdout
			if seen[v] || (v != "created" && !strings.HasPrefix(v, "set-")) {
				t.Fatalf("revision %d holds %q (seen before: %v)", it.Revision, v, seen[v])
			}
			seen[v] = true
		}
	})

	t.Run("a deleted project comes back", func(t *testing.T) {
		ps(nil, "delete", "pay", "--all", "--yes")
		if items := historyOf(t, ps(nil, "history", "pay", "-o", "json")); len(items) == 0 {
			t.Fatal("history of the deleted project is empty")
		}
		ps(nil, "undelete", "pay", "K")
		if r := ps(nil, "read", "pay", "K"); r.Stdout != first {
			t.Fatal("undelete of the project did not bring K back")
		}
		ps(nil, "delete", "pay", "--all", "--yes", "--purge")
		if n := revisionSecrets(t, ns, "pay"); n != 0 {
			t.Fatalf("%d revisions after --purge", n)
		}
	})
}

// TestHistoryWebhook: with the webhook, a non-owner's rollback and
// undelete are denied and change nothing, the owner's go through; a
// non-owner cannot erase a revision, cannot forge one in an owner's name,
// and one in their own name is never trusted by an owner's rollback.
func TestHistoryWebhook(t *testing.T) {
	StartWebhook(t)
	ns := namespace(t)
	grant(t, ns, "alice", "mallory")
	as := func(user string, stdin []byte, args ...string) testenv.Result {
		return kubectl(t, stdin, append([]string{"projsecret", "-n", ns, "--as", user}, args...)...)
	}
	mustPass(t, as("alice", []byte("s3cr3t-first"), "create", "pay", "K", "--stdin"))
	mustPass(t, as("alice", []byte("s3cr3t-second"), "set", "pay", "K", "--stdin"))
	mustPass(t, as("alice", []byte("s3cr3t-gone"), "create", "pay", "GONE", "--stdin"))
	mustPass(t, as("alice", nil, "delete", "pay", "GONE"))
	rv, revs := secret(t, ns, "pay").ResourceVersion, revisionSecrets(t, ns, "pay")

	mustBeDenied(t, as("mallory", nil, "rollback", "pay", "K", "--to-revision", "1"), `user "mallory" is not an owner of project "pay"`)
	mustBeDenied(t, as("mallory", nil, "undelete", "pay", "GONE"), `user "mallory" is not an owner of project "pay"`)
	if secret(t, ns, "pay").ResourceVersion != rv || revisionSecrets(t, ns, "pay") != revs {
		t.Fatal("denied rollback or undelete changed something")
	}

	list, err := env.Clientset.CoreV1().Secrets(ns).List(context.Background(), metav1.ListOptions{LabelSelector: projsecret.LabelRevision})
	if err != nil || len(list.Items) == 0 {
		t.Fatalf("listing revisions: %v", err)
	}
	mustBeDenied(t, kubectl(t, nil, "-n", ns, "--as", "mallory", "delete", "secret", list.Items[0].Name), `user "mallory" may not delete revision`)
	mustBeDenied(t, kubectl(t, nil, "-n", ns, "--as", "alice", "label", "--overwrite", "secret", list.Items[0].Name, "x=y"), "a stored revision never changes")

	head, err := projsecret.ParseHead(secret(t, ns, "pay").Annotations[projsecret.AnnotationRevision])
	if err != nil {
		t.Fatal(err)
	}
	plant := func(user string) []byte {
		now := projsecret.Timestamp(time.Now())
		st := &projsecret.EntryState{Value: []byte("planted"), Meta: projsecret.EntryMeta{CreatedAt: now, UpdatedAt: now, CreatedBy: user, UpdatedBy: user}}
		r := &projsecret.Revision{Revision: head.N + 1, Parent: head.Sum, Time: now, User: user, Owners: "user:" + user,
			Changes: []projsecret.KeyChange{{Key: "K", Change: projsecret.ChangeUpdated, Before: st, After: st}}}
		record, sum, err := projsecret.EncodeRevision(r)
		if err != nil {
			t.Fatal(err)
		}
		s := projsecret.HistorySecret(ns, "pay", r, record, sum)
		s.TypeMeta = metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"}
		return asJSON(t, s)
	}
	mustBeDenied(t, kubectl(t, plant("alice"), "-n", ns, "--as", "mallory", "create", "-f", "-"), `a revision must record the requesting user "mallory"`)
	// In mallory's own name the webhook cannot tell it from history (it
	// does not see the project), but the project's head never reaches it.
	mustPass(t, kubectl(t, plant("mallory"), "-n", ns, "--as", "mallory", "create", "-f", "-"))
	res := as("alice", nil, "rollback", "pay", "K", "--to-revision", strconv.Itoa(head.N+1))
	if res.ExitCode == 0 || !strings.Contains(res.Stderr, "unknown revision") {
		t.Fatalf("rollback to the planted revision: %s", res)
	}

	mustPass(t, as("alice", nil, "rollback", "pay", "K", "--to-revision", "1"))
	mustPass(t, as("alice", nil, "undelete", "pay", "GONE"))
	if v := as("alice", nil, "read", "pay", "K"); v.Stdout != "s3cr3t-first" {
		t.Fatal("the owner's rollback did not restore revision 1")
	}
	if v := as("alice", nil, "read", "pay", "GONE"); v.Stdout != "s3cr3t-gone" {
		t.Fatal("the owner's undelete did not restore GONE")
	}
	// The project's own DELETE is asked first, as a dry run: a non-owner's
	// purge is refused there, before any revision is touched.
	mustBeDenied(t, as("mallory", nil, "delete", "pay", "--all", "--yes", "--purge"), `user "mallory" is not an owner of project "pay"`)
	if n := revisionSecrets(t, ns, "pay"); n == 0 {
		t.Fatal("a non-owner's purge erased the history")
	}
	mustPass(t, as("alice", nil, "delete", "pay", "--all", "--yes"))
	mustPass(t, as("alice", nil, "undelete", "pay", "K"))
}
