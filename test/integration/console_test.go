//go:build integration

package integration

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/store"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
)

// chromium is Debian's package, which `make chromium` installs.
const chromium = "/usr/bin/chromium"

// console is `kubectl projsecret ui --no-browser` run through the real
// kubectl, and the URL it printed.
type console struct {
	URL    *url.URL
	cmd    *exec.Cmd
	stderr *lockedBuffer
	done   chan error
	// lines are the lines printed after the first: new URLs.
	lines chan string
}

// startConsole runs the console as the kubeconfig's user with extra flags
// (-n, --as); the cleanup stops it with SIGTERM, as Ctrl-C would, and
// checks that it stopped cleanly.
func startConsole(t testing.TB, kubeconfig string, args ...string) *console {
	t.Helper()
	cmd := exec.Command("kubectl", append([]string{"projsecret", "ui", "--no-browser"}, args...)...)
	cmd.Env = append(os.Environ(),
		"KUBECONFIG="+kubeconfig,
		"PATH="+binDir+string(os.PathListSeparator)+os.Getenv("PATH"))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	c := &console{cmd: cmd, stderr: &lockedBuffer{}, done: make(chan error, 1), lines: make(chan string, 16)}
	cmd.Stderr = c.stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting kubectl projsecret ui: %v", err)
	}
	lines := make(chan string, 1)
	go func() {
		r := bufio.NewReader(stdout)
		line, _ := r.ReadString('\n')
		lines <- line
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				_, _ = io.Copy(io.Discard, stdout)
				return
			}
			select {
			case c.lines <- line:
			default: // nobody asked for it
			}
		}
	}()
	go func() { c.done <- cmd.Wait() }()
	t.Cleanup(func() { c.stop(t) })
	select {
	case line := <-lines:
		// The URL carries the token: parse it, never print it.
		u, err := url.Parse(strings.TrimSpace(line))
		if err != nil || u.Query().Get("token") == "" || u.Hostname() != "127.0.0.1" {
			t.Fatalf("the console's first line of stdout is not its URL with a token (%d bytes); stderr: %s", len(line), c.stderr)
		}
		c.URL = u
	case <-time.After(30 * time.Second):
		t.Fatalf("the console printed no URL in 30s; stderr: %s", c.stderr)
	}
	return c
}

func (c *console) stop(t testing.TB) {
	t.Helper()
	if c.cmd.ProcessState != nil {
		return
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-c.done:
		if err != nil {
			t.Errorf("the console did not exit cleanly on SIGTERM: %v; stderr: %s", err, c.stderr)
		}
		if !strings.Contains(c.stderr.String(), "Console stopped.") {
			t.Errorf("the console did not say it stopped; stderr: %s", c.stderr)
		}
	case <-time.After(15 * time.Second):
		_ = c.cmd.Process.Kill()
		t.Errorf("the console did not stop within 15s of SIGTERM")
	}
}

// page returns the console's URL for path, which may end in a query (no
// token).
func (c *console) page(path string) string {
	path, query, _ := strings.Cut(path, "?")
	return (&url.URL{Scheme: "http", Host: c.URL.Host, Path: path, RawQuery: query}).String()
}

// browser starts headless Debian chromium with a fresh profile, as root
// needs it (no sandbox) and with nothing that reaches the network.
func browser(t testing.TB) context.Context {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("%s is missing: run `make chromium` (make test-integration does): %v", chromium, err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 860),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// The first call starts the browser, which lives as long as ctx: the
	// timeout goes on the context the steps run under, not on this one.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(cancelTimeout)
	return ctx
}

func do(t testing.TB, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// get runs one browser action that returns a value.
func get[T any](t testing.TB, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// navigate runs actions that make the page go to path (the page's script
// follows the server's redirect after an action, often to the same URL) and
// waits for the new document: the old one carries a mark the new one lacks.
func navigate(t *testing.T, ctx context.Context, c *console, path, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	do(t, ctx, what, append([]chromedp.Action[chromedp.Void]{chromedp.Evaluate[chromedp.Void](`window.consoleTestOldPage = true`)}, actions...)...)
	want := c.page(path)
	var loc string
	var err error
	poll := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		if loc, err = chromedp.Run(ctx, chromedp.Location()); err != nil || loc != want {
			return false, nil
		}
		fresh, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!window.consoleTestOldPage && document.readyState === "complete"`))
		return err == nil && fresh, nil
	})
	if poll != nil {
		// The heading and any error say where it went; no value can be
		// in either.
		head, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector("h1")||{}).textContent + " | " + Array.from(document.querySelectorAll(".error")).map(e => e.textContent).join(" | ")`))
		t.Fatalf("%s: the browser is at %s, not a new page at %s: %s (%v)", what, loc, want, head, err)
	}
}

func storedEntry(t *testing.T, ns, project, key string) (projsecret.EntryMeta, []byte, bool) {
	t.Helper()
	s := secret(t, ns, project)
	v, ok := s.Data[key]
	return mustEntries(t, s)[key], v, ok
}

// TestConsoleFlow drives the seed flow through the page in a real browser
// against the real API server: create, reveal, set, edit metadata, delete,
// checking stored state after each step and that no value is in any page
// before it is revealed.
func TestConsoleFlow(t *testing.T) {
	ns := namespace(t)
	admin, err := store.WhoAmI(context.Background(), env.Clientset, "")
	if err != nil {
		t.Fatal(err)
	}
	c := startConsole(t, env.Kubeconfig, "-n", ns)
	ctx := browser(t)
	first := "s3cr3t-first-VALUE"
	second := "s3cr3t-second-VALUE\nline two"

	// The token URL opens a session and lands on the namespace's projects
	// without the token in the address bar.
	navigate(t, ctx, c, "/ns/"+ns+"/", "opening the console", chromedp.Navigate(c.URL.String()))

	// Create a project with its first entry.
	project := "/ns/" + ns + "/p/payments/"
	navigate(t, ctx, c, project, "creating a project",
		chromedp.SendKeys(chromedp.CSS("#np-project"), "payments"),
		chromedp.SendKeys(chromedp.CSS("#np-key"), "DB_PASSWORD"),
		chromedp.SendKeys(chromedp.CSS("#np-value"), first),
		chromedp.SendKeys(chromedp.CSS("#np-description"), "primary database"),
		chromedp.SendKeys(chromedp.CSS("#np-labels"), "env=prod"),
		chromedp.Click(chromedp.CSS(`button[type="submit"].primary`)),
	)
	m, v, ok := storedEntry(t, ns, "payments", "DB_PASSWORD")
	if !ok || string(v) != first || m.Description != "primary database" || m.Labels["env"] != "prod" || m.CreatedBy != admin {
		t.Fatalf("after create through the page: present %v, value %d bytes (want %d), meta %+v (admin %q)", ok, len(v), len(first), m, admin)
	}

	// Masked until revealed: the value is nowhere in the page.
	html := get(t, ctx, "reading the project page", chromedp.OuterHTML(chromedp.CSS("html")))
	if strings.Contains(html, first) {
		t.Fatal("the project page holds the value before it is revealed")
	}
	if !strings.Contains(html, "primary database") || !strings.Contains(html, "env=prod") {
		t.Error("the project page does not show the entry's description and labels")
	}
	row := `tr[data-key="DB_PASSWORD"] `
	do(t, ctx, "revealing the value",
		chromedp.Click(chromedp.CSS(row+`[data-action="reveal"]`)),
		chromedp.WaitVisible(chromedp.CSS(row+`.secret.revealed`)),
	)
	shown := get(t, ctx, "revealing the value", chromedp.TextContent(chromedp.CSS(row+`.secret`)))
	if shown != first {
		t.Fatalf("revealed %d bytes, want the %d stored", len(shown), len(first))
	}
	do(t, ctx, "hiding it again",
		chromedp.Click(chromedp.CSS(row+`[data-action="reveal"]`)),
	)
	shown = get(t, ctx, "hiding it again", chromedp.TextContent(chromedp.CSS(row+`.secret`)))
	if shown == first {
		t.Fatal("Hide left the value on the page")
	}

	// A Deployment reads DB_PASSWORD by env, another reads only another
	// key: the restart offered after the new value rolls the first alone.
	readers := map[string]string{"reads-db": "DB_PASSWORD", "reads-other": "OTHER"}
	for name, key := range readers {
		d := &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: appsv1.DeploymentSpec{
				Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
				Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}},
					Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "app", Env: []corev1.EnvVar{{
						Name: key, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
							LocalObjectReference: corev1.LocalObjectReference{Name: projsecret.SecretName("payments")}, Key: key}},
					}}}}},
				},
			},
		}
		if _, err := env.Clientset.AppsV1().Deployments(ns).Create(context.Background(), d, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	restartedAt := func(name string) string {
		t.Helper()
		d, err := env.Clientset.AppsV1().Deployments(ns).Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return d.Spec.Template.Annotations[store.AnnotationRestartedAt]
	}

	// The entry page: set a new (multi-line) value.
	entry := project + "e/DB_PASSWORD"
	navigate(t, ctx, c, entry, "opening the entry", chromedp.Click(chromedp.CSS(row+`a.key`)))
	html = get(t, ctx, "reading the entry page", chromedp.OuterHTML(chromedp.CSS("html")))
	if strings.Contains(html, first) {
		t.Fatal("the entry page holds the value before it is revealed")
	}
	navigate(t, ctx, c, project+"restart?key=DB_PASSWORD", "setting a value",
		chromedp.SetValue(chromedp.CSS("#sv-value"), second),
		chromedp.Click(chromedp.CSS(`form[action$="/value"] button[type="submit"]`)),
	)
	waitFor(t, "the new value to be stored", func() bool {
		_, v, _ := storedEntry(t, ns, "payments", "DB_PASSWORD")
		return string(v) == second
	})
	// The page that follows lists, as a dry run, the one reader of the key.
	listed := get(t, ctx, "reading the restart offer", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#readers tbody tr")).map(r => r.cells[1].textContent + " " + r.cells[3].textContent)`))
	if fmt.Sprint(listed) != "[reads-db would restart]" {
		t.Errorf("the restart offer lists %v, want [reads-db would restart]", listed)
	}
	if restartedAt("reads-db") != "" {
		t.Fatal("the offer restarted before its button was pressed")
	}
	// Its button is a plain form post; the report names each workload.
	navigate(t, ctx, c, project+"restart", "restarting the readers",
		chromedp.Click(chromedp.CSS(`form[action$="/restart"] button[type="submit"]`)),
	)
	listed = get(t, ctx, "reading the restart report", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#readers tbody tr")).map(r => r.cells[1].textContent + " " + r.cells[3].textContent)`))
	if fmt.Sprint(listed) != "[reads-db restarted]" {
		t.Errorf("the restart report lists %v, want [reads-db restarted]", listed)
	}
	if restartedAt("reads-db") == "" || restartedAt("reads-other") != "" {
		t.Errorf("restartedAt: reads-db %q, reads-other %q; want reads-db alone restarted", restartedAt("reads-db"), restartedAt("reads-other"))
	}
	navigate(t, ctx, c, entry, "going back to the entry", chromedp.Click(chromedp.CSS(`main a[href$="/e/DB_PASSWORD"]`)))
	do(t, ctx, "revealing the new value",
		chromedp.Click(chromedp.CSS(`.value-box [data-action="reveal"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.secret.revealed`)),
	)
	shown = get(t, ctx, "revealing the new value", chromedp.TextContent(chromedp.CSS(`.secret`)))
	if shown != second {
		t.Fatalf("revealed %d bytes after set, want the %d set", len(shown), len(second))
	}

	// Description and labels: one label changed, one added, env removed.
	navigate(t, ctx, c, entry, "editing metadata",
		chromedp.SetValue(chromedp.CSS("#me-description"), "primary database, rotated"),
		chromedp.SetValue(chromedp.CSS("#me-labels"), "team=payments\ntier=gold"),
		chromedp.Click(chromedp.CSS(`form[action$="/meta"] button[type="submit"]`)),
	)
	waitFor(t, "the metadata to be stored", func() bool {
		m, _, _ := storedEntry(t, ns, "payments", "DB_PASSWORD")
		return m.Description == "primary database, rotated"
	})
	m, v, _ = storedEntry(t, ns, "payments", "DB_PASSWORD")
	if fmt.Sprint(m.Labels) != "map[team:payments tier:gold]" || string(v) != second || m.UpdatedBy != admin {
		t.Fatalf("after editing metadata: labels %v, value %d bytes (want %d), updatedBy %q", m.Labels, len(v), len(second), m.UpdatedBy)
	}

	// Expiry: in 1h, shown relative on the project page.
	navigate(t, ctx, c, entry, "setting an expiry",
		chromedp.SetValue(chromedp.CSS("#ex-in"), "1h"),
		chromedp.SetValue(chromedp.CSS("#ex-every"), "720h"),
		chromedp.Click(chromedp.CSS(`#ex-in`)),
		chromedp.Submit(chromedp.CSS(`#ex-in`)),
	)
	m, _, _ = storedEntry(t, ns, "payments", "DB_PASSWORD")
	if d := time.Until(m.ExpiresAt); d < 50*time.Minute || d > 70*time.Minute || m.RotateEvery != 720*time.Hour {
		t.Errorf("after setting the expiry: expiresAt in %v, rotateEvery %v; want about 1h and 720h", d, m.RotateEvery)
	}
	navigate(t, ctx, c, project, "opening the project", chromedp.Navigate(c.page(project)))
	cell := get(t, ctx, "reading the expiry cell", chromedp.TextContent(chromedp.CSS(row+`td.exp`)))
	if !strings.HasPrefix(cell, "in 5") && !strings.HasPrefix(cell, "in 60m") && !strings.HasPrefix(cell, "in 59m") {
		t.Errorf("the EXPIRES cell shows %q, want about an hour", cell)
	}
	navigate(t, ctx, c, entry, "opening the entry", chromedp.Click(chromedp.CSS(row+`a.key`)))

	// Delete, confirmed by typing the key, sent as a plain form post (no
	// script): the fallback path redirects as the script would.
	navigate(t, ctx, c, project, "deleting",
		chromedp.SendKeys(chromedp.CSS("#del-confirm"), "DB_PASSWORD"),
		chromedp.Submit(chromedp.CSS("#del-confirm")),
	)
	if _, _, ok := storedEntry(t, ns, "payments", "DB_PASSWORD"); ok {
		t.Fatal("the entry is still stored after delete")
	}
	if strings.Contains(c.stderr.String(), "s3cr3t") {
		t.Error("a value reached the console's stderr")
	}
}

// TestConsoleURLOpensOneSession: the printed URL opens one session and not
// a second (another local user who read it from the browser's command line
// gets a page saying it was used); SIGUSR1 prints a new URL that opens one
// more. Over HTTP, then in chromium.
func TestConsoleURLOpensOneSession(t *testing.T) {
	ns := namespace(t)
	c := startConsole(t, env.Kubeconfig, "-n", ns)
	client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	open := func(u string) (*http.Response, string) {
		t.Helper()
		resp, err := client.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, string(body)
	}
	resp, _ := open(c.URL.String())
	if resp.StatusCode != http.StatusSeeOther || len(resp.Cookies()) != 1 {
		t.Fatalf("the printed URL: %d with %d cookies, want 303 and a session", resp.StatusCode, len(resp.Cookies()))
	}
	session := resp.Cookies()[0]
	if !session.HttpOnly || session.SameSite != http.SameSiteStrictMode || session.Path != "/" || session.Secure {
		t.Errorf("session cookie %s: want HttpOnly, SameSite=Strict, Path=/ and not Secure on http", session.Name)
	}
	resp, body := open(c.URL.String())
	if resp.StatusCode != http.StatusForbidden || len(resp.Cookies()) != 0 || !strings.Contains(body, "already used") || !strings.Contains(body, "kill -USR1") {
		t.Fatalf("the printed URL opened again: %d with %d cookies, %q; want 403, no session, and how to get a new URL", resp.StatusCode, len(resp.Cookies()), body)
	}
	// The replay ends the session the URL opened: whoever replays it may be
	// its owner, raced by a process that read it first.
	req, _ := http.NewRequest("GET", c.page("/ns/"+ns+"/"), nil)
	req.AddCookie(session)
	if resp, err := client.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("the first session after the replay: %v %v, want 401", resp, err)
	}

	// A new URL on request; a browser opens it, and a second browser
	// replaying it is told it was used.
	if err := c.cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	var fresh *url.URL
	select {
	case line := <-c.lines:
		u, err := url.Parse(strings.TrimSpace(line))
		if err != nil || u.Query().Get("token") == "" || u.Query().Get("token") == c.URL.Query().Get("token") {
			t.Fatalf("after SIGUSR1 the console printed a line that is not a new URL (%d bytes)", len(line))
		}
		fresh = u
	case <-time.After(30 * time.Second):
		t.Fatalf("no new URL within 30s of SIGUSR1; stderr: %s", c.stderr)
	}
	ctx := browser(t)
	navigate(t, ctx, c, "/ns/"+ns+"/", "opening the new URL", chromedp.Navigate(fresh.String()))
	other := browser(t)
	do(t, other, "replaying the new URL in another browser", chromedp.Navigate(fresh.String()))
	text := get(t, other, "reading the replay's page", chromedp.Text(chromedp.CSS("body")))
	if !strings.Contains(text, "already used") {
		t.Errorf("the replay in a second browser shows %q, want that the URL was already used", text)
	}
	if strings.Contains(c.stderr.String(), "token=") {
		t.Error("a token reached the console's stderr")
	}
}

// TestConsoleDenials: the webhook's denial and a missing permission are
// shown on the page, in words, where the action was taken; nothing changes.
func TestConsoleDenials(t *testing.T) {
	StartWebhook(t)
	ns := namespace(t)
	grant(t, ns, "alice", "bob")
	as := func(user string, stdin []byte, args ...string) {
		t.Helper()
		mustPass(t, kubectl(t, stdin, append([]string{"projsecret", "-n", ns, "--as", user}, args...)...))
	}
	as("alice", []byte("s3cr3t-alice"), "create", "owned", "API_KEY", "--stdin", "--description", "alice's key")
	as("alice", nil, "owners", "owned", "user:alice")

	c := startConsole(t, env.Kubeconfig, "-n", ns, "--as", "bob")
	ctx := browser(t)
	do(t, ctx, "opening the console", chromedp.Navigate(c.URL.String()))
	entry := "/ns/" + ns + "/p/owned/e/API_KEY"
	do(t, ctx, "opening the entry", chromedp.Navigate(c.page(entry)))
	do(t, ctx, "setting a value as bob",
		chromedp.SetValue(chromedp.CSS("#sv-value"), "s3cr3t-bob"),
		chromedp.Click(chromedp.CSS(`form[action$="/value"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/value"] .error.shown`)),
	)
	msg := get(t, ctx, "setting a value as bob", chromedp.Text(chromedp.CSS(`form[action$="/value"] .error`)))
	for _, want := range []string{"admission webhook", `user "bob" is not an owner of project "owned"`} {
		if !strings.Contains(msg, want) {
			t.Errorf("the page's error %q lacks %q", msg, want)
		}
	}
	if _, v, _ := storedEntry(t, ns, "owned", "API_KEY"); string(v) != "s3cr3t-alice" {
		t.Errorf("the denied set changed the stored value (%d bytes)", len(v))
	}

	// carol has no RBAC at all in ns: the page names the permission.
	cc := startConsole(t, env.Kubeconfig, "-n", ns, "--as", "carol")
	do(t, ctx, "opening carol's console", chromedp.Navigate(cc.URL.String()))
	msg = get(t, ctx, "reading carol's page", chromedp.Text(chromedp.CSS(".error")))
	for _, want := range []string{"Missing permission", `User "carol" cannot list resource "secrets"`} {
		if !strings.Contains(msg, want) {
			t.Errorf("carol's page %q lacks %q", msg, want)
		}
	}
}

// TestConsoleScreenshot saves the project page of a project with a few
// entries as a PNG test artifact (go test -artifacts keeps it; the path is
// logged either way). docs/console.png is one of these.
func TestConsoleScreenshot(t *testing.T) {
	ns := namespace(t)
	seed := []struct{ key, desc, labels string }{
		{"DB_PASSWORD", "Primary PostgreSQL password", "env=prod"},
		{"STRIPE_API_KEY", "Payments provider, live mode", "env=prod,team=payments"},
		{"SENTRY_DSN", "Error reporting", "env=prod"},
		{"S3_ACCESS_KEY", "Nightly exports bucket", "env=staging,team=data"},
		{"SMTP_PASSWORD", "", ""},
		{"TLS_KEY", "TLS key for api.example.com", "rotation=yearly"},
	}
	for i, e := range seed {
		args := []string{"-n", ns, "create", "payments", e.key, "--stdin"}
		if e.desc != "" {
			args = append(args, "--description", e.desc)
		}
		for _, l := range strings.Split(e.labels, ",") {
			if l != "" {
				args = append(args, "--label", l)
			}
		}
		mustSucceed(t, []byte(strings.Repeat("s3cr3t", i+2)), args...)
	}
	mustSucceed(t, nil, "-n", ns, "owners", "payments", "group:system:masters")
	c := startConsole(t, env.Kubeconfig, "-n", ns)
	ctx := browser(t)
	do(t, ctx, "opening the project page",
		chromedp.Navigate(c.URL.String()),
		chromedp.Navigate(c.page("/ns/"+ns+"/p/payments/")),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-key="TLS_KEY"]`)),
		chromedp.Click(chromedp.CSS(`tr[data-key="STRIPE_API_KEY"] [data-action="reveal"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.secret.revealed`)),
	)
	shot := func(name string) {
		t.Helper()
		png := get(t, ctx, "taking the screenshot "+name, chromedp.CaptureScreenshot())
		if len(png) < 10_000 {
			t.Errorf("the screenshot %s is only %d bytes", name, len(png))
		}
		path := filepath.Join(t.ArtifactDir(), name)
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s (%d bytes)", path, len(png))
	}
	shot("console-project.png")

	// The table filters as you type and sorts by a column's button.
	do(t, ctx, "filtering", chromedp.SendKeys(chromedp.CSS("#filter"), "prod payments"))
	visible := get(t, ctx, "reading the visible rows", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#entries tbody tr")).filter(r => !r.hidden).map(r => r.dataset.key)`))
	if fmt.Sprint(visible) != "[STRIPE_API_KEY]" {
		t.Errorf("filtering for %q shows %v, want [STRIPE_API_KEY]", "prod payments", visible)
	}
	do(t, ctx, "clearing the filter and sorting by size",
		// What deleting the text does: an empty value, then an input event.
		chromedp.Evaluate[chromedp.Void](`(i => { i.value = ""; i.dispatchEvent(new Event("input")) })(document.querySelector("#filter"))`),
		chromedp.Click(chromedp.CSS(`th:nth-child(5) button.sort`)),
		chromedp.Click(chromedp.CSS(`th:nth-child(5) button.sort`)),
	)
	order := get(t, ctx, "reading the row order", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#entries tbody tr")).filter(r => !r.hidden).map(r => r.dataset.key)`))
	if want := "[TLS_KEY SMTP_PASSWORD S3_ACCESS_KEY SENTRY_DSN STRIPE_API_KEY DB_PASSWORD]"; fmt.Sprint(order) != want {
		t.Errorf("sorted by size, descending: %v, want %s", order, want)
	}

	// The same page in dark mode, the entry page, and the projects list.
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}},
	}); err != nil {
		t.Fatalf("emulating dark mode: %v", err)
	}
	shot("console-project-dark.png")
	do(t, ctx, "opening the entry page", chromedp.Navigate(c.page("/ns/"+ns+"/p/payments/e/STRIPE_API_KEY")))
	shot("console-entry-dark.png")
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{}); err != nil {
		t.Fatalf("ending the dark mode: %v", err)
	}
	do(t, ctx, "opening the projects page", chromedp.Navigate(c.page("/ns/"+ns+"/")))
	shot("console-projects.png")
	do(t, ctx, "opening the project page on a phone",
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)),
		chromedp.Navigate(c.page("/ns/"+ns+"/p/payments/")),
	)
	shot("console-project-phone.png")
}

// BenchmarkConsoleProjectPage loads the project page of a project with
// 1,000 entries in headless chromium, from the real API server: ms/op is
// the whole navigation to the load event (the page's script has run by
// then), server-ms the time to the first byte of the answer, dom-ready-ms
// from there to the end of DOMContentLoaded (parsing, the page's script),
// wire-KB the page's bytes as sent (compressed if it was) and html-KB as
// the browser decoded them.
func BenchmarkConsoleProjectPage(b *testing.B) {
	ctx := context.Background()
	nsObj, err := env.Clientset.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "bench-"}}, metav1.CreateOptions{})
	if err != nil {
		b.Fatal(err)
	}
	ns := nsObj.Name
	client := store.NewClient(env.Clientset, ns)
	err = client.Apply(ctx, "big", store.ApplyOptions{}, func(batch *store.Batch) error {
		for i := range 1000 {
			d := fmt.Sprintf("entry number %d", i)
			if err := batch.Put(fmt.Sprintf("KEY_%04d", i), []byte("v"), store.MetaChange{Description: &d, SetLabels: map[string]string{"env": "prod"}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	c := startConsole(b, env.Kubeconfig, "-n", ns)
	bctx := browser(b)
	do(b, bctx, "opening the console", chromedp.Navigate(c.URL.String()))
	page := c.page("/ns/" + ns + "/p/big/")
	var server, parsed, wire, html float64
	for b.Loop() {
		do(b, bctx, "loading the project page", chromedp.Navigate(page))
		timing := get(b, bctx, "reading the navigation timing",
			chromedp.Evaluate[[]float64](`(e => [e.responseStart - e.requestStart, e.domContentLoadedEventEnd - e.responseStart, e.encodedBodySize, e.decodedBodySize])(performance.getEntriesByType("navigation")[0])`))
		server += timing[0]
		parsed += timing[1]
		wire, html = timing[2], timing[3]
	}
	rows := get(b, bctx, "counting rows", chromedp.Evaluate[int](`document.querySelectorAll("#entries tbody tr[data-key]").length`))
	if rows != 1000 {
		b.Fatalf("the page shows %d rows, want 1000", rows)
	}
	b.ReportMetric(server/float64(b.N), "server-ms")
	b.ReportMetric(parsed/float64(b.N), "dom-ready-ms")
	b.ReportMetric(wire/1024, "wire-KB")
	b.ReportMetric(html/1024, "html-KB")
}
