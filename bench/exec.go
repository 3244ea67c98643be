package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// Shell runs the real binaries the way a user's shell would: kubectl and
// the plugin on PATH, the admin kubeconfig in KUBECONFIG, and a HOME of its
// own so kubectl's discovery cache neither reads nor writes the user's.
type Shell struct {
	Env []string
}

func NewShell(binDir, kubeconfig, home string) *Shell {
	return &Shell{Env: append(os.Environ(),
		"KUBECONFIG="+kubeconfig,
		"HOME="+home,
		"PATH="+binDir+string(os.PathListSeparator)+os.Getenv("PATH"))}
}

// Run runs name with args, feeding stdin, and fails on a non-zero exit. The
// output is discarded except for errors, which quote stderr only: stdout may
// hold a value.
func (s *Shell) Run(ctx context.Context, stdin []byte, name string, args ...string) error {
	_, err := s.Output(ctx, stdin, name, args...)
	return err
}

// Output is Run that returns stdout.
func (s *Shell) Output(ctx context.Context, stdin []byte, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = s.Env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}
