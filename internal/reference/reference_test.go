package reference

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The committed reference is what the command tree says now: a flag or a
// help text changed without `make docs` fails here, naming the files.
func TestCommittedReferenceIsCurrent(t *testing.T) {
	stale, err := Stale(filepath.Join("..", "..", "docs", "commands"))
	if err != nil {
		t.Fatal(err)
	}
	if len(stale) > 0 {
		t.Fatalf("docs/commands is stale (run make docs): %s", strings.Join(stale, ", "))
	}
}

func TestStaleNamesChangedMissingAndLeftoverFiles(t *testing.T) {
	dir := t.TempDir()
	if err := Markdown(dir); err != nil {
		t.Fatal(err)
	}
	if stale, err := Stale(dir); err != nil || len(stale) != 0 {
		t.Fatalf("fresh reference: stale %v, err %v", stale, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "kubectl_projsecret_get.md"), []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "kubectl_projsecret_read.md")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "kubectl_projsecret_gone.md"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	stale, err := Stale(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(stale, ",")
	for _, name := range []string{"kubectl_projsecret_get.md", "kubectl_projsecret_read.md", "kubectl_projsecret_gone.md"} {
		if !strings.Contains(got, name) {
			t.Errorf("stale = %v, want it to name %s", stale, name)
		}
	}
	if len(stale) != 3 {
		t.Errorf("stale = %v, want exactly 3 files", stale)
	}
}

func TestReferenceHasNoMachinePaths(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	for _, cache := range []string{"", filepath.Join(t.TempDir(), "kube-cache")} {
		t.Setenv("KUBECACHEDIR", cache)
		dir := t.TempDir()
		if err := Markdown(dir); err != nil {
			t.Fatal(err)
		}
		files, err := readDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for name, b := range files {
			if strings.Contains(string(b), home) || (cache != "" && strings.Contains(string(b), cache)) {
				t.Errorf("KUBECACHEDIR=%q: %s names a path of this machine", cache, name)
			}
			if name == "kubectl_projsecret.md" && !strings.Contains(string(b), `(default "$HOME/.kube/cache")`) {
				t.Errorf("KUBECACHEDIR=%q: the root reference does not document the cache directory's default as $HOME/.kube/cache", cache)
			}
		}
	}
}
