package plugin

import (
	"fmt"
	"html"
	"net/url"
	"os"
	"path/filepath"
)

// launchPage writes, in a fresh 0700 directory, a 0600 page that sends the
// browser on to target, and returns its file:// URL and a function that
// removes the directory. The browser is opened on that page rather than
// on target, so the token never appears in a command line: an opener's
// and a browser's arguments are readable by every local user
// (/proc/PID/cmdline) for as long as they run.
func launchPage(target string) (page string, remove func(), err error) {
	dir, err := os.MkdirTemp("", "projsecret-ui-")
	if err != nil {
		return "", func() {}, fmt.Errorf("creating the launch page's directory: %w", err)
	}
	remove = func() { _ = os.RemoveAll(dir) }
	if err := os.Chmod(dir, 0o700); err != nil {
		remove()
		return "", func() {}, err
	}
	path := filepath.Join(dir, "open.html")
	t := html.EscapeString(target)
	body := `<!doctype html><meta charset="utf-8"><meta name="referrer" content="no-referrer">` +
		`<meta http-equiv="refresh" content="0;url=` + t + `"><title>projsecret console</title>` +
		`<p><a href="` + t + `">Open the projsecret console</a></p>` + "\n"
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		remove()
		return "", func() {}, fmt.Errorf("writing the launch page: %w", err)
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(path)}
	if u.Path[0] != '/' {
		u.Path = "/" + u.Path // a Windows path: file:///C:/...
	}
	return u.String(), remove, nil
}
