package main

import (
	"context"
	"fmt"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

// push sends the archive's index, both platforms' manifests, configs and
// layers to repo, tags the index with the version it was built as, and
// returns the reference by digest that the install bundles name.
// Credentials come from the docker config and its credential helpers
// (authn.DefaultKeychain), as docker, crane and ko read them; the release
// workflow logs in before calling it.
func push(ctx context.Context, archivePath, repo string, keychain authn.Keychain, opts ...remote.Option) (name.Digest, error) {
	a, err := openArchive(archivePath)
	if err != nil {
		return name.Digest{}, err
	}
	defer a.remove()
	// Every blob is checked against its digest before anything is sent:
	// a corrupt archive must not become a published image.
	if err := validate.Index(a.index); err != nil {
		return name.Digest{}, fmt.Errorf("%s does not hold a valid image: %w", archivePath, err)
	}
	r, err := name.NewRepository(repo, name.StrictValidation)
	if err != nil {
		return name.Digest{}, fmt.Errorf("IMAGE=%q: %w; expected a repository without tag or digest, e.g. ghcr.io/projsecret/projsecret-webhook", repo, err)
	}
	m, err := a.index.IndexManifest()
	if err != nil {
		return name.Digest{}, err
	}
	version := m.Annotations[annotationVersion]
	tag, err := name.NewTag(r.Name()+":"+version, name.StrictValidation)
	if err != nil {
		return name.Digest{}, fmt.Errorf("the image's version %q cannot be a tag: %w", version, err)
	}
	digest, err := a.index.Digest()
	if err != nil {
		return name.Digest{}, err
	}
	opts = append([]remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(keychain), remote.WithUserAgent("projsecret-image")}, opts...)
	if err := remote.WriteIndex(tag, a.index, opts...); err != nil {
		return name.Digest{}, fmt.Errorf("pushing %s: %w", tag, err)
	}
	return r.Digest(digest.String()), nil
}
