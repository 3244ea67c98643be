package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The modes as the Makefile calls them: build writes the archive and its
// digest file, and digest reads the same digest back from the archive.
func TestRunBuildThenDigest(t *testing.T) {
	dir := t.TempDir()
	s := testSpec(t, dir)
	out := filepath.Join(dir, "dist", "projsecret-webhook-v1.2.3.oci.tar")
	digestFile := filepath.Join(dir, "dist", "projsecret-webhook-v1.2.3.digest")
	args := []string{"build", "-o", out, "-digest-file", digestFile, "-name", "ghcr.io/projsecret/projsecret-webhook",
		"-version", "v1.2.3", "-revision", s.revision, "-source", s.source, "-created", "1796041296"}
	for _, b := range s.binaries {
		args = append(args, b.platform.OS+"/"+b.platform.Architecture+"="+b.path)
	}
	var stdout bytes.Buffer
	if err := run(context.Background(), args, &stdout, io.Discard); err != nil {
		t.Fatal(err)
	}
	written, err := os.ReadFile(digestFile)
	if err != nil {
		t.Fatal(err)
	}
	digest := strings.TrimSpace(string(written))
	if !strings.HasPrefix(digest, "sha256:") || !strings.Contains(stdout.String(), digest) {
		t.Errorf("build printed %q, wrote digest %q", stdout.String(), digest)
	}
	stdout.Reset()
	if err := run(context.Background(), []string{"digest", "-archive", out}, &stdout, io.Discard); err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(stdout.String()) != digest {
		t.Errorf("digest read back %q, build wrote %q", stdout.String(), digest)
	}
}

func TestRunRejectsBadArguments(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	if err := os.WriteFile(bin, []byte("x"), 0o755); err != nil {
		t.Fatal(err)
	}
	build := func(extra ...string) []string {
		return append([]string{"build", "-o", filepath.Join(dir, "x.oci.tar"), "-name", "r.example/w", "-version", "v1", "-revision", "abc", "-source", "https://s"}, extra...)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "usage"},
		{[]string{"load"}, `unknown mode "load"`},
		{[]string{"build"}, "-o is required"},
		{build("linux/amd64=" + bin), "-created is required"},
		{build("-created", "1", "linux/amd64"), "expected os/arch=path"},
		{build("-created", "1"), "no binaries"},
		{build("-version", "v1+build", "-created", "1", "linux/amd64="+bin), "not an image reference"},
		{[]string{"push", "-archive", filepath.Join(dir, "x.oci.tar")}, "-image is required"},
		{[]string{"bundles", "-archive", "a", "-image", "r.example/w"}, "-o is required"},
		{[]string{"sbom", "-o", filepath.Join(dir, "s.json"), bin}, "-version is required"},
		{[]string{"sbom", "-o", filepath.Join(dir, "s.json"), "-version", "v1", bin}, "-created UNIX and one binary"},
	} {
		err := run(context.Background(), tc.args, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want an error containing %q", tc.args, err, tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "x.oci.tar")); err == nil {
		t.Error("a refused build wrote an archive")
	}
}
