package plugin

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/projsecret/projsecret/store"
	"k8s.io/apimachinery/pkg/runtime"
	k8stesting "k8s.io/client-go/testing"
)

func TestCompletion(t *testing.T) {
	t.Parallel()
	seed := func(t *testing.T) *harness {
		return newHarness(t,
			seeded(t, ns, "web", seedEntry{key: "A", value: "1", description: "first\nsecond line"}, seedEntry{key: "B", value: "2"}),
			seeded(t, ns, "api"),
			seeded(t, "elsewhere", "hidden"))
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "subcommands", args: []string{"__complete", "pro"}, want: "projects\tList the projects in the namespace, or in all namespaces\n:4\n"},
		{name: "projects of the namespace", args: []string{"__complete", "get", ""}, want: "api\nweb\n:4\n"},
		{name: "keys with their descriptions' first line", args: []string{"__complete", "read", "web", ""}, want: "A\tfirst\nB\n:4\n"},
		{name: "keys already typed are skipped", args: []string{"__complete", "delete", "web", "A", ""}, want: "B\n:4\n"},
		{name: "no key after read's KEY", args: []string{"__complete", "read", "web", "A", ""}, want: ":4\n"},
		{name: "create completes the project only", args: []string{"__complete", "create", "web", ""}, want: ":4\n"},
		{name: "unknown project: nothing", args: []string{"__complete", "get", "nope", ""}, want: ":4\n"},
		{name: "output formats", args: []string{"__complete", "get", "web", "-o", "js"}, want: "json\njsonpath\njsonpath-as-json\njsonpath-file\n:6\n"},
		{name: "custom columns", args: []string{"__complete", "projects", "-o", "cu"}, want: "custom-columns=\n:6\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := seed(t).run(t, "", tt.args...).ok(t)
			if r.stdout != tt.want {
				t.Errorf("completions %q, want %q", r.stdout, tt.want)
			}
		})
	}
}

func TestCompletionIsQuietOnErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.cs.PrependReactor("*", "*", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, errors.New("connection refused")
	})
	for _, args := range [][]string{{"__complete", "get", ""}, {"__complete", "get", "web", ""}} {
		r := h.run(t, "", args...).ok(t)
		if r.stdout != ":4\n" || strings.Contains(r.stderr, "connection refused") {
			t.Errorf("%v: stdout %q, stderr %q", args, r.stdout, r.stderr)
		}
	}
	streams, _, out, errOut := newStreams()
	code := run(t.Context(), []string{"__complete", "get", ""}, streams, func() (*store.Client, error) {
		return nil, errors.New("no kubeconfig")
	})
	if code != 0 || out.String() != ":4\n" || strings.Contains(errOut.String(), "kubeconfig") {
		t.Errorf("without a client: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestCompletionScripts(t *testing.T) {
	t.Parallel()
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		r := newHarness(t).run(t, "", "completion", shell).ok(t)
		if !strings.Contains(r.stdout, "kubectl-projsecret") || !strings.Contains(r.stdout, "__complete") {
			t.Errorf("%s script does not complete kubectl-projsecret through __complete", shell)
		}
	}
}

// TestPluginCompletionHelper runs the kubectl_complete-projsecret script the
// way kubectl does, with a stand-in kubectl-projsecret on PATH that records
// its arguments.
func TestPluginCompletionHelper(t *testing.T) {
	t.Parallel()
	script, err := filepath.Abs("kubectl_complete-projsecret")
	if err != nil {
		t.Fatal(err)
	}
	if info, err := os.Stat(script); err != nil || info.Mode()&0o111 == 0 {
		t.Fatalf("%s must exist and be executable: %v", script, err)
	}
	dir := t.TempDir()
	stub := "#!/bin/sh\nfor a in \"$@\"; do printf '[%s]' \"$a\"; done\necho\n"
	if err := os.WriteFile(filepath.Join(dir, "kubectl-projsecret"), []byte(stub), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(script, "get", "my project", "")
	cmd.Env = append(os.Environ(), "PATH="+dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("running the helper: %v", err)
	}
	if got, want := string(out), "[__complete][get][my project][]\n"; got != want {
		t.Errorf("helper ran kubectl-projsecret with %q, want %q", got, want)
	}
}
