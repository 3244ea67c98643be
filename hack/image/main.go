// Command image builds, pushes and describes the webhook's container image
// with go-containerregistry, without a container engine or a Dockerfile:
// the static binaries the Makefile cross-compiles, each alone in one layer
// on an empty base, as one OCI index for every platform, written as an OCI
// image layout archive that two builds of one commit write byte for byte
// the same (docs/install.md).
//
//	image build -o OUT.oci.tar -name NAME -version V -revision SHA -source URL -created UNIX [-digest-file F] os/arch=BINARY...
//	image digest -archive OUT.oci.tar
//	image push -archive OUT.oci.tar -image REPOSITORY [-digest-file F]
//	image bundles -archive OUT.oci.tar -image REPOSITORY -manifests DIR -o DIR [-kubectl PATH]
//	image sbom -o OUT.spdx.json -version V -created UNIX BINARY
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"

	"github.com/projsecret/projsecret/internal/atomicfile"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
}

const usage = "usage: image build|digest|push|bundles|sbom [flags] (image <mode> -h lists the flags)"

// options is every flag of every mode; each mode validates the ones it
// reads.
type options struct {
	out, name, version, revision, source, digestFile string
	archive, image, manifests, kubectl               string
	created                                          int64
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	mode := args[0]
	var o options
	fs := flag.NewFlagSet(mode, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.out, "o", "", "file (build, sbom) or directory (bundles) to write")
	fs.StringVar(&o.name, "name", "", "image name without tag, recorded in the archive for containerd and kind")
	fs.StringVar(&o.version, "version", "", "the release version: the tag and the version annotation")
	fs.StringVar(&o.revision, "revision", "", "the full git commit the image is built from")
	fs.StringVar(&o.source, "source", "", "the source repository URL")
	fs.Int64Var(&o.created, "created", -1, "the commit time in unix seconds: every timestamp in the image")
	fs.StringVar(&o.digestFile, "digest-file", "", "also write the index digest (build) or the pushed reference (push) to this file")
	fs.StringVar(&o.archive, "archive", "", "the OCI image layout archive make image wrote")
	fs.StringVar(&o.image, "image", "", "repository to push to or to name in the bundles, without tag or digest")
	fs.StringVar(&o.manifests, "manifests", "manifests", "the kustomize tree to render the install bundles from")
	fs.StringVar(&o.kubectl, "kubectl", "kubectl", "kubectl, whose kustomize renders the bundles")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	required := func(names ...string) error {
		for _, n := range names {
			if fs.Lookup(n).Value.String() == "" {
				return fmt.Errorf("%s: -%s is required; %s", mode, n, usage)
			}
		}
		return nil
	}
	switch mode {
	case "build":
		if err := required("o", "name", "version", "revision", "source"); err != nil {
			return err
		}
		if o.created < 0 {
			return errors.New("build: -created is required (unix seconds: the commit time, or SOURCE_DATE_EPOCH)")
		}
		return o.build(fs.Args(), stdout)
	case "digest":
		if err := required("archive"); err != nil {
			return err
		}
		a, err := openArchive(o.archive)
		if err != nil {
			return err
		}
		defer a.remove()
		fmt.Fprintln(stdout, a.desc.Digest)
		return nil
	case "push":
		if err := required("archive", "image"); err != nil {
			return err
		}
		ref, err := push(ctx, o.archive, o.image, authn.DefaultKeychain)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, ref)
		if o.digestFile != "" {
			return writeFile(o.digestFile, []byte(ref.String()+"\n"))
		}
		return nil
	case "bundles":
		if err := required("archive", "image", "o"); err != nil {
			return err
		}
		return o.bundles(ctx, stdout)
	case "sbom":
		if err := required("o", "version"); err != nil {
			return err
		}
		if o.created < 0 || fs.NArg() != 1 {
			return errors.New("sbom: give -created UNIX and one binary")
		}
		return writeSBOM(o.out, fs.Arg(0), o.version, time.Unix(o.created, 0))
	default:
		return fmt.Errorf("unknown mode %q; %s", mode, usage)
	}
}

func (o options) build(args []string, stdout io.Writer) error {
	s := spec{
		entrypoint: "/projsecret-webhook",
		created:    time.Unix(o.created, 0).UTC(),
		source:     o.source, version: o.version, revision: o.revision,
		ports: []string{"9443", "8080", "8081"},
	}
	if _, err := name.NewTag(o.name+":"+o.version, name.StrictValidation); err != nil {
		return fmt.Errorf("build: -name %q with -version %q is not an image reference: %w", o.name, o.version, err)
	}
	for _, a := range args {
		b, err := parsePlatformBinary(a)
		if err != nil {
			return err
		}
		s.binaries = append(s.binaries, b)
	}
	idx, err := buildIndex(s)
	if err != nil {
		return err
	}
	if err := writeArchive(o.out, idx, o.name, o.version, s.created); err != nil {
		return err
	}
	digest, err := idx.Digest()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "image: %s %s\n", o.out, digest)
	if o.digestFile != "" {
		return writeFile(o.digestFile, []byte(digest.String()+"\n"))
	}
	return nil
}

func (o options) bundles(ctx context.Context, stdout io.Writer) error {
	a, err := openArchive(o.archive)
	if err != nil {
		return err
	}
	defer a.remove()
	digest, err := a.index.Digest()
	if err != nil {
		return err
	}
	m, err := a.index.IndexManifest()
	if err != nil {
		return err
	}
	repo, err := name.NewRepository(o.image, name.StrictValidation)
	if err != nil {
		return fmt.Errorf("bundles: -image %q: %w; expected a repository without tag or digest", o.image, err)
	}
	paths, err := renderBundles(ctx, o.kubectl, o.manifests, repo.Digest(digest.String()), m.Annotations[annotationVersion], o.out)
	if err != nil {
		return err
	}
	for _, p := range paths {
		fmt.Fprintf(stdout, "bundle: %s\n", p)
	}
	return nil
}

// writeFile writes data whole or not at all (atomicfile), making the
// directory first.
func writeFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return atomicfile.Write(path, data, 0o644)
}
