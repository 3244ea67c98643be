package certs

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/yaml"
)

func TestServiceAddress(t *testing.T) {
	if got := ServiceAddress("projsecret-webhook", "projsecret-system"); got != "projsecret-webhook.projsecret-system.svc:443" {
		t.Errorf("ServiceAddress = %q", got)
	}
}

// TestWriteAPIServerClient: the files name each other by their paths on
// the API server's host, the kubeconfig has one user, named for the
// webhook's address, and the certificate is a client certificate from the
// CA; the key alone is private.
func TestWriteAPIServerClient(t *testing.T) {
	ca, err := NewCA("test")
	if err != nil {
		t.Fatal(err)
	}
	kp, err := ca.IssueClient(APIServerClientName, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "apiserver")
	const hostDir = "/etc/kubernetes/pki/projsecret"
	const address = "projsecret-webhook.projsecret-system.svc:443"
	if err := WriteAPIServerClient(dir, hostDir, address, kp); err != nil {
		t.Fatal(err)
	}
	modes := map[string]os.FileMode{APIServerKeyFile: 0o600, APIServerCertFile: 0o644, AdmissionKubeconfigFile: 0o644, AdmissionConfigFile: 0o644}
	for name, want := range modes {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s has mode %v, want %v", name, fi.Mode().Perm(), want)
		}
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("dir mode: %v %v, want 0700", fi, err)
	}

	var admission admissionConfiguration
	b, err := os.ReadFile(filepath.Join(dir, AdmissionConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(b, &admission); err != nil {
		t.Fatal(err)
	}
	if admission.APIVersion != "apiserver.config.k8s.io/v1" || admission.Kind != "AdmissionConfiguration" || len(admission.Plugins) != 1 ||
		admission.Plugins[0].Name != "ValidatingAdmissionWebhook" || admission.Plugins[0].Configuration.Kind != "WebhookAdmissionConfiguration" ||
		admission.Plugins[0].Configuration.KubeConfigFile != filepath.Join(hostDir, AdmissionKubeconfigFile) {
		t.Errorf("admission configuration:\n%s", b)
	}

	kc, err := clientcmd.LoadFromFile(filepath.Join(dir, AdmissionKubeconfigFile))
	if err != nil {
		t.Fatal(err)
	}
	user, ok := kc.AuthInfos[address]
	if len(kc.AuthInfos) != 1 || !ok || kc.CurrentContext != "" {
		t.Fatalf("kubeconfig users %v, current context %q: want only %q, so no other webhook is sent the certificate", kc.AuthInfos, kc.CurrentContext, address)
	}
	if user.ClientCertificate != filepath.Join(hostDir, APIServerCertFile) || user.ClientKey != filepath.Join(hostDir, APIServerKeyFile) ||
		len(user.ClientCertificateData) != 0 || len(user.ClientKeyData) != 0 {
		t.Errorf("kubeconfig user %+v, want the files in %s by path", user, hostDir)
	}

	certPEM, err := os.ReadFile(filepath.Join(dir, APIServerCertFile))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(certPEM)
	if block == nil {
		t.Fatal("certificate is not PEM")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	if _, err := cert.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("the API server's certificate does not verify as a client of the CA: %v", err)
	}
}

func TestAdmissionFilesErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"address without a port", errOf(AdmissionKubeconfig("webhook.svc", "/c", "/k")), `webhook address "webhook.svc": expected host:port`},
		{"relative certificate", errOf(AdmissionKubeconfig("webhook.svc:443", "c.crt", "/k")), "expected absolute paths"},
		{"relative kubeconfig", errOf(AdmissionConfiguration("kubeconfig.yaml")), "requires an absolute path"},
		{"relative host dir", WriteAPIServerClient(t.TempDir(), "pki/projsecret", "webhook.svc:443", &KeyPair{}), "expected absolute paths"},
	} {
		if tc.err == nil || !strings.Contains(tc.err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error with %q", tc.name, tc.err, tc.want)
		}
	}
}

func errOf(_ []byte, err error) error { return err }
