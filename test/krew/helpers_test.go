//go:build integration

package krew

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// platform is what an executable is built for.
type platform struct{ os, arch string }

// target is one release target as hack/distpack names it for hack/dist.sh
// and the Krew manifest: the test takes the list and the names from there,
// not from a copy of its own.
type target struct {
	platform
	bin, archive string
}

// readTargets runs `distpack platforms` on hack/platforms.txt.
func readTargets(t *testing.T, root, version string) []target {
	t.Helper()
	cmd := exec.Command("go", "run", "./hack/distpack", "platforms",
		"-platforms", filepath.Join(root, "hack", "platforms.txt"), "-version", version)
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("distpack platforms: %v", err)
	}
	var targets []target
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) != 4 {
			t.Fatalf("distpack platforms printed %q; want GOOS GOARCH BIN ARCHIVE", line)
		}
		tg := target{platform{f[0], f[1]}, f[2], f[3]}
		// The names docs/release.md documents, checked here rather than taken
		// on distpack's word: .exe and .zip on Windows, .tar.gz elsewhere.
		bin, ext := "kubectl-projsecret", ".tar.gz"
		if tg.os == "windows" {
			bin, ext = "kubectl-projsecret.exe", ".zip"
		}
		if tg.bin != bin || tg.archive != fmt.Sprintf("kubectl-projsecret_%s_%s_%s%s", version, tg.os, tg.arch, ext) {
			t.Fatalf("distpack names %s/%s's binary %q and archive %q; want kubectl-projsecret[.exe] and kubectl-projsecret_VERSION_OS_ARCH.EXT",
				tg.os, tg.arch, tg.bin, tg.archive)
		}
		targets = append(targets, tg)
	}
	return targets
}

// deadProxy makes any HTTP(S) request fail at once instead of leaving the
// machine: nothing in these tests may need the network.
const deadProxy = "http://127.0.0.1:9"

// offlineEnv is a minimal environment: no inherited proxies, kubeconfig or
// Krew settings, and every outbound HTTP request refused.
func offlineEnv(home string, extra ...string) []string {
	env := []string{
		"HOME=" + home,
		"TMPDIR=" + filepath.Join(home, "tmp"),
		"KUBECONFIG=" + filepath.Join(home, "no-kubeconfig"),
		"KREW_NO_UPGRADE_CHECK=1",
		"HTTP_PROXY=" + deadProxy, "HTTPS_PROXY=" + deadProxy,
		"http_proxy=" + deadProxy, "https_proxy=" + deadProxy,
		"NO_PROXY=", "no_proxy=",
	}
	return append(env, extra...)
}

type result struct {
	out string
	err error
}

// run runs a command with a deadline: a step that hangs (say, on the
// network) fails the test instead of hanging CI.
func run(t *testing.T, timeout time.Duration, dir string, env []string, name string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.WaitDelay = 5 * time.Second
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	start := time.Now()
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%s %s: did not finish within %s (nothing here may wait on the network); output:\n%s",
			name, strings.Join(args, " "), timeout, out.String())
	}
	t.Logf("$ %s %s (%s)\n%s", filepath.Base(name), strings.Join(args, " "), time.Since(start).Round(time.Millisecond), indent(out.String()))
	return result{out.String(), err}
}

// mustRun is run that fails the test when the command fails.
func mustRun(t *testing.T, timeout time.Duration, dir string, env []string, name string, args ...string) string {
	t.Helper()
	r := run(t, timeout, dir, env, name, args...)
	if r.err != nil {
		t.Fatalf("%s %s: %v", filepath.Base(name), strings.Join(args, " "), r.err)
	}
	return r.out
}

func indent(s string) string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return "    (no output)"
	}
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}

// entry is one archive member as a user's tar or unzip would see it.
type entry struct {
	mode     int64
	uid, gid int
	mtime    time.Time
	data     []byte
}

func readArchive(path string) (map[string]entry, []string, error) {
	if strings.HasSuffix(path, ".zip") {
		return readZip(path)
	}
	return readTarGz(path)
}

func readTarGz(path string) (map[string]entry, []string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	entries := map[string]entry{}
	var order []string
	tr := tar.NewReader(gz)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return entries, order, nil
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
		if hdr.Typeflag != tar.TypeReg {
			return nil, nil, fmt.Errorf("%s: %s is not a regular file (type %c)", path, hdr.Name, hdr.Typeflag)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %s: %w", path, hdr.Name, err)
		}
		if hdr.Uname != "" || hdr.Gname != "" {
			return nil, nil, fmt.Errorf("%s: %s carries owner names %q/%q", path, hdr.Name, hdr.Uname, hdr.Gname)
		}
		entries[hdr.Name] = entry{hdr.Mode, hdr.Uid, hdr.Gid, hdr.ModTime.UTC(), data}
		order = append(order, hdr.Name)
	}
}

func readZip(path string) (map[string]entry, []string, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, nil, err
	}
	defer zr.Close()
	entries := map[string]entry{}
	var order []string
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %s: %w", path, zf.Name, err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %s: %w", path, zf.Name, err)
		}
		entries[zf.Name] = entry{int64(zf.Mode().Perm()), 0, 0, zf.Modified.UTC(), data}
		order = append(order, zf.Name)
	}
	return entries, order, nil
}

// binaryPlatform reads the target an executable was built for from its
// headers, so a mislabelled cross-compile cannot pass.
func binaryPlatform(b []byte) (platform, error) {
	r := bytes.NewReader(b)
	if f, err := elf.NewFile(r); err == nil {
		switch f.Machine {
		case elf.EM_X86_64:
			return platform{"linux", "amd64"}, nil
		case elf.EM_AARCH64:
			return platform{"linux", "arm64"}, nil
		}
		return platform{}, fmt.Errorf("ELF for machine %v", f.Machine)
	}
	if f, err := macho.NewFile(r); err == nil {
		switch f.Cpu {
		case macho.CpuAmd64:
			return platform{"darwin", "amd64"}, nil
		case macho.CpuArm64:
			return platform{"darwin", "arm64"}, nil
		}
		return platform{}, fmt.Errorf("Mach-O for CPU %v", f.Cpu)
	}
	if f, err := pe.NewFile(r); err == nil {
		if f.Machine == pe.IMAGE_FILE_MACHINE_AMD64 {
			return platform{"windows", "amd64"}, nil
		}
		return platform{}, fmt.Errorf("PE for machine %#x", f.Machine)
	}
	return platform{}, errors.New("not an ELF, Mach-O or PE executable")
}

// parseSums reads a sha256sum-style file into archive name -> hex sum.
func parseSums(b []byte) (map[string]string, error) {
	sums := map[string]string{}
	for _, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		sum, name, ok := strings.Cut(line, "  ")
		if !ok || len(sum) != 64 || name == "" {
			return nil, fmt.Errorf("checksums line %q: want \"<sha256>  <file>\"", line)
		}
		sums[name] = sum
	}
	return sums, nil
}
