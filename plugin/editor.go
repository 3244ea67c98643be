package plugin

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/projsecret/projsecret"
)

// editorGrace is how long edit waits for the editor to end after passing it
// a signal, before removing the directory anyway: an editor that is still
// running could otherwise write a swap or backup file into it meanwhile.
const editorGrace = 2 * time.Second

// edit has the user edit content in a file that exists only while the
// editor runs: a fresh 0700 directory, a 0600 file, both removed before
// edit returns. Every signal that would end the plugin and that it can
// catch (fatalSignals: Ctrl-C, Ctrl-\, a closed terminal, kill, ...) goes
// to the editor too; the plugin then removes the directory and fails with
// the signal's name. Go's own handler for SIGQUIT would dump goroutines and
// exit without running a deferred function: catching it is what keeps the
// file from staying behind. Outside the editor, signals act as usual and no
// file is left to clean.
func (o *editOptions) edit(content []byte) ([]byte, error) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, fatalSignals()...)
	defer signal.Stop(sigs)
	dir, err := os.MkdirTemp("", "projsecret-edit-")
	if err != nil {
		return nil, fmt.Errorf("creating the temporary directory for the editor: %w", err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, o.project+".yaml")
	if err := os.WriteFile(path, content, 0o600); err != nil {
		return nil, fmt.Errorf("writing the temporary file for the editor: %w", err)
	}

	editor := os.Getenv("KUBE_EDITOR")
	if editor == "" {
		editor = os.Getenv("EDITOR")
	}
	if editor == "" {
		editor = "vi"
	}
	var cmd *exec.Cmd
	if strings.ContainsAny(editor, " \t'\"$;|&<>()`\\*?") {
		// "code --wait" and the like: the shell splits it; the path stays
		// one argument.
		cmd = exec.Command("sh", "-c", editor+` "$1"`, "sh", path)
	} else {
		cmd = exec.Command(editor, path)
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = o.In, o.Out, o.ErrOut
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the editor %q (set KUBE_EDITOR or EDITOR): %w", editor, unwrapPath(err))
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			return nil, fmt.Errorf("the editor %q failed, nothing was written: %w", editor, err)
		}
	case s := <-sigs:
		_ = cmd.Process.Signal(s)
		select {
		case <-done:
		case <-time.After(editorGrace):
		}
		if err := os.RemoveAll(dir); err != nil {
			fmt.Fprintf(o.ErrOut, "Warning: could not remove %s, which holds the values being edited: %v\n", dir, err)
		}
		return nil, &projsecret.Error{Project: o.project, Err: fmt.Errorf("interrupted (%v), nothing was written", s)}
	}
	edited, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the edited file: %w", err)
	}
	return edited, nil
}
