//go:build !windows

package plugin

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestEditRemovesFileOnSignal: a signal to the plugin while the editor is
// open (Ctrl-\ as SIGQUIT first: Go's own handler would dump and exit with
// the file left behind) removes the directory holding the values, reaches
// the editor, and fails without writing. Not parallel: signals go to the
// whole test process.
func TestEditRemovesFileOnSignal(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGQUIT, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGUSR1, syscall.SIGABRT} {
		t.Run(sig.String(), func(t *testing.T) {
			h := newHarness(t, seeded(t, ns, "web", seedEntry{key: "A", value: "s3cr3t"}))
			where := filepath.Join(t.TempDir(), "where")
			editorGone := filepath.Join(t.TempDir(), "editor-ended")
			// The editor says where the file is, then waits to be ended
			// by the signal the plugin passes on (sleep ends on each).
			editor(t, `trap 'kill $!; touch `+editorGone+`; exit 1' HUP INT QUIT TERM USR1 ABRT
sleep 30 </dev/null >/dev/null 2>&1 &
echo "$1" > `+where+`.tmp && mv `+where+`.tmp `+where+`
wait
`)
			done := make(chan result, 1)
			go func() { done <- h.run(t, "", "edit", "web") }()
			var file string
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
				if b, err := os.ReadFile(where); err == nil {
					file = strings.TrimSpace(string(b))
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("the editor did not start within 10s")
				}
			}
			if content, err := os.ReadFile(file); err != nil || !strings.Contains(string(content), "s3cr3t") {
				t.Fatalf("the editor's file does not hold the value while it runs (%v)", err)
			}
			sent := time.Now()
			if err := syscall.Kill(os.Getpid(), sig); err != nil {
				t.Fatal(err)
			}
			var r result
			select {
			case r = <-done:
			case <-time.After(10 * time.Second):
				t.Fatalf("edit did not end within 10s of %v", sig)
			}
			if d := time.Since(sent); d >= editorGrace {
				t.Errorf("edit took %v to end: the editor did not end on %v, and edit waited out its grace", d, sig)
			}
			if _, err := os.Stat(filepath.Dir(file)); !os.IsNotExist(err) {
				t.Errorf("the editor's directory is still there after %v (%v)", sig, err)
			}
			want := `error: project "web": interrupted (` + sig.String() + "), nothing was written\n"
			if r.code != 1 || r.stderr != want || h.writes() != 0 {
				t.Errorf("exit %d, stderr %q, %d writes; want 1, %q, none", r.code, r.stderr, h.writes(), want)
			}
			if _, err := os.Stat(editorGone); err != nil {
				t.Errorf("the editor did not get %v", sig)
			}
		})
	}
}
