package console

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestGzip: pages and assets are compressed for a client that asks, with
// Vary: Accept-Encoding either way, and sent as they are to one that does
// not; a revealed value never is.
func TestGzip(t *testing.T) {
	t.Parallel()
	keys := make([]string, 50)
	for i := range keys {
		keys[i] = fmt.Sprintf("KEY_%02d", i)
	}
	h := newHarness(t, seeded(t, "payments", "", keys...))
	fetch := func(method, path, encoding string) *httptest.ResponseRecorder {
		t.Helper()
		var rec *httptest.ResponseRecorder
		if method == "GET" {
			r := request("GET", path, nil)
			r.AddCookie(h.cookie)
			if encoding != "" {
				r.Header.Set("Accept-Encoding", encoding)
			}
			rec = h.raw(r)
		} else {
			body, ct := form(nil, nil)
			r := request("POST", path, body)
			r.Header.Set("Content-Type", ct)
			r.Header.Set("X-CSRF-Token", h.csrf)
			r.Header.Set("Accept-Encoding", encoding)
			r.AddCookie(h.cookie)
			rec = h.raw(r)
		}
		if rec.Code != http.StatusOK {
			t.Fatalf("%s %s: status %d", method, path, rec.Code)
		}
		return rec
	}
	for _, path := range []string{"/ns/" + ns + "/p/payments/", "/ns/" + ns + "/p/payments/e/KEY_01", "/static/app.js", "/static/style.css"} {
		plain := fetch("GET", path, "")
		if plain.Header().Get("Content-Encoding") != "" || !strings.Contains(plain.Header().Get("Vary"), "Accept-Encoding") {
			t.Errorf("%s without Accept-Encoding: Content-Encoding %q, Vary %q; want none and Accept-Encoding", path, plain.Header().Get("Content-Encoding"), plain.Header().Get("Vary"))
		}
		for _, enc := range []string{"gzip, deflate, br, zstd", "br;q=1.0, gzip;q=0.5", "*"} {
			rec := fetch("GET", path, enc)
			if rec.Header().Get("Content-Encoding") != "gzip" || !strings.Contains(rec.Header().Get("Vary"), "Accept-Encoding") {
				t.Errorf("%s with %q: Content-Encoding %q, Vary %q", path, enc, rec.Header().Get("Content-Encoding"), rec.Header().Get("Vary"))
				continue
			}
			if rec.Header().Get("Content-Length") != fmt.Sprint(rec.Body.Len()) {
				t.Errorf("%s: Content-Length %s, body %d bytes", path, rec.Header().Get("Content-Length"), rec.Body.Len())
			}
			zr, err := gzip.NewReader(rec.Body)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(zr)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, plain.Body.Bytes()) {
				t.Errorf("%s: the compressed body is not the page (%d bytes against %d)", path, len(got), plain.Body.Len())
			}
		}
		for _, enc := range []string{"gzip;q=0", "identity", "br"} {
			if rec := fetch("GET", path, enc); rec.Header().Get("Content-Encoding") != "" {
				t.Errorf("%s with %q: compressed", path, enc)
			}
		}
	}
	rec := fetch("POST", "/ns/"+ns+"/p/payments/e/KEY_01/reveal", "gzip")
	if rec.Header().Get("Content-Encoding") != "" || rec.Body.String() != secretValue {
		t.Errorf("reveal with gzip accepted: Content-Encoding %q, %d bytes; want the value as it is", rec.Header().Get("Content-Encoding"), rec.Body.Len())
	}
}
