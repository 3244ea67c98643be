package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
)

// The bundles are rendered by the real kubectl on the machine, as make
// release renders them; test/integration applies them to a real API server.
func TestRenderBundlesPinsTheImageByDigest(t *testing.T) {
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Fatalf("kubectl renders the bundles and is a prerequisite of the build (README): %v", err)
	}
	// A generated/ with a private key, as make webhook-certs leaves it,
	// must not reach a bundle.
	manifests := filepath.Join(t.TempDir(), "manifests")
	if err := os.CopyFS(manifests, os.DirFS(filepath.Join("..", "..", "manifests"))); err != nil {
		t.Fatal(err)
	}
	gen := filepath.Join(manifests, "overlays", "self-signed", "generated")
	if err := os.MkdirAll(gen, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(gen, "webhook-tls.yaml"), []byte("kind: Secret\ndata:\n  tls.key: UFJJVkFURS1LRVk=\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	ref, err := name.NewDigest("registry.example.com/team/projsecret-webhook@sha256:" + strings.Repeat("ab", 32))
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	paths, err := renderBundles(context.Background(), kubectl, manifests, ref, "v1.2.3", out)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 2 || filepath.Base(paths[0]) != "projsecret-webhook-cert-manager.yaml" || filepath.Base(paths[1]) != "projsecret-webhook-self-signed.yaml" {
		t.Fatalf("wrote %v", paths)
	}
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		text := string(raw)
		if !strings.Contains(text, "image: "+ref.String()+"\n") || strings.Contains(text, ":latest") {
			t.Errorf("%s does not name the image by digest alone:\n%s", p, text)
		}
		if strings.Contains(text, "tls.key") || strings.Contains(text, "UFJJVkFURS1LRVk=") || strings.Contains(text, "kind: Secret\n") {
			t.Errorf("%s holds a Secret or a key", p)
		}
		if !strings.HasPrefix(text, "# projsecret-webhook v1.2.3, manifests/") {
			t.Errorf("%s starts %q", p, text[:60])
		}
		for _, kind := range []string{"Namespace", "Deployment", "Service", "ValidatingWebhookConfiguration", "NetworkPolicy", "PodDisruptionBudget"} {
			if !strings.Contains(text, "kind: "+kind+"\n") {
				t.Errorf("%s lacks the %s", p, kind)
			}
		}
	}
	if cm, _ := os.ReadFile(paths[0]); !strings.Contains(string(cm), "kind: Certificate\n") || !strings.Contains(string(cm), "cert-manager.io/inject-ca-from") {
		t.Error("the cert-manager bundle lacks its Certificate or CA injection")
	}
}

func TestCheckImages(t *testing.T) {
	const want = "r.example/w@sha256:" + "00"
	deployment := func(image string) string {
		return "kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n      - name: w\n        image: " + image + "\n"
	}
	if err := checkImages([]byte(deployment(want)+"---\nkind: Service\n"), want); err != nil {
		t.Errorf("pinned bundle: %v", err)
	}
	for _, bad := range []string{deployment("r.example/w:latest"), "kind: Service\n"} {
		if err := checkImages([]byte(bad), want); err == nil {
			t.Errorf("accepted:\n%s", bad)
		}
	}
}
