package plugin

import (
	"encoding/json"
	"runtime"
	"strings"
	"testing"

	"github.com/projsecret/projsecret/internal/version"
	"sigs.k8s.io/yaml"
)

func TestVersion(t *testing.T) {
	t.Parallel()
	defer func(v, c string) { version.Version, version.Commit = v, c }(version.Version, version.Commit)
	version.Version, version.Commit = "v1.2.3", "abc1234"

	r := newHarness(t).run(t, "", "version").ok(t)
	if want := "kubectl-projsecret v1.2.3 (commit abc1234, " + runtime.Version() + ")\n"; r.stdout != want {
		t.Errorf("version %q, want %q", r.stdout, want)
	}
	var info map[string]string
	r = newHarness(t).run(t, "", "version", "-o", "json").ok(t)
	if err := json.Unmarshal([]byte(r.stdout), &info); err != nil || info["version"] != "v1.2.3" || info["commit"] != "abc1234" || info["goVersion"] != runtime.Version() {
		t.Errorf("-o json %q: %v", r.stdout, err)
	}
	r = newHarness(t).run(t, "", "version", "-o", "yaml").ok(t)
	if err := yaml.UnmarshalStrict([]byte(r.stdout), &info); err != nil || info["commit"] != "abc1234" {
		t.Errorf("-o yaml %q: %v", r.stdout, err)
	}
}

func TestHelpNamesKubectlProjsecret(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want []string
	}{
		{nil, []string{"Usage:\n  kubectl projsecret [flags]\n  kubectl projsecret [command]", "create      Create an entry", "--namespace", "--context", "--kubeconfig", "--as ", "--as-group", "--request-timeout"}},
		{[]string{"--help"}, []string{"kubectl projsecret [command]"}},
		{[]string{"create", "--help"}, []string{"kubectl projsecret create PROJECT KEY [flags]", "prefer --stdin or --from-file", "refused\nunless --allow-empty"}},
		{[]string{"get", "-h"}, []string{"kubectl projsecret get PROJECT [KEY...] [flags]", "custom-columns=HEADER:JSONPATH", "--no-headers"}},
		{[]string{"help", "projects"}, []string{"kubectl projsecret projects [flags]", "-A, --all-namespaces"}},
		{[]string{"completion", "--help"}, []string{"kubectl projsecret completion [command]"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			h := newHarness(t)
			r := h.run(t, "", tt.args...).ok(t)
			for _, w := range tt.want {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("help lacks %q:\n%s", w, r.stdout)
				}
			}
			if h.clientCalls != 0 {
				t.Error("help built a client")
			}
		})
	}
}

func TestOneLine(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"plain":                 "plain",
		"first\nsecond\n":       "first; second",
		"  a \n\n  b  \n c":     "a; b; c",
		"denied: x\ny is wrong": "denied: x; y is wrong",
	} {
		if got := oneLine(errorString(in)); got != want {
			t.Errorf("oneLine(%q) = %q, want %q", in, got, want)
		}
	}
}
