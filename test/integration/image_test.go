//go:build integration

package integration

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/projsecret/projsecret/internal/testenv"
	"github.com/projsecret/projsecret/store"
	"github.com/projsecret/projsecret/webhook"
)

// The image is read here with the standard library alone, as the OCI
// image-layout and image specs define it, not with go-containerregistry,
// which wrote it: the test checks the archive, not the library's reading
// of its own output.
type ociDescriptor struct {
	MediaType   string            `json:"mediaType"`
	Digest      string            `json:"digest"`
	Size        int64             `json:"size"`
	Annotations map[string]string `json:"annotations"`
	Platform    *struct {
		OS           string `json:"os"`
		Architecture string `json:"architecture"`
		Variant      string `json:"variant"`
	} `json:"platform"`
}

type ociIndex struct {
	MediaType   string            `json:"mediaType"`
	Manifests   []ociDescriptor   `json:"manifests"`
	Annotations map[string]string `json:"annotations"`
}

type ociManifest struct {
	MediaType   string            `json:"mediaType"`
	Config      ociDescriptor     `json:"config"`
	Layers      []ociDescriptor   `json:"layers"`
	Annotations map[string]string `json:"annotations"`
}

type ociConfig struct {
	OS           string `json:"os"`
	Architecture string `json:"architecture"`
	Created      string `json:"created"`
	Config       struct {
		User       string   `json:"User"`
		Entrypoint []string `json:"Entrypoint"`
		Cmd        []string `json:"Cmd"`
		Env        []string `json:"Env"`
	} `json:"config"`
}

// ociArchive is an OCI image layout tar, read whole into memory.
type ociArchive struct {
	files map[string][]byte
}

func readOCIArchive(t *testing.T, file string) *ociArchive {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	a := &ociArchive{files: map[string][]byte{}}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return a
		}
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if h.Typeflag == tar.TypeReg {
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			a.files[h.Name] = b
		}
	}
}

// blob is the content of desc, checked against its digest and size.
func (a *ociArchive) blob(t *testing.T, desc ociDescriptor) []byte {
	t.Helper()
	hexDigest, ok := strings.CutPrefix(desc.Digest, "sha256:")
	b, found := a.files["blobs/sha256/"+hexDigest]
	if !ok || !found {
		t.Fatalf("no blob %s in the archive", desc.Digest)
	}
	sum := sha256.Sum256(b)
	if hex.EncodeToString(sum[:]) != hexDigest || int64(len(b)) != desc.Size {
		t.Fatalf("blob %s does not match its digest or size", desc.Digest)
	}
	return b
}

func decodeJSON(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

// image is one platform of the archive: its manifest, config and the files
// of its layers by name.
type image struct {
	platform string
	manifest ociManifest
	config   ociConfig
	files    map[string]*tarFile
}

type tarFile struct {
	header *tar.Header
	data   []byte
}

// images returns index.json's one image index, its descriptor, and every
// platform's image.
func (a *ociArchive) images(t *testing.T) (ociDescriptor, ociIndex, []image) {
	t.Helper()
	var top ociIndex
	decodeJSON(t, a.files["index.json"], &top)
	if len(top.Manifests) != 1 || top.Manifests[0].MediaType != "application/vnd.oci.image.index.v1+json" {
		t.Fatalf("index.json lists %+v; want one OCI image index", top.Manifests)
	}
	desc := top.Manifests[0]
	var idx ociIndex
	decodeJSON(t, a.blob(t, desc), &idx)
	var imgs []image
	for _, m := range idx.Manifests {
		if m.Platform == nil {
			t.Fatalf("manifest %s has no platform", m.Digest)
		}
		img := image{platform: m.Platform.OS + "/" + m.Platform.Architecture, files: map[string]*tarFile{}}
		decodeJSON(t, a.blob(t, m), &img.manifest)
		decodeJSON(t, a.blob(t, img.manifest.Config), &img.config)
		for _, l := range img.manifest.Layers {
			if l.MediaType != "application/vnd.oci.image.layer.v1.tar+gzip" {
				t.Fatalf("%s: layer media type %s", img.platform, l.MediaType)
			}
			gz, err := gzip.NewReader(bytes.NewReader(a.blob(t, l)))
			if err != nil {
				t.Fatal(err)
			}
			tr := tar.NewReader(gz)
			for {
				h, err := tr.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				data, err := io.ReadAll(tr)
				if err != nil {
					t.Fatal(err)
				}
				img.files[path.Clean("/"+h.Name)] = &tarFile{h, data}
			}
		}
		imgs = append(imgs, img)
	}
	return desc, idx, imgs
}

// builtImage is the archive make image wrote: the one make test-integration
// passes in PROJSECRET_IMAGE_ARCHIVE, or, when the test is run by hand, one
// built here the same way.
func builtImage(t *testing.T) string {
	t.Helper()
	if archive := os.Getenv("PROJSECRET_IMAGE_ARCHIVE"); archive != "" {
		return archive
	}
	dist := t.TempDir()
	makeImage(t, dist, testVersion)
	return filepath.Join(dist, "projsecret-webhook-"+testVersion+".oci.tar")
}

// makeImage runs make image into dist, outside any outer make's job server.
func makeImage(t *testing.T, dist, version string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "make", "--no-print-directory", "image", "DIST="+dist, "VERSION="+version)
	cmd.Dir = testenv.RepoRoot()
	for _, kv := range os.Environ() {
		switch k, _, _ := strings.Cut(kv, "="); k {
		case "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "VERSION", "DIST", "SOURCE_DATE_EPOCH", "IMAGE_ARCHIVE":
		default:
			cmd.Env = append(cmd.Env, kv)
		}
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make image: %v\n%s", err, out)
	}
}

func gitOutput(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = testenv.RepoRoot()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git %v: %v", args, err)
	}
	return strings.TrimSpace(string(out))
}

// shells are the names of shells and multi-call binaries that would give an
// attacker in the container a shell.
var shells = []string{"sh", "bash", "ash", "dash", "zsh", "busybox", "toybox"}

// TestImage: the archive make image wrote holds one index for linux/amd64
// and linux/arm64, each image nothing but the static webhook binary,
// running as 65532, with the OCI annotations; its linux/amd64 binary serves
// as the webhook on the real API server; and a second make image of the
// same commit gives the same index digest.
func TestImage(t *testing.T) {
	archive := builtImage(t)
	a := readOCIArchive(t, archive)
	desc, idx, imgs := a.images(t)

	version := idx.Annotations["org.opencontainers.image.version"]
	commitTime, err := strconv.ParseInt(gitOutput(t, "log", "-1", "--format=%ct"), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"org.opencontainers.image.source":   "https://github.com/projsecret/projsecret",
		"org.opencontainers.image.revision": gitOutput(t, "rev-parse", "HEAD"),
		"org.opencontainers.image.created":  time.Unix(commitTime, 0).UTC().Format(time.RFC3339),
	}
	for k, v := range want {
		if idx.Annotations[k] != v {
			t.Errorf("index annotation %s = %q, want %q", k, idx.Annotations[k], v)
		}
	}
	if version == "" || desc.Annotations["org.opencontainers.image.ref.name"] != version ||
		!strings.HasSuffix(desc.Annotations["io.containerd.image.name"], "/projsecret-webhook:"+version) {
		t.Errorf("version %q; index.json names the image %v", version, desc.Annotations)
	}

	var platforms []string
	var amd64 []byte
	for _, img := range imgs {
		platforms = append(platforms, img.platform)
		for k, v := range idx.Annotations {
			if img.manifest.Annotations[k] != v {
				t.Errorf("%s: manifest annotation %s = %q, the index says %q", img.platform, k, img.manifest.Annotations[k], v)
			}
		}
		c := img.config
		if c.OS+"/"+c.Architecture != img.platform || c.Created != want["org.opencontainers.image.created"] {
			t.Errorf("%s: config for %s/%s created %s", img.platform, c.OS, c.Architecture, c.Created)
		}
		if c.Config.User != "65532:65532" || !slices.Equal(c.Config.Entrypoint, []string{"/projsecret-webhook"}) || len(c.Config.Cmd) != 0 {
			t.Errorf("%s: user %q entrypoint %q cmd %q; want 65532:65532 running /projsecret-webhook", img.platform, c.Config.User, c.Config.Entrypoint, c.Config.Cmd)
		}
		for name, f := range img.files {
			if slices.Contains(shells, path.Base(name)) {
				t.Errorf("%s: the image has a shell, %s", img.platform, name)
			}
			if f.header.Typeflag == tar.TypeReg && name != "/projsecret-webhook" {
				t.Errorf("%s: the image holds %s besides the webhook", img.platform, name)
			}
		}
		bin := img.files["/projsecret-webhook"]
		if bin == nil {
			t.Fatalf("%s: no /projsecret-webhook in the layers", img.platform)
		}
		if h := bin.header; h.Mode != 0o755 || h.Uid != 0 || h.Gid != 0 || h.ModTime.Unix() != commitTime {
			t.Errorf("%s: binary mode %o owner %d:%d time %s", img.platform, h.Mode, h.Uid, h.Gid, h.ModTime)
		}
		checkStaticELF(t, img.platform, bin.data)
		if img.platform == "linux/amd64" {
			amd64 = bin.data
		}
	}
	if !slices.Equal(platforms, []string{"linux/amd64", "linux/arm64"}) {
		t.Fatalf("the index lists %v, want linux/amd64 and linux/arm64", platforms)
	}

	t.Run("the image's binary is the webhook", func(t *testing.T) {
		bin := filepath.Join(t.TempDir(), "projsecret-webhook")
		if err := os.WriteFile(bin, amd64, 0o755); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(bin, "--version").Output()
		if err != nil || !strings.HasPrefix(string(out), "projsecret-webhook "+version+" ") {
			t.Errorf("--version printed %q (%v), want version %s", out, err, version)
		}
		startWebhookBinary(t, bin)
		ns := namespace(t)
		mustSucceed(t, []byte("s3cr3t-VALUE-image"), "-n", ns, "create", "imaged", "api-token", "--stdin")
		if s := secret(t, ns, "imaged"); string(s.Data["api-token"]) != "s3cr3t-VALUE-image" {
			t.Error("the allowed write did not store the value")
		}
		admin, err := store.WhoAmI(context.Background(), env.Clientset, "")
		if err != nil {
			t.Fatal(err)
		}
		bad := secretManifest(t, ns, "imaged-bad", admin, map[string]string{"bad.key": "s3cr3t-VALUE-x"})
		mustBeDenied(t, kubectl(t, asJSON(t, bad), "apply", "--server-side", "-f", "-"), `invalid key(s) "bad.key"`)
	})

	t.Run("a second build gives the same index", func(t *testing.T) {
		dist := t.TempDir()
		makeImage(t, dist, version)
		again, err := os.ReadFile(filepath.Join(dist, "projsecret-webhook-"+version+".digest"))
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimSpace(string(again)); got != desc.Digest {
			t.Errorf("the second make image of this commit gave index %s, the first %s", got, desc.Digest)
		}
	})
}

// checkStaticELF: a Linux executable for the platform with no interpreter,
// so it needs nothing from the (empty) base.
func checkStaticELF(t *testing.T, platform string, b []byte) {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: the binary is not ELF: %v", platform, err)
	}
	machine := map[string]elf.Machine{"linux/amd64": elf.EM_X86_64, "linux/arm64": elf.EM_AARCH64}[platform]
	if f.Machine != machine || f.Type != elf.ET_EXEC {
		t.Errorf("%s: ELF machine %s type %s", platform, f.Machine, f.Type)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("%s: the binary is dynamically linked", platform)
		}
	}
}

// TestInstallBundles: the bundles make release renders name the image by
// the archive's digest, and the API server accepts them (server-side dry
// run); the self-signed one with the certificate projsecret-certs makes,
// put together as docs/install.md shows.
func TestInstallBundles(t *testing.T) {
	archive := builtImage(t)
	desc, _, _ := readOCIArchive(t, archive).images(t)
	const repo = "registry.example.com/platform/projsecret-webhook"
	pinned := repo + "@" + desc.Digest
	out := t.TempDir()
	cmd := exec.Command("go", "run", "./hack/image", "bundles", "-archive", archive, "-image", repo, "-manifests", "manifests", "-o", out)
	cmd.Dir = testenv.RepoRoot()
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("image bundles: %v\n%s", err, b)
	}
	read := func(name string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "image: "+pinned+"\n") {
			t.Errorf("%s does not name %s", name, pinned)
		}
		return string(b)
	}
	applyNamespace(t)

	t.Run("cert-manager", func(t *testing.T) {
		builtin, certManager := splitCertManager(t, read("projsecret-webhook-cert-manager.yaml"))
		if certManager["Certificate"] != 2 {
			t.Errorf("cert-manager objects %v", certManager)
		}
		dryRunBuiltin(t, builtin)
	})

	t.Run("self-signed", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "projsecret-webhook-self-signed.yaml"), []byte(read("projsecret-webhook-self-signed.yaml")), 0o644); err != nil {
			t.Fatal(err)
		}
		certsBin, err := testenv.Build(binDir, "./cmd/projsecret-certs", testVersion)
		if err != nil {
			t.Fatal(err)
		}
		if out, err := runCmd(certsBin, "--out-dir", filepath.Join(dir, "certs")); err != nil {
			t.Fatalf("projsecret-certs: %v\n%s", err, out)
		}
		// The kustomization docs/install.md has the installer write.
		kustomization := `resources:
  - projsecret-webhook-self-signed.yaml
  - certs/webhook-tls.yaml
patches:
  - path: certs/cabundle-patch.yaml
    target:
      kind: ValidatingWebhookConfiguration
      name: projsecret-webhook
`
		if err := os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte(kustomization), 0o644); err != nil {
			t.Fatal(err)
		}
		rendered := kubectl(t, nil, "kustomize", dir)
		mustPass(t, rendered)
		if !strings.Contains(rendered.Stdout, "caBundle: ") || !strings.Contains(rendered.Stdout, "image: "+pinned) {
			t.Errorf("the self-signed install lacks the caBundle or the pinned image:\n%s", rendered.Stdout)
		}
		res := dryRunApply(t, nil, "-k", dir)
		for _, want := range []string{"secret/" + webhook.TLSSecretName, "deployment.apps/projsecret-webhook", "validatingwebhookconfiguration.admissionregistration.k8s.io/" + webhook.ConfigurationName} {
			if !strings.Contains(res.Stdout, want+" ") {
				t.Errorf("dry run did not cover %s:\n%s", want, res.Stdout)
			}
		}
	})
}
