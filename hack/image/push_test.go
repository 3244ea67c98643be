package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Credentials of the test registry; the password must never show in an
// error.
const (
	registryUser     = "release-bot"
	registryPassword = "s3cr3t-registry-password"
)

// testRegistry is go-containerregistry's in-process registry behind Basic
// auth, counting the requests that reach it.
func testRegistry(t *testing.T) (host string, requests *atomic.Int64) {
	t.Helper()
	requests = &atomic.Int64{}
	reg := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte(registryUser+":"+registryPassword))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		if r.Header.Get("Authorization") != want {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		reg.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://"), requests
}

// dockerConfig points DOCKER_CONFIG (and HOME, so no real config is read)
// at a config.json holding auth for host, as `docker login` writes it.
func dockerConfig(t *testing.T, host, user, password string) {
	t.Helper()
	dir := t.TempDir()
	auth := base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
	cfg := fmt.Sprintf(`{"auths":{%q:{"auth":%q}}}`, host, auth)
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HOME", t.TempDir())
	t.Setenv("DOCKER_CONFIG", dir)
}

func TestPushRoundTrip(t *testing.T) {
	host, _ := testRegistry(t)
	dockerConfig(t, host, registryUser, registryPassword)
	path, built := testArchive(t, t.TempDir(), "image.oci.tar")
	ctx := context.Background()

	ref, err := push(ctx, path, host+"/projsecret/projsecret-webhook", authn.DefaultKeychain)
	if err != nil {
		t.Fatal(err)
	}
	if ref.DigestStr() != mustDigest(t, built).String() {
		t.Errorf("pushed %s, built %s", ref, mustDigest(t, built))
	}
	auth := remote.WithAuthFromKeychain(authn.DefaultKeychain)

	// Pulled back by digest: the same index bytes, both platforms, and
	// each platform's manifest, config and layer byte for byte.
	pulled, err := remote.Index(ref, auth)
	if err != nil {
		t.Fatal(err)
	}
	sameBytes(t, "index", built.RawManifest, pulled.RawManifest)
	m, err := pulled.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	var platforms []string
	for _, desc := range m.Manifests {
		platforms = append(platforms, desc.Platform.String())
		want, err := built.Image(desc.Digest)
		if err != nil {
			t.Fatal(err)
		}
		got, err := remote.Image(ref.Context().Digest(desc.Digest.String()), auth)
		if err != nil {
			t.Fatalf("%s: %v", desc.Platform, err)
		}
		sameBytes(t, desc.Platform.String()+" manifest", want.RawManifest, got.RawManifest)
		sameBytes(t, desc.Platform.String()+" config", want.RawConfigFile, got.RawConfigFile)
		sameBytes(t, desc.Platform.String()+" layer", layerBytes(t, want), layerBytes(t, got))
	}
	if !slices.Equal(platforms, []string{"linux/amd64", "linux/arm64/v8"}) {
		t.Errorf("pulled platforms %v", platforms)
	}

	// The version tag names the same index.
	tagged, err := remote.Head(ref.Context().Tag("v1.2.3"), auth)
	if err != nil {
		t.Fatal(err)
	}
	if tagged.Digest.String() != ref.DigestStr() {
		t.Errorf("tag v1.2.3 is %s, pushed %s", tagged.Digest, ref.DigestStr())
	}
}

func sameBytes(t *testing.T, what string, want, got func() ([]byte, error)) {
	t.Helper()
	w, err := want()
	if err != nil {
		t.Fatal(err)
	}
	g, err := got()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(w, g) {
		t.Errorf("%s: pulled %d bytes differ from the %d built", what, len(g), len(w))
	}
}

func layerBytes(t *testing.T, img v1.Image) func() ([]byte, error) {
	return func() ([]byte, error) {
		layers, err := img.Layers()
		if err != nil || len(layers) != 1 {
			t.Fatalf("layers %d: %v", len(layers), err)
		}
		rc, err := layers[0].Compressed()
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		return io.ReadAll(rc)
	}
}

func TestPushRefusesBadInputBeforeSending(t *testing.T) {
	host, requests := testRegistry(t)
	dockerConfig(t, host, registryUser, registryPassword)
	dir := t.TempDir()
	path, _ := testArchive(t, dir, "image.oci.tar")
	ctx := context.Background()

	for _, repo := range []string{host + "/webhook:v1", host + "/webhook@sha256:" + strings.Repeat("0", 64), "UPPER/case"} {
		if _, err := push(ctx, path, repo, authn.DefaultKeychain); err == nil || !strings.Contains(err.Error(), "without tag or digest") {
			t.Errorf("IMAGE=%s: %v, want a repository-only error", repo, err)
		}
	}

	// A blob changed after the build: the digests no longer match.
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	corrupt := bytes.Replace(raw, []byte("binary for linux/amd64"), []byte("BINARY for linux/amd64"), 1)
	if bytes.Equal(corrupt, raw) {
		// The layer is compressed; change a config instead.
		corrupt = bytes.Replace(raw, []byte(`"65532:65532"`), []byte(`"0:0"        `), 1)
	}
	if bytes.Equal(corrupt, raw) {
		t.Fatal("found nothing to corrupt in the archive")
	}
	bad := filepath.Join(dir, "corrupt.oci.tar")
	if err := os.WriteFile(bad, corrupt, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := push(ctx, bad, host+"/webhook", authn.DefaultKeychain); err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Errorf("corrupt archive: %v, want a validation error", err)
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("%d requests reached the registry for refused input", n)
	}
}

func TestPushWrongCredentials(t *testing.T) {
	host, _ := testRegistry(t)
	dockerConfig(t, host, registryUser, "wrong-password")
	path, _ := testArchive(t, t.TempDir(), "image.oci.tar")
	_, err := push(context.Background(), path, host+"/webhook", authn.DefaultKeychain)
	if err == nil {
		t.Fatal("pushed with the wrong password")
	}
	if strings.Contains(err.Error(), "wrong-password") || strings.Contains(err.Error(), base64.StdEncoding.EncodeToString([]byte(registryUser+":wrong-password"))) {
		t.Errorf("the error shows the credentials: %v", err)
	}
}
