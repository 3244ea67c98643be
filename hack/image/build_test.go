package main

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

var commitTime = time.Date(2026, 11, 30, 12, 34, 56, 0, time.UTC)

// testSpec is a two-platform image over two small stand-in binaries in dir.
func testSpec(t *testing.T, dir string) spec {
	t.Helper()
	s := spec{
		entrypoint: "/projsecret-webhook", created: commitTime,
		source: "https://github.com/projsecret/projsecret", version: "v1.2.3", revision: strings.Repeat("ab", 20),
		ports: []string{"9443"},
	}
	for _, p := range []string{"linux/amd64", "linux/arm64"} {
		path := filepath.Join(dir, strings.ReplaceAll(p, "/", "-"))
		if err := os.WriteFile(path, []byte("binary for "+p), 0o700); err != nil {
			t.Fatal(err)
		}
		b, err := parsePlatformBinary(p + "=" + path)
		if err != nil {
			t.Fatal(err)
		}
		s.binaries = append(s.binaries, b)
	}
	return s
}

func mustDigest(t *testing.T, idx v1.ImageIndex) v1.Hash {
	t.Helper()
	d, err := idx.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestBuildIndexIsReproducible(t *testing.T) {
	dir := t.TempDir()
	s := testSpec(t, dir)
	first, err := buildIndex(s)
	if err != nil {
		t.Fatal(err)
	}
	// The binaries' own file times and modes must not matter.
	for _, b := range s.binaries {
		if err := os.Chtimes(b.path, time.Now(), time.Now()); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(b.path, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	second, err := buildIndex(s)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := mustDigest(t, first), mustDigest(t, second); a != b {
		t.Errorf("two builds of the same inputs: %s and %s", a, b)
	}

	later := s
	later.created = commitTime.Add(time.Second)
	if idx, err := buildIndex(later); err != nil || mustDigest(t, idx) == mustDigest(t, first) {
		t.Errorf("a different commit time gave the same index (%v)", err)
	}
	if err := os.WriteFile(s.binaries[1].path, []byte("another arm64 binary"), 0o755); err != nil {
		t.Fatal(err)
	}
	if idx, err := buildIndex(s); err != nil || mustDigest(t, idx) == mustDigest(t, first) {
		t.Errorf("a different binary gave the same index (%v)", err)
	}
}

func TestBuildIndexContents(t *testing.T) {
	s := testSpec(t, t.TempDir())
	idx, err := buildIndex(s)
	if err != nil {
		t.Fatal(err)
	}
	m, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if m.MediaType != types.OCIImageIndex {
		t.Errorf("index media type %s", m.MediaType)
	}
	wantAnnotations := map[string]string{
		annotationSource: s.source, annotationVersion: "v1.2.3", annotationRevision: s.revision, annotationCreated: "2026-11-30T12:34:56Z",
	}
	checkAnnotations(t, "index", m.Annotations, wantAnnotations)
	var platforms []string
	for _, desc := range m.Manifests {
		platforms = append(platforms, desc.Platform.String())
		img, err := idx.Image(desc.Digest)
		if err != nil {
			t.Fatal(err)
		}
		im, err := img.Manifest()
		if err != nil {
			t.Fatal(err)
		}
		checkAnnotations(t, desc.Platform.String(), im.Annotations, wantAnnotations)
		if im.MediaType != types.OCIManifestSchema1 || im.Config.MediaType != types.OCIConfigJSON || len(im.Layers) != 1 || im.Layers[0].MediaType != types.OCILayer {
			t.Errorf("%s: manifest %s, config %s, layers %+v; want OCI types and one layer", desc.Platform, im.MediaType, im.Config.MediaType, im.Layers)
		}
		cf, err := img.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		if cf.OS != desc.Platform.OS || cf.Architecture != desc.Platform.Architecture || cf.Variant != desc.Platform.Variant {
			t.Errorf("%s: config says %s/%s/%s", desc.Platform, cf.OS, cf.Architecture, cf.Variant)
		}
		if cf.Config.User != "65532:65532" || !slices.Equal(cf.Config.Entrypoint, []string{"/projsecret-webhook"}) || len(cf.Config.Cmd) != 0 || len(cf.Config.Env) != 0 {
			t.Errorf("%s: user %q entrypoint %q cmd %q env %q", desc.Platform, cf.Config.User, cf.Config.Entrypoint, cf.Config.Cmd, cf.Config.Env)
		}
		if !cf.Created.Equal(commitTime) || len(cf.History) != 1 || !cf.History[0].Created.Equal(commitTime) {
			t.Errorf("%s: created %s, history %+v; want the commit time", desc.Platform, cf.Created, cf.History)
		}
		if _, ok := cf.Config.ExposedPorts["9443/tcp"]; !ok {
			t.Errorf("%s: exposed ports %v", desc.Platform, cf.Config.ExposedPorts)
		}
		layers, err := img.Layers()
		if err != nil {
			t.Fatal(err)
		}
		rc, err := layers[0].Uncompressed()
		if err != nil {
			t.Fatal(err)
		}
		files := readTar(t, rc)
		rc.Close()
		want := "binary for " + desc.Platform.OS + "/" + desc.Platform.Architecture
		if len(files) != 1 || files[0].Name != "projsecret-webhook" || string(files[0].data) != want {
			t.Fatalf("%s: layer holds %+v; want only projsecret-webhook", desc.Platform, files)
		}
		h := files[0].Header
		if h.Mode != 0o755 || h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" || !h.ModTime.Equal(commitTime) {
			t.Errorf("%s: binary header mode %o owner %d:%d %q:%q time %s", desc.Platform, h.Mode, h.Uid, h.Gid, h.Uname, h.Gname, h.ModTime)
		}
	}
	if !slices.Equal(platforms, []string{"linux/amd64", "linux/arm64/v8"}) {
		t.Errorf("platforms %v", platforms)
	}
}

func checkAnnotations(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: annotation %s = %q, want %q", what, k, got[k], v)
		}
	}
}

type tarFile struct {
	*tar.Header
	data []byte
}

func readTar(t *testing.T, r io.Reader) []tarFile {
	t.Helper()
	var files []tarFile
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if _, err := io.Copy(&buf, tr); err != nil {
			t.Fatal(err)
		}
		files = append(files, tarFile{h, buf.Bytes()})
	}
}

func TestBinaryLayerMakesParentDirectories(t *testing.T) {
	b, err := binaryLayer("/usr/local/bin/tool", []byte("x"), commitTime)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range readTar(t, bytes.NewReader(b)) {
		got = append(got, f.Name)
		if f.Uid != 0 || f.Gid != 0 || !f.ModTime.Equal(commitTime) {
			t.Errorf("%s: owner %d:%d time %s", f.Name, f.Uid, f.Gid, f.ModTime)
		}
	}
	if want := []string{"usr/", "usr/local/", "usr/local/bin/", "usr/local/bin/tool"}; !slices.Equal(got, want) {
		t.Errorf("entries %v, want %v", got, want)
	}
	for _, bad := range []string{"tool", "/a/../tool", "/dir/"} {
		if _, err := binaryLayer(bad, nil, commitTime); err == nil {
			t.Errorf("entrypoint %q accepted", bad)
		}
	}
}

func TestParsePlatformBinaryRejects(t *testing.T) {
	for _, arg := range []string{"linux/amd64", "linux=bin", "linux/amd64=", "/amd64=bin", "linux/arm/v7/x=bin", "darwin/arm64=bin"} {
		if _, err := parsePlatformBinary(arg); err == nil {
			t.Errorf("%q accepted", arg)
		}
	}
	dir := t.TempDir()
	s := testSpec(t, dir)
	s.binaries = append(s.binaries, s.binaries[0])
	if _, err := buildIndex(s); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("a platform given twice: %v", err)
	}
	s.binaries = nil
	if _, err := buildIndex(s); err == nil {
		t.Error("no binaries accepted")
	}
}
