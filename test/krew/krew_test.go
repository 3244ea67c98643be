//go:build integration

// Package krew checks the release artifacts the way a release would use them:
// `make dist` twice gives identical archives, the rendered Krew manifest
// passes Krew's own validator, and Krew installs, lists, runs and uninstalls
// the plugin from the local archive with no network. Run with `make test-krew`,
// which builds Krew and its validator into bin/tools first.
package krew

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/projsecret/projsecret/internal/reference"
)

// testVersion is stamped into the test release; Krew needs a semantic
// version, and the default v0.0.0-dev would not prove the stamping works.
const testVersion = "v0.0.0-krewtest"

const releaseURL = "https://github.com/projsecret/projsecret/releases/download/"

// manifest is the part of a Krew plugin manifest these tests read.
type manifest struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		Version          string `json:"version"`
		Homepage         string `json:"homepage"`
		ShortDescription string `json:"shortDescription"`
		Description      string `json:"description"`
		Caveats          string `json:"caveats"`
		Platforms        []struct {
			Selector struct {
				MatchLabels map[string]string `json:"matchLabels"`
			} `json:"selector"`
			URI    string `json:"uri"`
			Sha256 string `json:"sha256"`
			Bin    string `json:"bin"`
			Files  []struct {
				From string `json:"from"`
				To   string `json:"to"`
			} `json:"files"`
		} `json:"platforms"`
	} `json:"spec"`
}

func readManifest(t *testing.T, path string) manifest {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	if err := yaml.UnmarshalStrict(b, &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

type suite struct {
	root, tools, kubectl string
	commit               string
	commitTime           time.Time
	work                 string
	dist                 string   // the release under test
	manifest             string   // its rendered manifest
	targets              []target // hack/platforms.txt, named by distpack
}

func TestKrew(t *testing.T) {
	s := setup(t)
	for _, step := range []struct {
		name string
		fn   func(*testing.T)
	}{
		{"dist is reproducible", s.distIsReproducible},
		{"archives hold binary, LICENSE, README and completion helper", s.archiveContents},
		{"manifest is rendered from the archives", s.renderManifest},
		{"committed manifest is rendered from the template", s.committedManifest},
		{"validate-krew-manifest passes", s.validate},
		{"offline krew install, list, run, uninstall", s.installOffline},
	} {
		// Each step needs the one before it.
		if !t.Run(step.name, step.fn) {
			t.FailNow()
		}
	}
}

func setup(t *testing.T) *suite {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	s := &suite{root: root, work: t.TempDir()}
	s.tools = os.Getenv("KREW_TOOLS")
	if s.tools == "" {
		s.tools = filepath.Join(root, "bin", "tools")
	}
	for _, tool := range []string{"krew", "validate-krew-manifest"} {
		if _, err := os.Stat(filepath.Join(s.tools, tool)); err != nil {
			t.Fatalf("%s is not built (%v); run `make test-krew`, which builds it into bin/tools", tool, err)
		}
	}
	if s.kubectl, err = exec.LookPath("kubectl"); err != nil {
		t.Fatalf("kubectl is needed to run Krew as a kubectl plugin: %v", err)
	}
	git := func(args ...string) string {
		out, err := exec.Command("git", append([]string{"-C", root}, args...)...).Output()
		if err != nil {
			t.Fatalf("git %s: %v", strings.Join(args, " "), err)
		}
		return strings.TrimSpace(string(out))
	}
	s.commit = git("rev-parse", "--short", "HEAD")
	unix, err := strconv.ParseInt(git("log", "-1", "--format=%ct"), 10, 64)
	if err != nil {
		t.Fatalf("commit time: %v", err)
	}
	s.commitTime = time.Unix(unix, 0).UTC()
	s.targets = readTargets(t, root, testVersion)
	// installOffline installs the linux/amd64 archive, on this machine.
	if _, ok := s.target(platform{"linux", "amd64"}); !ok {
		t.Fatalf("hack/platforms.txt lists %v; want linux/amd64 among them", s.targets)
	}
	s.dist = filepath.Join(s.work, "dist")
	s.manifest = filepath.Join(s.work, "manifest", "projsecret.yaml")
	return s
}

func (s *suite) target(p platform) (target, bool) {
	i := slices.IndexFunc(s.targets, func(tg target) bool { return tg.platform == p })
	if i < 0 {
		return target{}, false
	}
	return s.targets[i], true
}

// makeEnv is the caller's environment minus make's own variables: the nested
// make must not think it is part of the outer one's job server.
func makeEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		switch strings.SplitN(kv, "=", 2)[0] {
		case "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "VERSION", "COMMIT", "DIST", "SOURCE_DATE_EPOCH":
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}

func (s *suite) makeDist(t *testing.T, dist, umask string) []byte {
	t.Helper()
	// A different umask must not change a byte: archive modes are normalised.
	// The timestamp is pinned to the commit read in setup, so a commit landing
	// between the two runs cannot split them. Cold, the five cross-compiles
	// take a while on a small machine.
	env := makeEnv(fmt.Sprintf("SOURCE_DATE_EPOCH=%d", s.commitTime.Unix()))
	mustRun(t, 60*time.Minute, s.root, env, "bash", "-c",
		fmt.Sprintf("umask %s && exec make --no-print-directory dist VERSION=%s COMMIT=%s DIST=%s",
			umask, testVersion, s.commit, dist))
	sums, err := os.ReadFile(filepath.Join(dist, "kubectl-projsecret_"+testVersion+"_checksums.txt"))
	if err != nil {
		t.Fatalf("make dist wrote no checksums file: %v", err)
	}
	return sums
}

func (s *suite) distIsReproducible(t *testing.T) {
	first := s.makeDist(t, s.dist, "022")
	second := s.makeDist(t, filepath.Join(s.work, "dist-again"), "077")
	if !bytes.Equal(first, second) {
		t.Fatalf("two `make dist` runs of the same commit differ:\nfirst:\n%s\nsecond:\n%s", first, second)
	}
	sums, err := parseSums(first)
	if err != nil {
		t.Fatal(err)
	}
	if len(sums) != len(s.targets) {
		t.Errorf("checksums file lists %d archives; want %d:\n%s", len(sums), len(s.targets), first)
	}
	for _, p := range s.targets {
		name := p.archive
		b, err := os.ReadFile(filepath.Join(s.dist, name))
		if err != nil {
			t.Errorf("archive for %s/%s: %v", p.os, p.arch, err)
			continue
		}
		got := sha256.Sum256(b)
		if hex.EncodeToString(got[:]) != sums[name] {
			t.Errorf("%s: checksums file says %s, file hashes to %x", name, sums[name], got)
		}
	}
	t.Logf("identical checksums from both runs:\n%s", first)
}

func (s *suite) archiveContents(t *testing.T) {
	want := map[string][]byte{}
	for _, f := range []string{"LICENSE", "README.md", "plugin/kubectl_complete-projsecret"} {
		b, err := os.ReadFile(filepath.Join(s.root, f))
		if err != nil {
			t.Fatal(err)
		}
		want[filepath.Base(f)] = b
	}
	// The man pages are what the command tree says, dated with the commit.
	man := t.TempDir()
	if err := reference.ManPages(man, s.commitTime); err != nil {
		t.Fatal(err)
	}
	pages, err := filepath.Glob(filepath.Join(man, "*.1"))
	if err != nil || len(pages) < 20 {
		t.Fatalf("the command tree gives %d man pages (%v); want one per command", len(pages), err)
	}
	for _, p := range pages {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		want["man/"+filepath.Base(p)] = b
	}
	for _, p := range s.targets {
		t.Run(p.os+"/"+p.arch, func(t *testing.T) {
			entries, order, err := readArchive(filepath.Join(s.dist, p.archive))
			if err != nil {
				t.Fatal(err)
			}
			wantNames := []string{"LICENSE", "README.md", p.bin, "kubectl_complete-projsecret"}
			for name := range want {
				if strings.HasPrefix(name, "man/") {
					wantNames = append(wantNames, name)
				}
			}
			if len(order) != len(wantNames) {
				t.Errorf("archive holds %q; want exactly %q", order, wantNames)
			}
			for i := 1; i < len(order); i++ {
				if order[i-1] >= order[i] {
					t.Errorf("entries not sorted by name: %q", order)
				}
			}
			for _, name := range wantNames {
				e, ok := entries[name]
				if !ok {
					t.Errorf("archive lacks %s", name)
					continue
				}
				wantMode := int64(0o644)
				if name == p.bin || name == "kubectl_complete-projsecret" {
					wantMode = 0o755
				}
				if e.mode != wantMode || e.uid != 0 || e.gid != 0 || !e.mtime.Equal(s.commitTime) {
					t.Errorf("%s: mode %o owner %d/%d time %v; want mode %o owner 0/0 time %v (the commit time)",
						name, e.mode, e.uid, e.gid, e.mtime, wantMode, s.commitTime)
				}
				if w, ok := want[name]; ok && !bytes.Equal(e.data, w) {
					t.Errorf("%s differs from the repository's copy", name)
				}
			}
			bin := entries[p.bin].data
			got, err := binaryPlatform(bin)
			if err != nil || got != p.platform {
				t.Errorf("%s is built for %v (%v); want %v", p.bin, got, err, p.platform)
			}
			if !bytes.Contains(bin, []byte(testVersion)) {
				t.Errorf("%s does not carry the stamped version %s", p.bin, testVersion)
			}
		})
	}
}

func (s *suite) renderManifest(t *testing.T) {
	mustRun(t, time.Minute, s.root, makeEnv(), "make", "--no-print-directory", "krew-manifest",
		"VERSION="+testVersion, "DIST="+s.dist, "KREW_MANIFEST="+s.manifest)
	sumsFile, err := os.ReadFile(filepath.Join(s.dist, "kubectl-projsecret_"+testVersion+"_checksums.txt"))
	if err != nil {
		t.Fatal(err)
	}
	sums, err := parseSums(sumsFile)
	if err != nil {
		t.Fatal(err)
	}
	m := readManifest(t, s.manifest)
	if m.Metadata.Name != "projsecret" || m.Spec.Version != testVersion {
		t.Errorf("manifest names plugin %q version %q; want projsecret %s", m.Metadata.Name, m.Spec.Version, testVersion)
	}
	if m.Spec.Homepage == "" || m.Spec.ShortDescription == "" || m.Spec.Description == "" {
		t.Errorf("manifest lacks homepage, shortDescription or description: %+v", m.Spec)
	}
	if !strings.Contains(m.Spec.Caveats, "kubectl_complete-projsecret") {
		t.Errorf("caveats do not say how to put the completion helper on PATH:\n%s", m.Spec.Caveats)
	}
	if len(m.Spec.Platforms) != len(s.targets) {
		t.Fatalf("manifest has %d platforms; want %d", len(m.Spec.Platforms), len(s.targets))
	}
	for i, p := range s.targets {
		got := m.Spec.Platforms[i]
		name := p.archive
		if sel := got.Selector.MatchLabels; len(sel) != 2 || sel["os"] != p.os || sel["arch"] != p.arch {
			t.Errorf("platform %d selects %v; want os=%s arch=%s", i, sel, p.os, p.arch)
		}
		if wantURI := releaseURL + testVersion + "/" + name; got.URI != wantURI {
			t.Errorf("platform %d uri %s; want %s", i, got.URI, wantURI)
		}
		if got.Sha256 != sums[name] {
			t.Errorf("platform %d sha256 %s; the archive's is %s", i, got.Sha256, sums[name])
		}
		if got.Bin != p.bin {
			t.Errorf("platform %d bin %q; want %q", i, got.Bin, p.bin)
		}
		var from []string
		for _, f := range got.Files {
			from = append(from, f.From)
		}
		if strings.Join(from, " ") != p.bin+" kubectl_complete-projsecret LICENSE" {
			t.Errorf("platform %d files from %q; want the binary, the completion helper and LICENSE", i, from)
		}
	}
}

// committedManifest checks krew/projsecret.yaml is what the current template
// renders for its own version and checksums, so hand edits and template
// changes that were never rendered both fail.
func (s *suite) committedManifest(t *testing.T) {
	committed := filepath.Join(s.root, "krew", "projsecret.yaml")
	m := readManifest(t, committed)
	var sums strings.Builder
	for _, p := range m.Spec.Platforms {
		fmt.Fprintf(&sums, "%s  %s\n", p.Sha256, filepath.Base(p.URI))
	}
	sumsFile := filepath.Join(s.work, "committed-sums.txt")
	if err := os.WriteFile(sumsFile, []byte(sums.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	rerendered := filepath.Join(s.work, "rerendered", "projsecret.yaml")
	mustRun(t, time.Minute, s.root, makeEnv(), "make", "--no-print-directory", "krew-manifest",
		"VERSION="+m.Spec.Version, "SUMS="+sumsFile, "KREW_MANIFEST="+rerendered)
	want, err := os.ReadFile(rerendered)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(committed)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("krew/projsecret.yaml is not what krew/projsecret.yaml.tmpl renders for %s; run `make dist krew-manifest VERSION=%s`",
			m.Spec.Version, m.Spec.Version)
	}
	// Its archives are on GitHub, not here: structure only.
	mustRun(t, time.Minute, s.root, offlineEnv(s.home(t), "PATH="+filepath.Dir(s.kubectl)),
		filepath.Join(s.tools, "validate-krew-manifest"), "-manifest", committed, "-skip-install")
}

// home is a fresh, empty HOME for one step.
func (s *suite) home(t *testing.T) string {
	t.Helper()
	home, err := os.MkdirTemp(s.work, "home-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(home, "tmp"), 0o755); err != nil {
		t.Fatal(err)
	}
	return home
}

// validate runs Krew's validator in full, including its install of every
// platform. It installs with `kubectl krew install --manifest`, which would
// download the manifest's URIs; the kubectl-krew it finds on PATH adds
// --archive with the matching local archive instead, and Krew still checks
// that archive against the manifest's sha256.
func (s *suite) validate(t *testing.T) {
	shimDir := filepath.Join(s.work, "validator-path")
	if err := os.MkdirAll(shimDir, 0o755); err != nil {
		t.Fatal(err)
	}
	shim := fmt.Sprintf(`#!/bin/sh
set -eu
ext=tar.gz
if [ "$KREW_OS" = windows ]; then ext=zip; fi
export KREW_NO_UPGRADE_CHECK=1 HTTP_PROXY=%[1]s HTTPS_PROXY=%[1]s http_proxy=%[1]s https_proxy=%[1]s
exec %[2]q "$@" --archive=%[3]q/kubectl-projsecret_%[4]s_"$KREW_OS"_"$KREW_ARCH".$ext
`, deadProxy, filepath.Join(s.tools, "krew"), s.dist, testVersion)
	if err := os.WriteFile(filepath.Join(shimDir, "kubectl-krew"), []byte(shim), 0o755); err != nil {
		t.Fatal(err)
	}
	out := mustRun(t, 5*time.Minute, s.root,
		offlineEnv(s.home(t), "PATH="+shimDir+string(os.PathListSeparator)+filepath.Dir(s.kubectl)),
		filepath.Join(s.tools, "validate-krew-manifest"), "-manifest", s.manifest)
	if want := fmt.Sprintf("all %d spec.platforms installed fine", len(s.targets)); !strings.Contains(out, want) {
		t.Errorf("validator output lacks %q", want)
	}
}

func (s *suite) installOffline(t *testing.T) {
	home := s.home(t)
	krewRoot := filepath.Join(home, ".krew")
	// Krew's list and uninstall refuse to run unless every index is a git
	// clone; an empty one means there is nothing to update or fetch.
	if err := os.MkdirAll(filepath.Join(krewRoot, "index", "default", ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	// kubectl finds Krew as the kubectl-krew plugin, and the installed plugin
	// through Krew's bin folder; userBin stands for ~/.local/bin.
	krewPath := filepath.Join(home, "krew-path")
	userBin := filepath.Join(home, "user-bin")
	for _, d := range []string{krewPath, userBin} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(s.tools, "krew"), filepath.Join(krewPath, "kubectl-krew")); err != nil {
		t.Fatal(err)
	}
	path := strings.Join([]string{krewPath, filepath.Join(krewRoot, "bin"), userBin, filepath.Dir(s.kubectl)},
		string(os.PathListSeparator))
	env := offlineEnv(home, "KREW_ROOT="+krewRoot, "PATH="+path)
	kubectl := func(args ...string) result { return run(t, 2*time.Minute, home, env, s.kubectl, args...) }
	mustKubectl := func(args ...string) string { return mustRun(t, 2*time.Minute, home, env, s.kubectl, args...) }

	// Before: nothing on this PATH answers to "kubectl projsecret".
	if r := kubectl("projsecret", "version"); r.err == nil || strings.Contains(r.out, testVersion) {
		t.Fatalf("kubectl projsecret runs before Krew installed it; the PATH is not isolated")
	}

	linux, _ := s.target(platform{"linux", "amd64"})
	archive := filepath.Join(s.dist, linux.archive)
	out := mustKubectl("krew", "install", "--manifest="+s.manifest, "--archive="+archive)
	for _, want := range []string{"Installed plugin: projsecret", "kubectl_complete-projsecret"} {
		if !strings.Contains(out, want) {
			t.Errorf("krew install output lacks %q", want)
		}
	}

	store := filepath.Join(krewRoot, "store", "projsecret", testVersion)
	link := filepath.Join(krewRoot, "bin", "kubectl-projsecret")
	receipt := filepath.Join(krewRoot, "receipts", "projsecret.yaml")
	if target, err := os.Readlink(link); err != nil || target != filepath.Join(store, "kubectl-projsecret") {
		t.Errorf("Krew's bin link %s -> %q (%v); want the binary in %s", link, target, err, store)
	}
	for _, f := range []string{"kubectl-projsecret", "kubectl_complete-projsecret", "LICENSE", receipt} {
		if !filepath.IsAbs(f) {
			f = filepath.Join(store, f)
		}
		if _, err := os.Stat(f); err != nil {
			t.Errorf("after install: %v", err)
		}
	}

	if out := mustKubectl("projsecret", "version"); !strings.Contains(out, " "+testVersion+" ") || !strings.Contains(out, "commit "+s.commit) {
		t.Errorf("kubectl projsecret version printed %q; want version %s and commit %s", out, testVersion, s.commit)
	}
	if out := mustKubectl("krew", "list"); !containsLine(out, "detached/projsecret") {
		t.Errorf("kubectl krew list does not show projsecret (installed from a local manifest, so detached/projsecret)")
	}

	// docs/install.md's completion step: put the helper on PATH, then kubectl
	// completes the plugin's commands through it.
	helper, err := os.ReadFile(filepath.Join(store, "kubectl_complete-projsecret"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(userBin, "kubectl_complete-projsecret"), helper, 0o755); err != nil {
		t.Fatal(err)
	}
	if out := mustKubectl("__complete", "projsecret", ""); !containsLine(strings.ReplaceAll(out, "\t", "\n"), "version") {
		t.Errorf("kubectl does not complete the plugin's commands through the helper; got:\n%s", out)
	}

	out = mustKubectl("krew", "uninstall", "projsecret")
	if !strings.Contains(out, "Uninstalled plugin: projsecret") {
		t.Errorf("krew uninstall output lacks the confirmation")
	}
	for _, f := range []string{link, filepath.Dir(store), receipt} {
		if _, err := os.Lstat(f); !os.IsNotExist(err) {
			t.Errorf("after uninstall %s is still there (%v)", f, err)
		}
	}
	if out := mustKubectl("krew", "list"); strings.Contains(out, "projsecret") {
		t.Errorf("kubectl krew list still shows projsecret after uninstall")
	}
	if r := kubectl("projsecret", "version"); r.err == nil {
		t.Errorf("kubectl projsecret still runs after uninstall")
	}
}

func containsLine(out, want string) bool {
	for _, line := range strings.Split(out, "\n") {
		if strings.TrimSpace(line) == want {
			return true
		}
	}
	return false
}
