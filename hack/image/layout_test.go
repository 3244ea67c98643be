package main

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

// testArchive builds the test image and writes it to dir/name.
func testArchive(t *testing.T, dir, name string) (string, v1.ImageIndex) {
	t.Helper()
	idx, err := buildIndex(testSpec(t, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := writeArchive(path, idx, "ghcr.io/projsecret/projsecret-webhook", "v1.2.3", commitTime); err != nil {
		t.Fatal(err)
	}
	return path, idx
}

func TestArchiveIsReproducible(t *testing.T) {
	dir := t.TempDir()
	first, _ := testArchive(t, dir, "a.oci.tar")
	second, _ := testArchive(t, dir, "b.oci.tar")
	a, err := os.ReadFile(first)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(second)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatal("two archives of the same image differ")
	}
	var names []string
	for _, f := range readTar(t, bytes.NewReader(a)) {
		names = append(names, f.Name)
		wantMode := int64(0o644)
		if f.Typeflag == tar.TypeDir {
			wantMode = 0o755
		}
		if f.Uid != 0 || f.Gid != 0 || f.Uname != "" || f.Mode != wantMode || !f.ModTime.Equal(commitTime) {
			t.Errorf("%s: owner %d:%d %q mode %o time %s", f.Name, f.Uid, f.Gid, f.Uname, f.Mode, f.ModTime)
		}
	}
	if !sort.StringsAreSorted(names) || names[0] != "blobs/" || !strings.Contains(strings.Join(names, " "), "index.json oci-layout") {
		t.Errorf("entries %v: want sorted, with blobs/, index.json and oci-layout", names)
	}
}

func TestArchiveRoundTrip(t *testing.T) {
	path, idx := testArchive(t, t.TempDir(), "image.oci.tar")
	a, err := openArchive(path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.remove()
	if err := validate.Index(a.index); err != nil {
		t.Fatalf("the archived index does not validate: %v", err)
	}
	if got, want := mustDigest(t, a.index), mustDigest(t, idx); got != want || a.desc.Digest != want {
		t.Errorf("archived index %s (index.json says %s), built %s", got, a.desc.Digest, want)
	}
	if a.desc.Annotations[annotationRefName] != "v1.2.3" || a.desc.Annotations[annotationContainerdName] != "ghcr.io/projsecret/projsecret-webhook:v1.2.3" {
		t.Errorf("index.json names the image %v", a.desc.Annotations)
	}
	// The layout itself, as other tools read it: oci-layout's version and
	// index.json's one descriptor.
	files := map[string][]byte{}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range readTar(t, bytes.NewReader(raw)) {
		files[f.Name] = f.data
	}
	var layout struct {
		Version string `json:"imageLayoutVersion"`
	}
	if err := json.Unmarshal(files["oci-layout"], &layout); err != nil || layout.Version != "1.0.0" {
		t.Errorf("oci-layout %s (%v)", files["oci-layout"], err)
	}
	if _, ok := files["blobs/sha256/"+a.desc.Digest.Hex]; !ok {
		t.Error("the index blob is missing from blobs/sha256")
	}
}

func TestOpenArchiveRejects(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, entries ...tarFile) string {
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		for _, e := range entries {
			e.Header.Size = int64(len(e.data))
			if e.Typeflag == 0 {
				e.Typeflag = tar.TypeReg
			}
			if err := tw.WriteHeader(e.Header); err != nil {
				t.Fatal(err)
			}
			if _, err := tw.Write(e.data); err != nil {
				t.Fatal(err)
			}
		}
		if err := tw.Close(); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	layoutFile := tarFile{&tar.Header{Name: "oci-layout"}, []byte(`{"imageLayoutVersion":"1.0.0"}`)}
	for _, tc := range []struct {
		name, path, want string
	}{
		{"escaping entry", write("escape.tar", tarFile{&tar.Header{Name: "../outside"}, []byte("x")}), "leaves the archive"},
		{"symlink", write("link.tar", tarFile{&tar.Header{Name: "index.json", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"}, nil}), "neither a file nor a directory"},
		{"no layout", write("empty.tar", tarFile{&tar.Header{Name: "readme"}, []byte("x")}), "OCI image layout"},
		{"no index", write("noindex.tar", layoutFile, tarFile{&tar.Header{Name: "blobs/sha256/", Typeflag: tar.TypeDir}, nil}, tarFile{&tar.Header{Name: "index.json"}, []byte(`{"schemaVersion":2,"manifests":[]}`)}), "want one image index"},
		{"corrupt blob", write("corrupt.tar", layoutFile, tarFile{&tar.Header{Name: "blobs/sha256/" + strings.Repeat("0", 64)}, []byte("x")}), "archive is corrupt"},
		{"missing", filepath.Join(dir, "missing.tar"), "no such file"},
	} {
		a, err := openArchive(tc.path)
		if err == nil {
			a.remove()
			t.Errorf("%s: accepted", tc.name)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
}
