package main

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// The image runs as this numeric user and group: the Deployment's
// runAsUser, and no name to look up (the image has no /etc/passwd).
const nonRoot = 65532

// OCI annotation keys (image-spec annotations.md) the image carries on its
// index and on each platform's manifest.
const (
	annotationSource   = "org.opencontainers.image.source"
	annotationVersion  = "org.opencontainers.image.version"
	annotationRevision = "org.opencontainers.image.revision"
	annotationCreated  = "org.opencontainers.image.created"
)

// platformBinary is one platform of the image and the static binary built
// for it.
type platformBinary struct {
	platform v1.Platform
	path     string
}

// parsePlatformBinary reads os/arch=path, as the Makefile passes it.
func parsePlatformBinary(arg string) (platformBinary, error) {
	plat, path, ok := strings.Cut(arg, "=")
	goos, goarch, ok2 := strings.Cut(plat, "/")
	if !ok || !ok2 || path == "" || goos == "" || goarch == "" || strings.Contains(goarch, "/") {
		return platformBinary{}, fmt.Errorf("binary argument %q: expected os/arch=path, e.g. linux/amd64=bin/image/linux-amd64/projsecret-webhook", arg)
	}
	if goos != "linux" {
		return platformBinary{}, fmt.Errorf("binary argument %q: the image runs on linux only, not %s", arg, goos)
	}
	p := v1.Platform{OS: goos, Architecture: goarch}
	// The variant the Go build targets (GOARM64=v8.0), so a node picks
	// the image by the usual platform string linux/arm64/v8.
	if goarch == "arm64" {
		p.Variant = "v8"
	}
	return platformBinary{platform: p, path: path}, nil
}

// spec is everything an image is made from; two equal specs over the same
// binaries give the same index digest.
type spec struct {
	// entrypoint is the binary's absolute path inside the image.
	entrypoint string
	binaries   []platformBinary
	// created is the commit time: the layer's file times, the config's
	// and history's created, and the created annotation.
	created                   time.Time
	source, version, revision string
	// ports the binary listens on (webhook, metrics, probes), recorded
	// in the config as documentation, as EXPOSE would.
	ports []string
}

func (s spec) annotations() map[string]string {
	return map[string]string{
		annotationSource:   s.source,
		annotationVersion:  s.version,
		annotationRevision: s.revision,
		annotationCreated:  s.created.UTC().Format(time.RFC3339),
	}
}

// buildIndex makes one image per platform, each a single layer holding only
// the binary on an empty base, and the OCI index over them.
func buildIndex(s spec) (v1.ImageIndex, error) {
	if len(s.binaries) == 0 {
		return nil, errors.New("no binaries: give at least one os/arch=path")
	}
	seen := map[string]bool{}
	var idx v1.ImageIndex = mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, b := range s.binaries {
		if seen[b.platform.String()] {
			return nil, fmt.Errorf("platform %s is given twice", b.platform.String())
		}
		seen[b.platform.String()] = true
		img, err := buildImage(s, b)
		if err != nil {
			return nil, fmt.Errorf("image for %s: %w", b.platform.String(), err)
		}
		plat := b.platform
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &plat}})
	}
	return mutate.Annotations(idx, s.annotations()).(v1.ImageIndex), nil
}

func buildImage(s spec, b platformBinary) (v1.Image, error) {
	bin, err := os.ReadFile(b.path)
	if err != nil {
		return nil, err
	}
	layerTar, err := binaryLayer(s.entrypoint, bin, s.created)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerTar)), nil
	}, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, err
	}
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	created := v1.Time{Time: s.created.UTC()}
	img, err = mutate.Append(img, mutate.Addendum{
		Layer:     layer,
		MediaType: types.OCILayer,
		History:   v1.History{Created: created, CreatedBy: "hack/image build", Comment: "the static " + s.entrypoint + " binary"},
	})
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Variant = b.platform.OS, b.platform.Architecture, b.platform.Variant
	cf.Created = created
	cf.Config = v1.Config{
		User:       fmt.Sprintf("%d:%d", nonRoot, nonRoot),
		Entrypoint: []string{s.entrypoint},
		WorkingDir: "/",
		Labels:     s.annotations(),
	}
	if len(s.ports) > 0 {
		cf.Config.ExposedPorts = map[string]struct{}{}
		for _, p := range s.ports {
			cf.Config.ExposedPorts[p+"/tcp"] = struct{}{}
		}
	}
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		return nil, err
	}
	return mutate.Annotations(img, s.annotations()).(v1.Image), nil
}

// binaryLayer is the layer's tar: the binary at path (absolute) and its
// parent directories, with headers that depend on nothing but the inputs:
// root-owned with no names, fixed modes, every time the commit time, in
// one order. The binary is root-owned and not writable by the user the
// image runs as.
func binaryLayer(path string, bin []byte, mtime time.Time) ([]byte, error) {
	if !strings.HasPrefix(path, "/") || strings.Contains(path, "..") || strings.HasSuffix(path, "/") {
		return nil, fmt.Errorf("entrypoint %q must be an absolute file path", path)
	}
	rel := strings.TrimPrefix(path, "/")
	var dirs []string
	for d := rel; strings.Contains(d, "/"); {
		d = d[:strings.LastIndex(d, "/")]
		dirs = append(dirs, d+"/")
	}
	sort.Strings(dirs)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	mtime = mtime.UTC().Truncate(time.Second)
	for _, d := range dirs {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d, Mode: 0o755, ModTime: mtime, Format: tar.FormatUSTAR}); err != nil {
			return nil, err
		}
	}
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: rel, Mode: 0o755, Size: int64(len(bin)), ModTime: mtime, Format: tar.FormatUSTAR}); err != nil {
		return nil, err
	}
	if _, err := tw.Write(bin); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
