package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"text/template"
)

// platform is one release target, read from hack/platforms.txt. Its file
// names are decided here only: hack/dist.sh asks for them (distpack
// platforms) and the Krew manifest is rendered from them.
type platform struct {
	OS, Arch string
}

// Bin is the plugin's file name inside the archive.
func (p platform) Bin() string {
	if p.OS == "windows" {
		return "kubectl-projsecret.exe"
	}
	return "kubectl-projsecret"
}

// Archive is the release archive's file name for version.
func (p platform) Archive(version string) string {
	ext := "tar.gz"
	if p.OS == "windows" {
		ext = "zip"
	}
	return fmt.Sprintf("kubectl-projsecret_%s_%s_%s.%s", version, p.OS, p.Arch, ext)
}

var goName = regexp.MustCompile(`^[a-z0-9]+$`)

// readPlatforms reads GOOS/GOARCH lines; blank lines and # comments are
// skipped.
func readPlatforms(path string) ([]platform, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("platforms: %w", err)
	}
	defer f.Close()
	var out []platform
	seen := map[platform]bool{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		goos, goarch, ok := strings.Cut(line, "/")
		if !ok || !goName.MatchString(goos) || !goName.MatchString(goarch) {
			return nil, fmt.Errorf("%s:%d: %q: expected GOOS/GOARCH, e.g. linux/amd64", path, n, line)
		}
		p := platform{goos, goarch}
		if seen[p] {
			return nil, fmt.Errorf("%s:%d: %s is listed twice", path, n, line)
		}
		seen[p] = true
		out = append(out, p)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("platforms: %w", err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s lists no platform", path)
	}
	return out, nil
}

// writePlatforms prints "GOOS GOARCH BIN ARCHIVE" a line, for hack/dist.sh's
// loop.
func writePlatforms(w io.Writer, platforms []platform, version string) error {
	for _, p := range platforms {
		if _, err := fmt.Fprintf(w, "%s %s %s %s\n", p.OS, p.Arch, p.Bin(), p.Archive(version)); err != nil {
			return err
		}
	}
	return nil
}

// Krew refuses anything but a v-prefixed semantic version.
var semver = regexp.MustCompile(`^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$`)

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// readSums reads the checksums file `distpack sums` writes.
func readSums(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("checksums: %w", err)
	}
	sums := map[string]string{}
	for _, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		sum, name, ok := strings.Cut(line, "  ")
		if !ok || !sha256Hex.MatchString(sum) || name == "" {
			return nil, fmt.Errorf("%s: line %q: expected \"<sha256>  <file>\"", path, line)
		}
		sums[name] = sum
	}
	return sums, nil
}

// manifestPlatform is what the template sees of one platform.
type manifestPlatform struct {
	platform
	Archive, SHA256 string
}

// renderManifest fills the Krew manifest template for version (checked by
// the caller), with each platform's archive and its sha256 from the checksums
// file.
func renderManifest(w io.Writer, tmplPath, version string, platforms []platform, sums map[string]string) error {
	tmpl, err := template.New(filepath.Base(tmplPath)).Option("missingkey=error").ParseFiles(tmplPath)
	if err != nil {
		return fmt.Errorf("template: %w", err)
	}
	data := struct {
		Version   string
		Platforms []manifestPlatform
	}{Version: version}
	for _, p := range platforms {
		archive := p.Archive(version)
		sum, ok := sums[archive]
		if !ok {
			return fmt.Errorf("no sha256 for %s in the checksums file; run 'make dist VERSION=%s' again", archive, version)
		}
		data.Platforms = append(data.Platforms, manifestPlatform{p, archive, sum})
	}
	if err := tmpl.Execute(w, data); err != nil {
		return fmt.Errorf("template: %w", err)
	}
	return nil
}
