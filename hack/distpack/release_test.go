package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeTemp(t *testing.T, name, data string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestPlatforms(t *testing.T) {
	list := writeTemp(t, "platforms.txt", "# comment\n\nlinux/amd64\n  windows/arm64  \n")
	var out bytes.Buffer
	if err := run([]string{"platforms", "-platforms", list, "-version", "v1.2.3"}, &out); err != nil {
		t.Fatal(err)
	}
	want := "linux amd64 kubectl-projsecret kubectl-projsecret_v1.2.3_linux_amd64.tar.gz\n" +
		"windows arm64 kubectl-projsecret.exe kubectl-projsecret_v1.2.3_windows_arm64.zip\n"
	if out.String() != want {
		t.Errorf("platforms printed:\n%s\nwant:\n%s", out.String(), want)
	}
}

func TestReadPlatformsRejects(t *testing.T) {
	for _, tc := range []struct {
		name, data, wantErr string
	}{
		{"empty", "# nothing\n", "lists no platform"},
		{"no arch", "linux\n", `"linux": expected GOOS/GOARCH`},
		{"spaces inside", "linux / amd64\n", "expected GOOS/GOARCH"},
		{"shell word", "linux/amd64;rm\n", "expected GOOS/GOARCH"},
		{"twice", "linux/amd64\nlinux/amd64\n", ":2: linux/amd64 is listed twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := readPlatforms(writeTemp(t, "platforms.txt", tc.data))
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("readPlatforms = %v; want an error containing %q", err, tc.wantErr)
			}
		})
	}
}

const testTemplate = `{{/* not rendered */ -}}
version: {{.Version}}
platforms:
{{- range .Platforms}}
- {{.OS}}/{{.Arch}} {{.Bin}} {{$.Version}}/{{.Archive}} {{.SHA256}}
{{- end}}
`

var (
	sumA = strings.Repeat("a", 64)
	sumB = strings.Repeat("b", 64)
)

func TestManifest(t *testing.T) {
	dir := t.TempDir()
	list := writeTemp(t, "platforms.txt", "linux/arm64\nwindows/amd64\n")
	tmpl := writeTemp(t, "m.yaml.tmpl", testTemplate)
	sums := writeTemp(t, "sums.txt", sumB+"  kubectl-projsecret_v1.0.0-rc.1_windows_amd64.zip\n"+
		sumA+"  kubectl-projsecret_v1.0.0-rc.1_linux_arm64.tar.gz\n")
	out := filepath.Join(dir, "new", "m.yaml")
	err := run([]string{"manifest", "-o", out, "-platforms", list, "-template", tmpl, "-sums", sums, "-version", "v1.0.0-rc.1"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	// In the order of the platforms file, each with its own archive's sum.
	want := "version: v1.0.0-rc.1\nplatforms:\n" +
		"- linux/arm64 kubectl-projsecret v1.0.0-rc.1/kubectl-projsecret_v1.0.0-rc.1_linux_arm64.tar.gz " + sumA + "\n" +
		"- windows/amd64 kubectl-projsecret.exe v1.0.0-rc.1/kubectl-projsecret_v1.0.0-rc.1_windows_amd64.zip " + sumB + "\n"
	if string(got) != want {
		t.Errorf("manifest:\n%s\nwant:\n%s", got, want)
	}
}

func TestManifestRejects(t *testing.T) {
	list := writeTemp(t, "platforms.txt", "linux/amd64\n")
	tmpl := writeTemp(t, "m.yaml.tmpl", testTemplate)
	sums := writeTemp(t, "sums.txt", sumA+"  kubectl-projsecret_v1.0.0_linux_amd64.tar.gz\n")
	otherSums := writeTemp(t, "other.txt", sumA+"  kubectl-projsecret_v1.0.0_darwin_amd64.tar.gz\n")
	badSums := writeTemp(t, "bad.txt", "abc  kubectl-projsecret_v1.0.0_linux_amd64.tar.gz\n")
	badTmpl := writeTemp(t, "bad.tmpl", "{{.Nope}}\n")
	for _, tc := range []struct {
		name     string
		version  string
		sums     string
		template string
		wantErr  string
	}{
		{"no v", "1.0.0", sums, tmpl, "not a release version"},
		{"not semver", "v1.0", sums, tmpl, "not a release version"},
		{"describe output", "v1.0.0-3-gabcdef-dirty.", sums, tmpl, "not a release version"},
		{"no sums file", "v1.0.0", sums + ".gone", tmpl, "run 'make dist VERSION=v1.0.0' first"},
		{"malformed sums", "v1.0.0", badSums, tmpl, "expected \"<sha256>  <file>\""},
		{"archive not in sums", "v1.0.0", otherSums, tmpl, "no sha256 for kubectl-projsecret_v1.0.0_linux_amd64.tar.gz"},
		{"unknown template field", "v1.0.0", sums, badTmpl, "can't evaluate field Nope"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "m.yaml")
			err := run([]string{"manifest", "-o", out, "-platforms", list, "-template", tc.template,
				"-sums", tc.sums, "-version", tc.version}, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("manifest = %v; want an error containing %q", err, tc.wantErr)
			}
			if _, statErr := os.Stat(out); statErr == nil {
				t.Errorf("a failed render left %s behind", out)
			}
		})
	}
}
