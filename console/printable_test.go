package console

import (
	"context"
	"errors"
	"html"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/store"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	k8stesting "k8s.io/client-go/testing"
)

// hidden are characters that show as nothing, or reorder what follows:
// a page must never hold them raw outside a form field.
var hidden = regexp.MustCompile("[\u200b\u202e\u00ad\ufeff\u200d]")

// TestPagesShowHiddenCharactersEscaped: owners, descriptions, labels and
// user names are shown as the plugin shows them (projsecret.Printable), so
// "bob" followed by a zero-width space cannot pass for bob, and a
// direction override cannot turn a description around. Form fields keep
// the stored text, so saving a form unchanged changes nothing.
func TestPagesShowHiddenCharactersEscaped(t *testing.T) {
	t.Parallel()
	const (
		owners      = "user:alice,user:bob\u200b"         // stored before owner names were checked
		description = "pay\u202eroll\u00ad and \ufeffbob" // descriptions may hold them, and are shown escaped
		author      = "carol\u200d"
	)
	s := seeded(t, "payments", owners, "DB_PASSWORD")
	entries, err := projsecret.ParseEntries(s.Annotations[projsecret.AnnotationEntries])
	if err != nil {
		t.Fatal(err)
	}
	m := entries["DB_PASSWORD"]
	m.Description, m.CreatedBy, m.UpdatedBy = description, author, author
	entries["DB_PASSWORD"] = m
	if s.Annotations[projsecret.AnnotationEntries], err = entries.Encode(); err != nil {
		t.Fatal(err)
	}
	h := asUser(newHarness(t, s), "dave\u202e")

	for _, tc := range []struct {
		path string
		want []string
		// field is the one form field allowed to hold the text raw.
		field *regexp.Regexp
	}{
		{path: "/ns/" + ns + "/", want: []string{`<span class="owners">user:alice,user:bob\u200b</span>`, `as <strong>dave\u202e</strong>`}},
		{path: "/ns/" + ns + "/p/payments/", want: []string{
			// The client refuses to parse such a list: the page says why,
			// escaped, and the form starts empty.
			`owners: <span class="error-text">unreadable: project &#34;payments&#34;: annotation projsecret.io/owners: owner &#34;user:bob\u200b&#34; holds the format character U&#43;200B`,
			`<td class="desc">pay\u202eroll\u00ad and \ufeffbob<td>`,
			`<td>carol\u200d<td class="exp">`,
			`<input id="owners" name="owners" value="" `,
		}},
		{path: "/ns/" + ns + "/p/payments/e/DB_PASSWORD", want: []string{
			`created by carol\u200d`, `updated by carol\u200d`,
			`escaped: <code>pay\u202eroll\u00ad and \ufeffbob</code>`,
			`value="` + description + `"`,
		}, field: regexp.MustCompile(`<input id="me-description" name="description" value="[^"]*"`)},
	} {
		rec := h.get(tc.path)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: status %d: %s", tc.path, rec.Code, rec.Body)
		}
		body := rec.Body.String()
		for _, w := range tc.want {
			if !strings.Contains(body, w) {
				t.Errorf("GET %s: the page lacks %q", tc.path, w)
			}
		}
		shown := body
		if tc.field != nil {
			shown = tc.field.ReplaceAllString(body, "")
		}
		if loc := hidden.FindStringIndex(shown); loc != nil {
			t.Errorf("GET %s: the page shows %U raw: …%s…", tc.path, []rune(shown[loc[0]:])[0], shown[max(0, loc[0]-40):loc[0]])
		}
	}

	// Saving the description form as the page filled it keeps the stored
	// text byte for byte.
	page := h.get("/ns/" + ns + "/p/payments/e/DB_PASSWORD").Body.String()
	field := regexp.MustCompile(`name="description" value="([^"]*)"`).FindStringSubmatch(page)
	before := regexp.MustCompile(`name="labels_before" value="([^"]*)"`).FindStringSubmatch(page)
	if field == nil || before == nil {
		t.Fatal("no description or labels field on the entry page")
	}
	rec := h.post("/ns/"+ns+"/p/payments/e/DB_PASSWORD/meta", map[string]string{
		"description": html.UnescapeString(field[1]), "labels_before": html.UnescapeString(before[1]), "labels": html.UnescapeString(before[1]),
	}, nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("saving the form unchanged: status %d: %s", rec.Code, rec.Body)
	}
	if got, _, _ := h.stored("payments", "DB_PASSWORD"); got.Description != description {
		t.Errorf("saving the form unchanged stored description %q, want %q", got.Description, description)
	}

	// Messages too, whoever wrote them.
	h.cs.PrependReactor("update", "secrets", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "secrets"}, "proj-secrets-payments", errors.New("denied for mallory\u202e"))
	})
	msg := errorOf(t, h.post("/ns/"+ns+"/p/payments/e/DB_PASSWORD/value", map[string]string{"value": "x"}, nil))
	if !strings.Contains(msg, `denied for mallory\u202e`) || hidden.MatchString(msg) {
		t.Errorf("error message: %q", msg)
	}
}

// asUser is h with a console whose client acts as user, logged in again.
func asUser(h *harness, user string) *harness {
	h.t.Helper()
	h.client = store.NewClient(h.cs, ns,
		store.WithUser(func(context.Context) (string, error) { return user, nil }),
		store.WithClock(func() time.Time { return time.Date(2025, 3, 5, 0, 0, 0, 0, time.UTC) }))
	srv, err := New(h.client, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}, Options{})
	if err != nil {
		h.t.Fatal(err)
	}
	h.srv = srv
	h.login()
	return h
}
