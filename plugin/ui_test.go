package plugin

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"html"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/projsecret/projsecret/store"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

func TestUIFlags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"ui", "--address", "example.com"}, `--address "example.com" is not an IP address`},
		{[]string{"ui", "--port", "70000"}, "--port 70000 is out of range"},
		{[]string{"ui", "--port", "-1"}, "--port -1 is out of range"},
		{[]string{"ui", "extra"}, "ui"},
		{[]string{"ui", "--session-timeout", "0"}, "--session-timeout 0s is out of range: expected more than 0 and at most 12h0m0s"},
		{[]string{"ui", "--session-timeout", "13h"}, "--session-timeout 13h0m0s is out of range"},
		{[]string{"ui", "--session-timeout", "-1m"}, "--session-timeout -1m0s is out of range"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			h := newHarness(t)
			h.run(t, "", tc.args...).fails(t, tc.want)
			if h.clientCalls != 0 {
				t.Error("a flag error built a client")
			}
		})
	}
}

// syncBuffer is stderr written by the server's goroutines and read by the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestUIRun starts the console on a real loopback port, opens a session
// with the printed URL, and stops it by cancelling the context, as SIGINT
// or SIGTERM does.
func TestUIRun(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		address   string
		noBrowser bool
		openErr   error
		wantErr   string
	}{
		{name: "opens the browser", address: "127.0.0.1"},
		{name: "no browser", address: "127.0.0.1", noBrowser: true},
		{name: "browser fails softly", address: "127.0.0.1", openErr: errors.New("xdg-open: not found"), wantErr: "could not open a browser (xdg-open: not found)"},
		{name: "non-loopback warns", address: "0.0.0.0", noBrowser: true, wantErr: "which is not loopback"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, seeded(t, ns, "payments", seedEntry{key: "k", value: "s3cr3t"}))
			outR, outW := io.Pipe()
			errOut := &syncBuffer{}
			var opened, pages []string
			o := &uiOptions{
				IOStreams: genericiooptions.IOStreams{In: strings.NewReader(""), Out: outW, ErrOut: errOut},
				NewClient: func() (*store.Client, error) { return h.client, nil },
				Address:   tc.address, NoBrowser: tc.noBrowser, SessionTimeout: time.Hour,
				OpenBrowser: func(u string) error {
					opened = append(opened, u)
					pages = append(pages, launched(t, u))
					return tc.openErr
				},
			}
			cmd := &cobra.Command{}
			if err := o.Complete(cmd, nil); err != nil {
				t.Fatal(err)
			}
			if err := o.Validate(cmd); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- o.Run(ctx); outW.Close() }()

			line, err := bufio.NewReader(outR).ReadString('\n')
			if err != nil {
				t.Fatalf("reading the URL line: %v", err)
			}
			go func() { _, _ = io.Copy(io.Discard, outR) }()
			u, err := url.Parse(strings.TrimSpace(line))
			if err != nil || len(u.Query().Get("token")) < 22 || u.Hostname() != "127.0.0.1" {
				t.Fatalf("stdout's first line is not the console's URL with a token (%d bytes)", len(line))
			}
			client := &http.Client{Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			resp, err := client.Get(u.String())
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusSeeOther || len(resp.Cookies()) != 1 {
				t.Errorf("the printed URL answered %d with %d cookies, want 303 and a session", resp.StatusCode, len(resp.Cookies()))
			}
			// The printed URL is spent: opened again, it opens nothing.
			resp, err = client.Get(u.String())
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden || len(resp.Cookies()) != 0 {
				t.Errorf("the printed URL, opened again, answered %d with %d cookies, want 403 and none", resp.StatusCode, len(resp.Cookies()))
			}
			resp, err = client.Get("http://" + u.Host + "/")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("without the token: %d, want 401", resp.StatusCode)
			}

			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("Run after cancel: %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the console did not stop within 10s of its context ending")
			}
			stderr := errOut.String()
			if !strings.Contains(stderr, "Console stopped.") || (tc.wantErr != "" && !strings.Contains(stderr, tc.wantErr)) {
				t.Errorf("stderr %q, want %q and the stop", stderr, tc.wantErr)
			}
			if strings.Contains(stderr, u.Query().Get("token")) {
				t.Error("the token reached stderr")
			}
			switch {
			case tc.noBrowser && len(opened) != 0:
				t.Error("--no-browser opened a browser")
			case !tc.noBrowser && (len(opened) != 1 || strings.Contains(opened[0], "token") || !strings.Contains(pages[0], html.EscapeString(u.String()))):
				t.Errorf("opened %d browsers, want one at a launch page that sends it on to the printed URL, with no token in the opener's arguments", len(opened))
			case !tc.noBrowser:
				if _, err := os.Stat(filepath.Dir(strings.TrimPrefix(opened[0], "file://"))); !os.IsNotExist(err) {
					t.Errorf("the launch page's directory is left after the console stopped: %v", err)
				}
			}
			if _, err := client.Get(u.String()); err == nil {
				t.Error("the console still answers after it stopped")
			}
		})
	}
}

// uiRun is a console started by Run on a loopback port with in as its
// standard input, and the URLs it prints.
type uiRun struct {
	urls   chan string
	errOut *syncBuffer
	cancel context.CancelFunc
	done   chan error
}

func startUI(t *testing.T, in io.Reader) *uiRun {
	t.Helper()
	h := newHarness(t)
	outR, outW := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	r := &uiRun{urls: make(chan string, 8), errOut: &syncBuffer{}, cancel: cancel, done: make(chan error, 1)}
	o := &uiOptions{
		IOStreams: genericiooptions.IOStreams{In: in, Out: outW, ErrOut: r.errOut},
		NewClient: func() (*store.Client, error) { return h.client, nil },
		Address:   "127.0.0.1", NoBrowser: true, SessionTimeout: time.Hour,
	}
	if err := o.Complete(&cobra.Command{}, nil); err != nil {
		t.Fatal(err)
	}
	go func() { r.done <- o.Run(ctx); outW.Close() }()
	go func() {
		sc := bufio.NewScanner(outR)
		for sc.Scan() {
			r.urls <- sc.Text()
		}
		close(r.urls)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-r.done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return r
}

// next is the next URL printed, within 10s.
func (r *uiRun) next(t *testing.T) string {
	t.Helper()
	select {
	case u, ok := <-r.urls:
		if !ok {
			t.Fatalf("the console stopped printing; stderr %q", r.errOut)
		}
		return u
	case <-time.After(10 * time.Second):
		t.Fatal("no URL printed within 10s")
	}
	return ""
}

// opens reports the status the console answers URL u with, as a browser
// without a cookie would open it.
func opens(t *testing.T, u string) int {
	t.Helper()
	client := &http.Client{Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestUINewURLOnEnter: on a terminal, each Enter prints a new URL that
// opens one session; the URLs before it open none.
func TestUINewURLOnEnter(t *testing.T) {
	t.Parallel()
	keys, typing := io.Pipe()
	defer typing.Close()
	r := startUI(t, &fakeTerminal{Reader: keys})
	first := r.next(t)
	if !strings.Contains(r.errOut.String(), "for a new URL, press Enter in the terminal") {
		t.Errorf("stderr %q does not say how to get a new URL", r.errOut)
	}
	if _, err := typing.Write([]byte("\n")); err != nil {
		t.Fatal(err)
	}
	second := r.next(t)
	if second == first {
		t.Fatal("Enter printed the same URL")
	}
	if got := opens(t, first); got != http.StatusUnauthorized {
		t.Errorf("the URL replaced before use: %d, want 401", got)
	}
	if got := opens(t, second); got != http.StatusSeeOther {
		t.Errorf("the new URL: %d, want 303", got)
	}
	if got := opens(t, second); got != http.StatusForbidden {
		t.Errorf("the new URL, opened again: %d, want 403", got)
	}
	if _, err := typing.Write([]byte("anything typed\n")); err != nil {
		t.Fatal(err)
	}
	if third := r.next(t); third == second || opens(t, third) != http.StatusSeeOther {
		t.Error("a second Enter did not print a URL that opens a session")
	}
	if strings.Contains(r.errOut.String(), "token=") {
		t.Error("a token reached stderr")
	}
}

// launched reads the launch page at the file:// URL u, checking that only
// its owner can read it.
func launched(t *testing.T, u string) string {
	t.Helper()
	path := strings.TrimPrefix(u, "file://")
	for p, want := range map[string]os.FileMode{path: 0o600, filepath.Dir(path): 0o700 | os.ModeDir} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if runtime.GOOS != "windows" && fi.Mode() != want {
			t.Errorf("launch page %s: mode %v, want %v", p, fi.Mode(), want)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
