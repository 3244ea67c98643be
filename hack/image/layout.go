package main

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/projsecret/projsecret/internal/atomicfile"
)

// The names the archive's index.json gives the image: the OCI ref name
// (skopeo's and podman's oci-archive:FILE:REF) and the full name containerd
// imports it as (ctr images import, kind load image-archive).
const (
	annotationRefName        = "org.opencontainers.image.ref.name"
	annotationContainerdName = "io.containerd.image.name"
)

// writeArchive writes idx as an OCI image layout packed in a tar file: the
// layout is written by go-containerregistry's layout package into a
// temporary directory, then packed with fixed headers (sorted entries,
// root-owned, modes 0755/0644, every time mtime), so that the archive's
// bytes, not only the index digest, are the same on every build. index.json
// holds one descriptor, the index, named name:tag.
func writeArchive(out string, idx v1.ImageIndex, name, tag string, mtime time.Time) error {
	dir, err := os.MkdirTemp("", "projsecret-image-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return fmt.Errorf("writing the OCI layout: %w", err)
	}
	if err := p.AppendIndex(idx, layout.WithAnnotations(map[string]string{
		annotationRefName:        tag,
		annotationContainerdName: name + ":" + tag,
	})); err != nil {
		return fmt.Errorf("writing the OCI layout: %w", err)
	}
	var buf bytes.Buffer
	if err := packDir(&buf, dir, mtime); err != nil {
		return fmt.Errorf("packing the OCI layout: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	return atomicfile.Write(out, buf.Bytes(), 0o644)
}

// packDir tars the tree under dir; filepath.WalkDir visits it in lexical
// order, which is what makes the entry order fixed.
func packDir(w io.Writer, dir string, mtime time.Time) error {
	tw := tar.NewWriter(w)
	mtime = mtime.UTC().Truncate(time.Second)
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || path == dir {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		h := &tar.Header{Name: filepath.ToSlash(rel), ModTime: mtime, Format: tar.FormatPAX}
		switch {
		case d.IsDir():
			h.Typeflag, h.Name, h.Mode = tar.TypeDir, h.Name+"/", 0o755
			return tw.WriteHeader(h)
		case d.Type().IsRegular():
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			h.Typeflag, h.Mode, h.Size = tar.TypeReg, 0o644, int64(len(data))
			if err := tw.WriteHeader(h); err != nil {
				return err
			}
			_, err = tw.Write(data)
			return err
		default:
			return fmt.Errorf("%s is neither a file nor a directory", rel)
		}
	})
	if err != nil {
		return err
	}
	return tw.Close()
}

// archive is an OCI layout archive unpacked for reading; remove deletes it.
type archive struct {
	dir   string
	index v1.ImageIndex
	// desc is index.json's descriptor of the index, with its names.
	desc v1.Descriptor
}

func (a *archive) remove() { os.RemoveAll(a.dir) }

// maxArchiveEntry bounds what one file of an archive may unpack to, far
// above the image's binary, so a corrupt archive cannot fill the disk.
const maxArchiveEntry = 1 << 30

// openArchive unpacks an archive written by writeArchive (or any OCI layout
// tar whose index.json names one image index) and opens its index.
func openArchive(path string) (*archive, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dir, err := os.MkdirTemp("", "projsecret-image-")
	if err != nil {
		return nil, err
	}
	a := &archive{dir: dir}
	if err := unpack(f, dir); err != nil {
		a.remove()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := verifyBlobs(dir); err != nil {
		a.remove()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := a.open(); err != nil {
		a.remove()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}

func (a *archive) open() error {
	p, err := layout.FromPath(a.dir)
	if err != nil {
		return fmt.Errorf("not an OCI image layout: %w", err)
	}
	root, err := p.ImageIndex()
	if err != nil {
		return fmt.Errorf("reading index.json: %w", err)
	}
	m, err := root.IndexManifest()
	if err != nil {
		return fmt.Errorf("reading index.json: %w", err)
	}
	if len(m.Manifests) != 1 || m.Manifests[0].MediaType != types.OCIImageIndex {
		return fmt.Errorf("index.json lists %d descriptors; want one image index (what make image writes)", len(m.Manifests))
	}
	a.desc = m.Manifests[0]
	a.index, err = root.ImageIndex(a.desc.Digest)
	if err != nil {
		return fmt.Errorf("reading the image index %s: %w", a.desc.Digest, err)
	}
	return nil
}

// verifyBlobs checks every blob under blobs/sha256 against its name: what
// the digests promise is what the files hold (go-containerregistry's
// validate recomputes a config's digest from the file itself, so a changed
// config of the same size would pass it).
func verifyBlobs(dir string) error {
	blobs := filepath.Join(dir, "blobs", "sha256")
	entries, err := os.ReadDir(blobs)
	if err != nil {
		return fmt.Errorf("not an OCI image layout: %w", err)
	}
	for _, e := range entries {
		f, err := os.Open(filepath.Join(blobs, e.Name()))
		if err != nil {
			return err
		}
		h, _, err := v1.SHA256(f)
		f.Close()
		if err != nil {
			return err
		}
		if h.Hex != e.Name() {
			return fmt.Errorf("blob %s holds content with digest %s: the archive is corrupt", e.Name(), h)
		}
	}
	return nil
}

func unpack(r io.Reader, dir string) error {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		name := filepath.FromSlash(strings.TrimSuffix(h.Name, "/"))
		if !filepath.IsLocal(name) {
			return fmt.Errorf("entry %q leaves the archive", h.Name)
		}
		target := filepath.Join(dir, name)
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0o700); err != nil {
				return err
			}
		case tar.TypeReg:
			if h.Size > maxArchiveEntry {
				return fmt.Errorf("entry %q is %d bytes, more than an image blob of ours can be", h.Name, h.Size)
			}
			if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
				return err
			}
			if err := writeEntry(target, tr); err != nil {
				return err
			}
		default:
			return fmt.Errorf("entry %q is neither a file nor a directory", h.Name)
		}
	}
}

func writeEntry(target string, r io.Reader) error {
	out, err := os.OpenFile(target, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, r); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
