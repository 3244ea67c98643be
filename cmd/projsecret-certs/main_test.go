package main

import (
	"crypto/x509"
	"encoding/pem"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/client-go/tools/clientcmd"

	"github.com/projsecret/projsecret/webhook/certs"
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

func TestRunAPIServerClient(t *testing.T) {
	dir := t.TempDir()
	if err := run([]string{"--out-dir", dir}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "apiserver")); !os.IsNotExist(err) {
		t.Errorf("without --api-server-client, apiserver/ exists: %v", err)
	}
	var out strings.Builder
	if err := run([]string{"--out-dir", dir, "--api-server-client", "--namespace", "sec", "--api-server-dir", "/srv/k8s/projsecret"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	ca, err := certs.ReadCA(dir)
	if err != nil {
		t.Fatal(err)
	}
	kc, err := clientcmd.LoadFromFile(filepath.Join(dir, "apiserver", certs.AdmissionKubeconfigFile))
	if err != nil {
		t.Fatal(err)
	}
	user := kc.AuthInfos["projsecret-webhook.sec.svc:443"]
	if user == nil || user.ClientCertificate != "/srv/k8s/projsecret/"+certs.APIServerCertFile {
		t.Errorf("kubeconfig users %v: want the Service's address in namespace sec, files in --api-server-dir", kc.AuthInfos)
	}
	certPEM, err := os.ReadFile(filepath.Join(dir, "apiserver", certs.APIServerCertFile))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(certPEM)
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	if _, err := cert.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("the API server's certificate is not a client certificate from the kept CA: %v", err)
	}
	if want := "--admission-control-config-file=/srv/k8s/projsecret/" + certs.AdmissionConfigFile; !strings.Contains(out.String(), want) {
		t.Errorf("output does not say %q: %s", want, out.String())
	}

	if err := run([]string{"--out-dir", dir, "--api-server-client", "--webhook-address", "10.0.0.5:9443"}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	if kc, err = clientcmd.LoadFromFile(filepath.Join(dir, "apiserver", certs.AdmissionKubeconfigFile)); err != nil || kc.AuthInfos["10.0.0.5:9443"] == nil {
		t.Errorf("--webhook-address: users %v, %v", kc.AuthInfos, err)
	}
	secret := read(t, dir, "webhook-tls.yaml")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--api-server-dir", "relative"}, `--api-server-dir="relative": expected an absolute path`},
		{[]string{"--webhook-address", "10.0.0.5"}, `--webhook-address="10.0.0.5": expected host:port`},
	} {
		err := run(append([]string{"--out-dir", dir, "--api-server-client"}, tc.args...), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want an error with %q", tc.args, err, tc.want)
		}
	}
	if read(t, dir, "webhook-tls.yaml") != secret {
		t.Error("a refused run issued a new serving certificate anyway")
	}
}

func read(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
