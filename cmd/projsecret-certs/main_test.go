package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunReusesTheCA(t *testing.T) {
	dir := t.TempDir()
	read := func(name string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if err := run([]string{"--out-dir", dir}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	ca, secret, patch := read("ca.crt"), read("webhook-tls.yaml"), read("cabundle-patch.yaml")
	for _, want := range []string{"kind: Secret", "name: projsecret-webhook-tls", "namespace: projsecret-system", "type: kubernetes.io/tls", "tls.key:"} {
		if !strings.Contains(secret, want) {
			t.Errorf("webhook-tls.yaml lacks %q", want)
		}
	}
	if !strings.Contains(patch, "path: /webhooks/0/clientConfig/caBundle") {
		t.Errorf("cabundle-patch.yaml: %s", patch)
	}

	if err := run([]string{"--out-dir", dir}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	if read("ca.crt") != ca || read("cabundle-patch.yaml") != patch {
		t.Error("a second run changed the CA: the caBundle would change on every rotation")
	}
	if read("webhook-tls.yaml") == secret {
		t.Error("a second run did not issue a new serving certificate")
	}

	if err := run([]string{"--out-dir", dir, "--new-ca"}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	if read("ca.crt") == ca {
		t.Error("--new-ca kept the CA")
	}

	if err := os.WriteFile(filepath.Join(dir, "ca.key"), []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := run([]string{"--out-dir", dir}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "--new-ca") {
		t.Errorf("unreadable CA: %v, want an error suggesting --new-ca", err)
	}
}
