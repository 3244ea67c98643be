package console

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/store"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

const (
	ns     = "team-a"
	port   = 41234
	host   = "127.0.0.1:41234"
	origin = "http://" + host
	// secretValue marks every stored value: it must never appear in a page,
	// a redirect or a header, only in the answer to a reveal.
	secretValue = "s3cr3t-VALUE-do-not-show"
)

// harness is a console over a fake cluster, with a browser session opened
// through the token.
type harness struct {
	t      testing.TB
	cs     *fake.Clientset
	client *store.Client
	srv    *Server
	clock  *clock
	// printed is the URL the console printed first, which the first
	// login spent.
	printed string
	cookie  *http.Cookie
	csrf    string
}

// clock is the console's time, which a test moves forward.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newHarness(t testing.TB, objects ...runtime.Object) *harness {
	t.Helper()
	return newHarnessWith(t, Options{}, objects...)
}

// newHarnessWith is newHarness with opts; its clock is the harness's.
func newHarnessWith(t testing.TB, opts Options, objects ...runtime.Object) *harness {
	t.Helper()
	cs := fake.NewClientset(objects...)
	client := store.NewClient(cs, ns,
		store.WithUser(func(context.Context) (string, error) { return "alice", nil }),
		store.WithClock(func() time.Time { return time.Date(2025, 3, 5, 0, 0, 0, 0, time.UTC) }),
		// Conflict retries give up in milliseconds in tests.
		store.WithRetry(wait.Backoff{Steps: 4, Duration: time.Millisecond, Factor: 1}, 5*time.Second),
	)
	clk := &clock{now: time.Date(2025, 3, 5, 9, 0, 0, 0, time.UTC)}
	opts.Now = clk.Now
	srv, err := New(client, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}, opts)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, cs: cs, client: client, srv: srv, clock: clk}
	h.login()
	return h
}

// login trades the URL's token for the session cookie, then reads the
// session's CSRF token from a page. The first login uses the URL the
// console printed; later ones ask for a new URL, as a user would.
func (h *harness) login() {
	h.t.Helper()
	target := h.srv.URL()
	if h.printed == "" {
		h.printed = target
	} else {
		var err error
		if target, err = h.srv.NewURL(); err != nil {
			h.t.Fatal(err)
		}
	}
	u, err := url.Parse(target)
	if err != nil {
		h.t.Fatal(err)
	}
	rec := h.raw(request("GET", u.RequestURI(), nil))
	if rec.Code != http.StatusSeeOther {
		h.t.Fatalf("token request: status %d, want 303", rec.Code)
	}
	cookies := rec.Result().Cookies()
	if len(cookies) != 1 {
		h.t.Fatalf("token request set %d cookies, want 1", len(cookies))
	}
	h.cookie = cookies[0]
	body := h.get("/ns/" + ns + "/").Body.String()
	m := regexp.MustCompile(`<meta name="csrf-token" content="([^"]+)">`).FindStringSubmatch(body)
	if m == nil {
		h.t.Fatal("no CSRF token in the page")
	}
	h.csrf = m[1]
}

func request(method, target string, body io.Reader) *http.Request {
	r := httptest.NewRequest(method, target, body)
	r.Host = host
	return r
}

func (h *harness) raw(r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.srv.ServeHTTP(rec, r)
	checkHeaders(h.t, r.Method+" "+r.URL.Path, rec)
	for k, vs := range rec.Header() {
		for _, v := range vs {
			if strings.Contains(v, secretValue) {
				h.t.Errorf("%s %s: header %s carries the value", r.Method, r.URL.Path, k)
			}
		}
	}
	return rec
}

func (h *harness) get(path string) *httptest.ResponseRecorder {
	h.t.Helper()
	r := request("GET", path, nil)
	r.AddCookie(h.cookie)
	rec := h.raw(r)
	if strings.Contains(rec.Body.String(), secretValue) {
		h.t.Errorf("GET %s: the page holds a value", path)
	}
	return rec
}

// form builds a multipart body like the page's forms send.
func form(fields map[string]string, file []byte) (io.Reader, string) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	if file != nil {
		fw, _ := w.CreateFormFile("file", "value.bin")
		_, _ = fw.Write(file)
	}
	_ = w.Close()
	return &b, w.FormDataContentType()
}

// post sends an action as the page's script does: CSRF header, same Origin,
// JSON answer.
func (h *harness) post(path string, fields map[string]string, file []byte) *httptest.ResponseRecorder {
	h.t.Helper()
	body, ct := form(fields, file)
	r := request("POST", path, body)
	r.Header.Set("Content-Type", ct)
	r.Header.Set("Origin", origin)
	r.Header.Set("X-CSRF-Token", h.csrf)
	r.Header.Set("Accept", "application/json")
	r.AddCookie(h.cookie)
	return h.raw(r)
}

func checkHeaders(t testing.TB, what string, rec *httptest.ResponseRecorder) {
	t.Helper()
	want := map[string]string{
		"X-Content-Type-Options": "nosniff",
		"Referrer-Policy":        "no-referrer",
		"Cache-Control":          "no-store",
	}
	for k, v := range want {
		if got := rec.Header().Get(k); got != v {
			t.Errorf("%s: %s is %q, want %q", what, k, got, v)
		}
	}
	csp := rec.Header().Get("Content-Security-Policy")
	for _, part := range []string{"default-src 'self'", "frame-ancestors 'none'", "script-src 'self'"} {
		if !strings.Contains(csp, part) {
			t.Errorf("%s: Content-Security-Policy %q lacks %q", what, csp, part)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("%s: Content-Security-Policy allows inline script: %q", what, csp)
	}
}

func errorOf(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	var body struct{ Error, Redirect string }
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("answer is not JSON (status %d): %v", rec.Code, err)
	}
	return body.Error
}

func seeded(t testing.TB, project string, owners string, keys ...string) *corev1.Secret {
	t.Helper()
	t0 := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	s := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Name: projsecret.SecretName(project), Namespace: ns,
			Labels:            map[string]string{projsecret.LabelProject: project},
			Annotations:       map[string]string{},
			CreationTimestamp: metav1.NewTime(t0),
		},
		Data: map[string][]byte{},
	}
	if owners != "" {
		s.Annotations[projsecret.AnnotationOwners] = owners
	}
	entries := projsecret.Entries{}
	for _, k := range keys {
		s.Data[k] = []byte(secretValue)
		entries[k] = projsecret.EntryMeta{
			Description: "the " + k + " <script>alert(1)</script>", Labels: map[string]string{"env": "prod"},
			CreatedAt: t0, UpdatedAt: t0, CreatedBy: "carol", UpdatedBy: "bob",
		}
	}
	enc, err := entries.Encode()
	if err != nil {
		t.Fatal(err)
	}
	s.Annotations[projsecret.AnnotationEntries] = enc
	return s
}

func (h *harness) stored(project, key string) (projsecret.EntryMeta, []byte, bool) {
	h.t.Helper()
	s, err := h.cs.CoreV1().Secrets(ns).Get(context.Background(), projsecret.SecretName(project), metav1.GetOptions{})
	if err != nil {
		h.t.Fatal(err)
	}
	e, err := projsecret.ParseEntries(s.Annotations[projsecret.AnnotationEntries])
	if err != nil {
		h.t.Fatal(err)
	}
	v, ok := s.Data[key]
	return e[key], v, ok
}

func TestSession(t *testing.T) {
	t.Parallel()
	h := newHarness(t, seeded(t, "payments", "", "DB_PASSWORD"))
	fresh, err := h.srv.NewURL()
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(fresh)
	token := u.Query().Get("token")
	if len(token) < 22 { // 128 bits in base64url
		t.Fatalf("token has %d characters: fewer than 128 bits", len(token))
	}
	if u.Host != host || u.Path != "/" {
		t.Errorf("URL is %s://%s%s, want http://%s/", u.Scheme, u.Host, u.Path, host)
	}

	t.Run("cookie is HttpOnly SameSite=Strict and the redirect drops the token", func(t *testing.T) {
		rec := h.raw(request("GET", "/ns/"+ns+"/?token="+token+"&x=1", nil))
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("status %d, want 303", rec.Code)
		}
		if loc := rec.Header().Get("Location"); strings.Contains(loc, "token") || loc != "/ns/"+ns+"/?x=1" {
			t.Errorf("redirect to %q, want the same URL without the token", loc)
		}
		c := rec.Result().Cookies()[0]
		if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || c.Value == token {
			t.Errorf("cookie %+v: want HttpOnly, SameSite=Strict, Path=/, a session id that is not the token", c)
		}
	})
	for _, tc := range []struct {
		name   string
		target string
		cookie *http.Cookie
	}{
		{"no token, no cookie", "/ns/" + ns + "/", nil},
		{"wrong token", "/?token=" + strings.Repeat("A", len(token)), nil},
		{"empty token", "/?token=", nil},
		{"wrong token with a valid cookie", "/?token=nope", h.cookie},
		{"unknown session cookie", "/ns/" + ns + "/", &http.Cookie{Name: h.cookie.Name, Value: "forged"}},
		{"cookie of another console's port", "/ns/" + ns + "/", &http.Cookie{Name: "projsecret_session_1", Value: h.cookie.Value}},
		{"static file without a session", "/static/app.js", nil},
		{"reveal without a session", "/ns/" + ns + "/p/payments/e/DB_PASSWORD/reveal", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			method := "GET"
			if strings.HasSuffix(tc.target, "/reveal") {
				method = "POST"
			}
			r := request(method, tc.target, nil)
			if tc.cookie != nil {
				r.AddCookie(tc.cookie)
			}
			rec := h.raw(r)
			if rec.Code != http.StatusUnauthorized {
				t.Errorf("status %d, want 401", rec.Code)
			}
			if strings.Contains(rec.Body.String(), secretValue) || len(rec.Result().Cookies()) != 0 {
				t.Error("a refused request got a value or a cookie")
			}
		})
	}
}

func TestHostCheck(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, tc := range []struct {
		host string
		want int
	}{
		{"127.0.0.1:41234", http.StatusOK},
		{"localhost:41234", http.StatusOK},
		{"[::1]:41234", http.StatusOK},
		{"evil.example:41234", http.StatusForbidden}, // DNS rebinding
		{"localhost.evil.example:41234", http.StatusForbidden},
		{"127.0.0.1:80", http.StatusForbidden},
		{"127.0.0.1", http.StatusForbidden},
		{"192.168.1.10:41234", http.StatusForbidden},
		{"", http.StatusForbidden},
	} {
		r := request("GET", "/ns/"+ns+"/", nil)
		r.Host = tc.host
		r.AddCookie(h.cookie)
		if rec := h.raw(r); rec.Code != tc.want {
			t.Errorf("Host %q: status %d, want %d", tc.host, rec.Code, tc.want)
		}
	}
	// A foreign Host is refused before the token is even looked at.
	r := request("GET", "/?token=x", nil)
	r.Host = "evil.example:41234"
	if rec := h.raw(r); rec.Code != http.StatusForbidden || len(rec.Result().Cookies()) != 0 {
		t.Errorf("foreign Host with a token: status %d, want 403 and no cookie", rec.Code)
	}

	// Bound to all interfaces, a LAN address of this machine is fine; a
	// name still is not.
	srv, err := New(h.client, &net.TCPAddr{IP: net.IPv4zero, Port: port}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !srv.hostAllowed("192.168.1.10:41234") || srv.hostAllowed("evil.example:41234") {
		t.Error("0.0.0.0: want IP literals allowed and names refused")
	}
	if u := srv.URL(); !strings.HasPrefix(u, "http://127.0.0.1:41234/?token=") {
		t.Errorf("URL on 0.0.0.0 is %q, want one on 127.0.0.1", u)
	}
}

func TestCSRF(t *testing.T) {
	t.Parallel()
	h := newHarness(t, seeded(t, "payments", "", "DB_PASSWORD"))
	path := "/ns/" + ns + "/p/payments/e/DB_PASSWORD/delete"
	send := func(mut func(r *http.Request)) *httptest.ResponseRecorder {
		body, ct := form(map[string]string{"confirm": "DB_PASSWORD"}, nil)
		r := request("POST", path, body)
		r.Header.Set("Content-Type", ct)
		r.Header.Set("Accept", "application/json")
		r.AddCookie(h.cookie)
		mut(r)
		return h.raw(r)
	}
	other := newHarness(t)
	for _, tc := range []struct {
		name string
		mut  func(r *http.Request)
	}{
		{"missing CSRF token", func(r *http.Request) { r.Header.Set("Origin", origin) }},
		{"wrong CSRF token", func(r *http.Request) { r.Header.Set("X-CSRF-Token", "nope") }},
		{"another session's CSRF token", func(r *http.Request) { r.Header.Set("X-CSRF-Token", other.csrf) }},
		{"cross-origin", func(r *http.Request) {
			r.Header.Set("X-CSRF-Token", h.csrf)
			r.Header.Set("Origin", "http://evil.example")
		}},
		{"null origin", func(r *http.Request) {
			r.Header.Set("X-CSRF-Token", h.csrf)
			r.Header.Set("Origin", "null")
		}},
		{"null origin from another site", func(r *http.Request) {
			r.Header.Set("X-CSRF-Token", h.csrf)
			r.Header.Set("Origin", "null")
			r.Header.Set("Sec-Fetch-Site", "cross-site")
		}},
		{"same-site (another port)", func(r *http.Request) {
			r.Header.Set("X-CSRF-Token", h.csrf)
			r.Header.Set("Sec-Fetch-Site", "same-site")
		}},
		{"another port on localhost", func(r *http.Request) {
			r.Header.Set("X-CSRF-Token", h.csrf)
			r.Header.Set("Origin", "http://127.0.0.1:8080")
		}},
		{"cross-site fetch metadata", func(r *http.Request) {
			r.Header.Set("X-CSRF-Token", h.csrf)
			r.Header.Set("Sec-Fetch-Site", "cross-site")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if rec := send(tc.mut); rec.Code != http.StatusForbidden {
				t.Errorf("status %d, want 403", rec.Code)
			}
			if _, _, ok := h.stored("payments", "DB_PASSWORD"); !ok {
				t.Fatal("a refused request deleted the entry")
			}
		})
	}
	// Decided before routing: even a path that does not exist gets 403, not 404.
	r := request("POST", "/nowhere", nil)
	r.AddCookie(h.cookie)
	if rec := h.raw(r); rec.Code != http.StatusForbidden {
		t.Errorf("POST to an unknown path without CSRF: status %d, want 403", rec.Code)
	}
	// The form field (no script) works as the header does, and no Origin
	// (some browsers omit it) is accepted.
	rec := send(func(r *http.Request) {})
	if rec.Code != http.StatusForbidden {
		t.Fatalf("no token at all: status %d", rec.Code)
	}
	body, ct := form(map[string]string{"confirm": "DB_PASSWORD", "csrf": h.csrf}, nil)
	r = request("POST", path, body)
	r.Header.Set("Content-Type", ct)
	// What chromium sends with a form post under no-referrer.
	r.Header.Set("Origin", "null")
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	r.AddCookie(h.cookie)
	rec = h.raw(r)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/ns/"+ns+"/p/payments/" {
		t.Fatalf("form post with the csrf field: status %d, Location %q", rec.Code, rec.Header().Get("Location"))
	}
	if _, _, ok := h.stored("payments", "DB_PASSWORD"); ok {
		t.Fatal("the form post did not delete")
	}
}

func TestPages(t *testing.T) {
	t.Parallel()
	h := newHarness(t,
		seeded(t, "payments", "user:alice,group:team", "DB_PASSWORD", "tls.key"),
		seeded(t, "other", "", "X"))
	for _, tc := range []struct {
		path   string
		status int
		want   []string
	}{
		{"/", http.StatusSeeOther, nil},
		{"/?ns=team-b", http.StatusSeeOther, nil},
		{"/?ns=Not_A_Namespace", http.StatusBadRequest, []string{"namespace &#34;Not_A_Namespace&#34; is invalid"}},
		{"/ns/" + ns + "/", http.StatusOK, []string{"payments", "other", "user:alice,group:team", "New project", `for="np-project"`}},
		{"/ns/team-b/", http.StatusOK, []string{"No projects in namespace <strong>team-b</strong>"}},
		{"/ns/" + ns + "/p/payments/", http.StatusOK, []string{"DB_PASSWORD", "tls.key", "the DB_PASSWORD &lt;script&gt;", "env", "bob", `data-value="24"`, "user:alice,group:team", "••••••••"}},
		{"/ns/" + ns + "/p/payments/e/tls.key", http.StatusOK, []string{"tls.key", "created by carol", `name="labels_before" value="env=prod"`, "Type <code>tls.key</code> to confirm"}},
		{"/ns/" + ns + "/p/missing/", http.StatusNotFound, []string{"not found"}},
		{"/ns/" + ns + "/p/payments/e/NOPE", http.StatusNotFound, []string{"NOPE", "not found"}},
		{"/ns/" + ns + "/p/Bad_Name/", http.StatusUnprocessableEntity, []string{"project name"}},
		{"/static/app.js", http.StatusOK, []string{"use strict"}},
		{"/static/style.css", http.StatusOK, []string{"prefers-color-scheme: dark"}},
		{"/static/icon.svg", http.StatusOK, []string{"<svg"}},
		{"/nowhere", http.StatusNotFound, nil},
	} {
		t.Run(tc.path, func(t *testing.T) {
			rec := h.get(tc.path)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			body := rec.Body.String()
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			if strings.Contains(body, "<script>alert") {
				t.Error("a description was not escaped")
			}
			if strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") && regexp.MustCompile(`<script>|<script [^>]*>[^<]|\son[a-z]+=`).MatchString(body) {
				t.Error("the page has inline script or an inline event handler")
			}
		})
	}
	if loc := h.get("/").Header().Get("Location"); loc != "/ns/"+ns+"/" {
		t.Errorf("/ redirects to %q", loc)
	}
	if loc := h.get("/?ns=team-b").Header().Get("Location"); loc != "/ns/team-b/" {
		t.Errorf("the namespace switch redirects to %q", loc)
	}
	// Templates and assets come from the binary: content types are right.
	if ct := h.get("/static/app.js").Header().Get("Content-Type"); !strings.Contains(ct, "javascript") {
		t.Errorf("app.js served as %q", ct)
	}
}

func TestActions(t *testing.T) {
	t.Parallel()
	h := newHarness(t, seeded(t, "payments", "", "DB_PASSWORD"))
	base := "/ns/" + ns + "/p/payments/"

	t.Run("create a project with its first entry", func(t *testing.T) {
		rec := h.post("/ns/"+ns+"/projects", map[string]string{"project": "fresh", "key": "API_KEY", "value": "line1\r\nline2", "description": "d", "labels": "env=dev\nteam=x"}, nil)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"redirect":"/ns/team-a/p/fresh/"`) {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		m, v, _ := h.stored("fresh", "API_KEY")
		if string(v) != "line1\nline2" || m.Description != "d" || m.Labels["team"] != "x" || m.CreatedBy != "alice" {
			t.Errorf("stored %d bytes (want the text area's LF form), meta %+v", len(v), m)
		}
	})
	t.Run("create an entry from a file, byte for byte", func(t *testing.T) {
		file := []byte("-----BEGIN KEY-----\r\n\x00\xff\n")
		rec := h.post(base+"entries", map[string]string{"key": "TLS_KEY", "value": "ignored"}, file)
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		if _, v, _ := h.stored("payments", "TLS_KEY"); !bytes.Equal(v, file) {
			t.Errorf("stored %d bytes, want the file's %d", len(v), len(file))
		}
	})
	t.Run("create a taken key", func(t *testing.T) {
		rec := h.post(base+"entries", map[string]string{"key": "DB_PASSWORD", "value": "x"}, nil)
		if rec.Code != http.StatusConflict || !strings.Contains(errorOf(t, rec), "already exists") {
			t.Errorf("status %d, error %q", rec.Code, errorOf(t, rec))
		}
	})
	t.Run("create with an invalid key or label", func(t *testing.T) {
		rec := h.post(base+"entries", map[string]string{"key": "bad key", "value": "x"}, nil)
		if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(errorOf(t, rec), `"bad key"`) {
			t.Errorf("bad key: status %d, error %q", rec.Code, errorOf(t, rec))
		}
		rec = h.post(base+"entries", map[string]string{"key": "ok", "value": "x", "labels": "novalue"}, nil)
		if rec.Code != http.StatusBadRequest || !strings.Contains(errorOf(t, rec), "expected KEY=VALUE") {
			t.Errorf("bad label: status %d, error %q", rec.Code, errorOf(t, rec))
		}
		rec = h.post(base+"entries", map[string]string{"key": "ok"}, nil)
		if rec.Code != http.StatusBadRequest || !strings.Contains(errorOf(t, rec), "no value") {
			t.Errorf("no value: status %d, error %q", rec.Code, errorOf(t, rec))
		}
	})
	t.Run("reveal", func(t *testing.T) {
		rec := h.post(base+"e/DB_PASSWORD/reveal", nil, nil)
		if rec.Code != http.StatusOK || rec.Body.String() != secretValue {
			t.Fatalf("status %d, %d bytes, want the %d stored", rec.Code, rec.Body.Len(), len(secretValue))
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/octet-stream" {
			t.Errorf("revealed as %q: a browser must not render it", ct)
		}
		// A GET cannot reveal: values only answer CSRF-checked POSTs.
		if rec := h.get(base + "e/DB_PASSWORD/reveal"); rec.Code != http.StatusMethodNotAllowed {
			t.Errorf("GET reveal: status %d, want 405", rec.Code)
		}
		rec = h.post(base+"e/NOPE/reveal", nil, nil)
		if rec.Code != http.StatusNotFound {
			t.Errorf("reveal of a missing key: status %d", rec.Code)
		}
	})
	t.Run("set a value", func(t *testing.T) {
		rec := h.post(base+"e/DB_PASSWORD/value", map[string]string{"value": "rotated"}, nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		m, v, _ := h.stored("payments", "DB_PASSWORD")
		if string(v) != "rotated" || m.UpdatedBy != "alice" || m.CreatedBy != "carol" || m.Labels["env"] != "prod" {
			t.Errorf("after set: %d bytes, meta %+v", len(v), m)
		}
		if rec := h.post(base+"e/NOPE/value", map[string]string{"value": "x"}, nil); rec.Code != http.StatusNotFound {
			t.Errorf("set on a missing key: status %d", rec.Code)
		}
	})
	t.Run("edit description and labels", func(t *testing.T) {
		// A label another writer added since the page was shown stays.
		if err := h.client.UpdateMeta(context.Background(), "payments", "DB_PASSWORD", store.MetaChange{SetLabels: map[string]string{"added": "meanwhile"}}); err != nil {
			t.Fatal(err)
		}
		rec := h.post(base+"e/DB_PASSWORD/meta", map[string]string{"description": "new words", "labels_before": "env=prod", "labels": "tier=gold"}, nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		m, _, _ := h.stored("payments", "DB_PASSWORD")
		if m.Description != "new words" || len(m.Labels) != 2 || m.Labels["tier"] != "gold" || m.Labels["added"] != "meanwhile" {
			t.Errorf("after edit: %+v", m)
		}
		rec = h.post(base+"e/DB_PASSWORD/meta", map[string]string{"description": strings.Repeat("x", 1025)}, nil)
		if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(errorOf(t, rec), "at most 1024") {
			t.Errorf("long description: status %d, error %q", rec.Code, errorOf(t, rec))
		}
	})
	t.Run("owners", func(t *testing.T) {
		rec := h.post(base+"owners", map[string]string{"owners": "user:alice, group:team"}, nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		s, _ := h.cs.CoreV1().Secrets(ns).Get(context.Background(), projsecret.SecretName("payments"), metav1.GetOptions{})
		if got := s.Annotations[projsecret.AnnotationOwners]; got != "user:alice,group:team" {
			t.Errorf("owners %q", got)
		}
		rec = h.post(base+"owners", map[string]string{"owners": "alice"}, nil)
		if rec.Code != http.StatusBadRequest || !strings.Contains(errorOf(t, rec), "expected user:NAME or group:NAME") {
			t.Errorf("bad owner: status %d, error %q", rec.Code, errorOf(t, rec))
		}
		if rec := h.post(base+"owners", map[string]string{"owners": ""}, nil); rec.Code != http.StatusOK {
			t.Fatalf("clearing: status %d", rec.Code)
		}
		s, _ = h.cs.CoreV1().Secrets(ns).Get(context.Background(), projsecret.SecretName("payments"), metav1.GetOptions{})
		if _, ok := s.Annotations[projsecret.AnnotationOwners]; ok {
			t.Error("an empty owners field did not remove the list")
		}
	})
	t.Run("delete needs the key typed", func(t *testing.T) {
		rec := h.post(base+"e/DB_PASSWORD/delete", map[string]string{"confirm": "db_password"}, nil)
		if rec.Code != http.StatusBadRequest || !strings.Contains(errorOf(t, rec), "type the key") {
			t.Errorf("wrong confirmation: status %d", rec.Code)
		}
		if _, _, ok := h.stored("payments", "DB_PASSWORD"); !ok {
			t.Fatal("deleted without confirmation")
		}
		rec = h.post(base+"e/DB_PASSWORD/delete", map[string]string{"confirm": "DB_PASSWORD"}, nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		if _, _, ok := h.stored("payments", "DB_PASSWORD"); ok {
			t.Fatal("still stored")
		}
	})
	t.Run("another namespace", func(t *testing.T) {
		rec := h.post("/ns/team-b/projects", map[string]string{"project": "p", "key": "k", "value": "v"}, nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		if _, err := h.cs.CoreV1().Secrets("team-b").Get(context.Background(), projsecret.SecretName("p"), metav1.GetOptions{}); err != nil {
			t.Fatalf("not created in team-b: %v", err)
		}
	})
}

// TestErrorsInWords: what the API server says reaches the page, with what
// kind of refusal it is, as JSON for the script or as a page without it.
func TestErrorsInWords(t *testing.T) {
	t.Parallel()
	h := newHarness(t, seeded(t, "payments", "", "DB_PASSWORD"))
	gr := schema.GroupResource{Resource: "secrets"}
	h.cs.PrependReactor("update", "secrets", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(gr, "proj-secrets-payments", errors.New(`admission webhook "projsecret.io" denied the request: user "alice" is not an owner of project "payments"`))
	})
	h.cs.PrependReactor("list", "secrets", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetNamespace() == "locked" {
			return true, nil, apierrors.NewForbidden(gr, "", errors.New(`User "alice" cannot list resource "secrets" in API group "" in the namespace "locked"`))
		}
		return false, nil, nil
	})
	rec := h.post("/ns/"+ns+"/p/payments/e/DB_PASSWORD/value", map[string]string{"value": "x"}, nil)
	msg := errorOf(t, rec)
	if rec.Code != http.StatusForbidden || !strings.Contains(msg, "admission webhook") || !strings.Contains(msg, `user "alice" is not an owner`) {
		t.Errorf("webhook denial: status %d, %q", rec.Code, msg)
	}
	rec = h.get("/ns/locked/")
	if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "Missing permission") || !strings.Contains(rec.Body.String(), "cannot list resource") {
		t.Errorf("missing permission: status %d: %s", rec.Code, rec.Body)
	}
	// Without script, a failed form post shows a page with the words.
	body, ct := form(map[string]string{"value": "x", "csrf": h.csrf}, nil)
	r := request("POST", "/ns/"+ns+"/p/payments/e/DB_PASSWORD/value", body)
	r.Header.Set("Content-Type", ct)
	r.AddCookie(h.cookie)
	rec = h.raw(r)
	if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "is not an owner") {
		t.Errorf("no-script denial: status %d", rec.Code)
	}
}

func TestLabelChange(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		before, after string
		set           string
		remove        string
		err           string
	}{
		{"", "a=1\nb=2", "map[a:1 b:2]", "[]", ""},
		{"a=1\nb=2", "a=1", "map[a:1]", "[b]", ""},
		{"a=1", "a=2, c=3", "map[a:2 c:3]", "[]", ""},
		{"a=1", "", "map[]", "[a]", ""},
		{"", "x", "", "", "expected KEY=VALUE"},
		{"", "bad key=1", "", "", "label key"},
	} {
		set, remove, err := labelChange(tc.before, tc.after)
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q -> %q: error %v, want %q", tc.before, tc.after, err, tc.err)
			}
		case err != nil:
			t.Errorf("%q -> %q: %v", tc.before, tc.after, err)
		default:
			if got := fmtMap(set); got != tc.set {
				t.Errorf("%q -> %q: set %s, want %s", tc.before, tc.after, got, tc.set)
			}
			if got := fmtSlice(remove); got != tc.remove {
				t.Errorf("%q -> %q: remove %s, want %s", tc.before, tc.after, got, tc.remove)
			}
		}
	}
}

func fmtMap(m map[string]string) string {
	if m == nil {
		m = map[string]string{}
	}
	b, _ := json.Marshal(m)
	s := strings.NewReplacer(`{`, "map[", `}`, "]", `"`, "", `,`, " ", `:`, ":").Replace(string(b))
	return s
}

func fmtSlice(s []string) string { return "[" + strings.Join(s, " ") + "]" }

// BenchmarkProjectPage is the server's time for the project page of a
// project with 1,000 entries (a fake clientset: the API server's share is
// measured by the browser benchmark in test/integration), compressed as a
// browser asks: page-bytes is what goes on the wire.
func BenchmarkProjectPage(b *testing.B) {
	keys := make([]string, 1000)
	for i := range keys {
		keys[i] = fmt.Sprintf("KEY_%04d", i)
	}
	h := newHarness(b, seeded(b, "big", "", keys...))
	path := "/ns/" + ns + "/p/big/"
	var size int
	for b.Loop() {
		r := request("GET", path, nil)
		r.AddCookie(h.cookie)
		r.Header.Set("Accept-Encoding", "gzip, deflate, br, zstd")
		rec := httptest.NewRecorder()
		h.srv.ServeHTTP(rec, r)
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Encoding") != "gzip" {
			b.Fatalf("status %d, Content-Encoding %q", rec.Code, rec.Header().Get("Content-Encoding"))
		}
		size = rec.Body.Len()
	}
	b.ReportMetric(float64(size), "page-bytes")
}
