package console

import (
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// open sends the token URL target, as a browser without a cookie would.
func (h *harness) open(target string) *http.Response {
	h.t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		h.t.Fatal(err)
	}
	return h.raw(request("GET", u.RequestURI(), nil)).Result()
}

// pageWith loads the projects page with cookie c.
func (h *harness) pageWith(c *http.Cookie) (int, string) {
	r := request("GET", "/ns/"+ns+"/", nil)
	r.AddCookie(c)
	rec := h.raw(r)
	return rec.Code, rec.Body.String()
}

// TestSessionTokenOpensOne: the printed URL opens one session; replaying
// it (another local user read it from the browser's command line, or its
// owner finds it raced) opens none, ends the one it opened, and says how to
// get a new URL; a new URL opens one more and replaces any unused one.
func TestSessionTokenOpensOne(t *testing.T) {
	t.Parallel()
	h := newHarnessWith(t, Options{NewURLHint: "press Enter in its terminal"})
	// The harness opened its session with the printed URL; a replay gets
	// no cookie.
	first := h.printed
	replay := h.open(first)
	body := readAll(t, replay)
	if replay.StatusCode != http.StatusForbidden || len(replay.Cookies()) != 0 {
		t.Fatalf("replayed URL: status %d with %d cookies, want 403 and none", replay.StatusCode, len(replay.Cookies()))
	}
	for _, want := range []string{"already used", "opens one session", "press Enter in its terminal", "someone else"} {
		if !strings.Contains(body, want) {
			t.Errorf("the replay's answer %q lacks %q", body, want)
		}
	}
	// The replay ended the session the URL had opened, whoever held it.
	if code, _ := h.pageWith(h.cookie); code != http.StatusUnauthorized {
		t.Errorf("the first session after a replay: status %d, want 401", code)
	}
	if strings.Contains(h.srv.URL(), strings.TrimPrefix(first, "http://"+host+"/?")) {
		t.Error("URL still carries the spent token")
	}

	unused, err := h.srv.NewURL()
	if err != nil {
		t.Fatal(err)
	}
	second, err := h.srv.NewURL()
	if err != nil {
		t.Fatal(err)
	}
	if resp := h.open(unused); resp.StatusCode != http.StatusUnauthorized || len(resp.Cookies()) != 0 {
		t.Errorf("a URL replaced before use: status %d, want 401 and no cookie", resp.StatusCode)
	}
	resp := h.open(second)
	if resp.StatusCode != http.StatusSeeOther || len(resp.Cookies()) != 1 {
		t.Fatalf("a new URL: status %d with %d cookies, want 303 and a session", resp.StatusCode, len(resp.Cookies()))
	}
	if code, _ := h.pageWith(resp.Cookies()[0]); code != http.StatusOK {
		t.Errorf("the second session: status %d", code)
	}
	if resp := h.open(second); resp.StatusCode != http.StatusForbidden {
		t.Errorf("the new URL replayed: status %d, want 403", resp.StatusCode)
	}
}

func TestSessionExpiry(t *testing.T) {
	t.Parallel()
	h := newHarnessWith(t, Options{SessionTimeout: 30 * time.Minute, NewURLHint: "press Enter"})

	// Idle: each request moves the deadline.
	for range 3 {
		h.clock.advance(29 * time.Minute)
		if code, _ := h.pageWith(h.cookie); code != http.StatusOK {
			t.Fatalf("29 minutes after the last request: status %d, want 200", code)
		}
	}
	h.clock.advance(30 * time.Minute)
	code, body := h.pageWith(h.cookie)
	if code != http.StatusUnauthorized || !strings.Contains(body, "expired (after 30m0s without a request, or 12h0m0s in all): for a new URL, press Enter") {
		t.Fatalf("30 idle minutes: status %d, %q; want 401 saying it expired", code, body)
	}
	if code, body := h.pageWith(h.cookie); code != http.StatusUnauthorized || !strings.Contains(body, "no session") {
		t.Errorf("an expired session came back: %d %q", code, body)
	}

	// Lifetime: busy all along, it still ends after SessionLifetime.
	h.login()
	busy := time.Duration(0)
	for ; busy+20*time.Minute < SessionLifetime; busy += 20 * time.Minute {
		h.clock.advance(20 * time.Minute)
		if code, _ := h.pageWith(h.cookie); code != http.StatusOK {
			t.Fatalf("after %v of use: status %d, want 200", busy, code)
		}
	}
	h.clock.advance(SessionLifetime - busy)
	if code, body := h.pageWith(h.cookie); code != http.StatusUnauthorized || !strings.Contains(body, "expired") {
		t.Fatalf("after %v: status %d, %q; want 401 saying it expired", SessionLifetime, code, body)
	}
}

// TestSessionBound: however many URLs are asked for and opened, at most
// maxSessions sessions live; the one used least recently goes first.
func TestSessionBound(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	first := h.cookie
	cookies := []*http.Cookie{}
	for range maxSessions + 3 {
		h.clock.advance(time.Second)
		if code, _ := h.pageWith(first); code != http.StatusOK {
			t.Fatalf("the first session, kept busy, was ended (status %d)", code)
		}
		h.clock.advance(time.Second)
		h.login()
		cookies = append(cookies, h.cookie)
	}
	h.srv.mu.Lock()
	live := len(h.srv.sessions)
	h.srv.mu.Unlock()
	if live != maxSessions {
		t.Errorf("%d sessions live, want the bound %d", live, maxSessions)
	}
	var ended int
	for i, c := range cookies {
		code, _ := h.pageWith(c)
		if code == http.StatusUnauthorized {
			ended++
			if i >= 4 {
				t.Errorf("session %d of %d ended: the least recently used should have", i+1, len(cookies))
			}
		}
	}
	if ended != 4 {
		t.Errorf("%d sessions ended, want 4 (the 4 oldest but the busy first one)", ended)
	}
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			return b.String()
		}
	}
}

// TestSessionRedirectStaysLocal: a URL whose path begins with two slashes
// is sent back to a path of this console, never to another site.
func TestSessionRedirectStaysLocal(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	fresh, err := h.srv.NewURL()
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(fresh)
	if err != nil {
		t.Fatal(err)
	}
	r := request("GET", "/", nil)
	r.URL.Path, r.URL.RawQuery = "//evil.example/x", u.RawQuery
	resp := h.raw(r).Result()
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/evil.example/x" {
		t.Fatalf("redirect %d to %q, want 303 to /evil.example/x", resp.StatusCode, loc)
	}
}

// TestSessionClockIsWallTime: the default clock carries no monotonic
// reading, which stops while the machine sleeps and would let a session
// outlive a suspended night.
func TestSessionClockIsWallTime(t *testing.T) {
	t.Parallel()
	srv, err := New(nil, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if now := srv.now(); strings.Contains(now.String(), "m=") {
		t.Errorf("the session clock reads %s, with a monotonic reading", now)
	}
}
