package atomicfile

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestWrite(t *testing.T) {
	// A umask that would strip the group and other bits must not: the mode
	// is the one asked for.
	old := syscall.Umask(0o077)
	t.Cleanup(func() { syscall.Umask(old) })
	for _, tc := range []struct {
		name     string
		existing bool
		mode     os.FileMode
	}{
		{"new file", false, 0o644},
		{"replaces", true, 0o600},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "f")
			if tc.existing {
				if err := os.WriteFile(path, []byte("old content"), 0o666); err != nil {
					t.Fatal(err)
				}
			}
			if err := Write(path, []byte("new"), tc.mode); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != "new" || fi.Mode().Perm() != tc.mode {
				t.Errorf("file holds %d bytes with mode %o; want 3 bytes with mode %o", len(got), fi.Mode().Perm(), tc.mode)
			}
			assertOnly(t, dir, "f")
		})
	}
}

func TestWriteFailureLeavesTargetAlone(t *testing.T) {
	dir := t.TempDir()
	// The target is a directory: the rename fails after the data was
	// written to the temporary file.
	target := filepath.Join(dir, "d")
	if err := os.Mkdir(target, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(target, "inside"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	err := Write(target, []byte("x"), 0o644)
	if err == nil || !strings.Contains(err.Error(), "writing "+target) {
		t.Fatalf("Write over a non-empty directory = %v; want an error naming it", err)
	}
	assertOnly(t, dir, "d")
	if err := Write(filepath.Join(dir, "missing", "f"), []byte("x"), 0o644); err == nil {
		t.Fatal("Write into a missing directory succeeded")
	}
}

// assertOnly fails unless dir holds exactly the named entry: no temporary
// file was left behind.
func assertOnly(t *testing.T, dir, name string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != name {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %q; want only %q", names, name)
	}
}
