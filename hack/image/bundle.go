package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// bundle is one install bundle: a kustomization under manifests/ rendered
// into one file.
type bundle struct {
	// overlay names the bundle (projsecret-webhook-<overlay>.yaml).
	overlay string
	// from is the kustomization it renders, relative to manifests/.
	from string
	// header says what the bundle needs before it is applied.
	header string
}

// bundles are the release's install bundles. The self-signed one is
// rendered from the base: overlays/self-signed adds a TLS Secret with its
// private key and the CA made by projsecret-certs on the installing side,
// and a release must never ship a private key that every cluster would
// then share. The installer makes them and applies them next to it
// (docs/install.md).
var bundles = []bundle{
	{overlay: "cert-manager", from: "overlays/cert-manager", header: "# Needs cert-manager (its CRDs and CA injector) installed first.\n"},
	{overlay: "self-signed", from: "base", header: "# Holds no certificate: make one with projsecret-certs and apply its\n" +
		"# webhook-tls.yaml and cabundle-patch.yaml as docs/install.md shows.\n"},
}

func bundleFile(overlay string) string { return "projsecret-webhook-" + overlay + ".yaml" }

// renderBundles renders every bundle from the manifests in dir with
// kubectl's kustomize, with the webhook image set to ref (by digest), into
// outDir. The manifests are copied first, so that nothing is written into
// the tree and a generated/ left by make webhook-certs is never read.
func renderBundles(ctx context.Context, kubectl, dir string, ref name.Digest, version, outDir string) ([]string, error) {
	work, err := os.MkdirTemp("", "projsecret-bundle-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	manifests := filepath.Join(work, "manifests")
	if err := os.CopyFS(manifests, os.DirFS(dir)); err != nil {
		return nil, fmt.Errorf("copying %s: %w", dir, err)
	}
	if err := os.RemoveAll(filepath.Join(manifests, "overlays", "self-signed", "generated")); err != nil {
		return nil, err
	}
	baseName, err := baseImageName(filepath.Join(manifests, "base", "kustomization.yaml"))
	if err != nil {
		return nil, err
	}
	var written []string
	for _, b := range bundles {
		kdir := filepath.Join(manifests, "release", b.overlay)
		k, err := yaml.Marshal(map[string]any{
			"apiVersion": "kustomize.config.k8s.io/v1beta1",
			"kind":       "Kustomization",
			"resources":  []string{filepath.ToSlash(filepath.Join("..", "..", b.from))},
			"images":     []map[string]string{{"name": baseName, "newName": ref.Context().Name(), "digest": ref.DigestStr()}},
		})
		if err != nil {
			return nil, err
		}
		if err := os.MkdirAll(kdir, 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(kdir, "kustomization.yaml"), k, 0o644); err != nil {
			return nil, err
		}
		var out, stderr bytes.Buffer
		cmd := exec.CommandContext(ctx, kubectl, "kustomize", kdir)
		cmd.Stdout, cmd.Stderr = &out, &stderr
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("kubectl kustomize %s: %w: %s", b.from, err, strings.TrimSpace(stderr.String()))
		}
		if err := checkImages(out.Bytes(), ref.String()); err != nil {
			return nil, fmt.Errorf("bundle %s: %w", b.overlay, err)
		}
		header := fmt.Sprintf("# projsecret-webhook %s, manifests/%s rendered with kubectl kustomize,\n# the image pinned by digest: %s\n%s", version, b.from, ref.String(), b.header)
		path := filepath.Join(outDir, bundleFile(b.overlay))
		if err := writeFile(path, append([]byte(header), out.Bytes()...)); err != nil {
			return nil, err
		}
		written = append(written, path)
	}
	return written, nil
}

// baseImageName is the image name manifests/base sets for the webhook's
// placeholder image, which the release then replaces.
func baseImageName(path string) (string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	var k struct {
		Images []struct {
			Name    string `json:"name"`
			NewName string `json:"newName"`
		} `json:"images"`
	}
	if err := yaml.Unmarshal(raw, &k); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	for _, img := range k.Images {
		if img.Name == "projsecret-webhook" {
			if img.NewName != "" {
				return img.NewName, nil
			}
			return img.Name, nil
		}
	}
	return "", fmt.Errorf("%s has no images: entry for projsecret-webhook", path)
}

type container struct {
	Image string `json:"image"`
}

// checkImages: every container image in the rendered YAML is want, so a
// bundle never names a tag or an image the release did not build.
func checkImages(rendered []byte, want string) error {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(rendered), 4096)
	found := 0
	for {
		var obj struct {
			Kind string `json:"kind"`
			Spec struct {
				Template struct {
					Spec struct {
						Containers     []container `json:"containers"`
						InitContainers []container `json:"initContainers"`
					} `json:"spec"`
				} `json:"template"`
			} `json:"spec"`
		}
		if err := dec.Decode(&obj); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return err
		}
		for _, c := range append(obj.Spec.Template.Spec.Containers, obj.Spec.Template.Spec.InitContainers...) {
			if c.Image != want {
				return fmt.Errorf("%s names image %q, want %q", obj.Kind, c.Image, want)
			}
			found++
		}
	}
	if found == 0 {
		return errors.New("no container image rendered")
	}
	return nil
}
