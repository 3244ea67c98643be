//go:build integration

package integration

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/internal/testenv"
	"github.com/projsecret/projsecret/store"
	"github.com/projsecret/projsecret/webhook"
	"github.com/projsecret/projsecret/webhook/certs"
)

// TestWebhookClientCertificateAuth runs docs/webhook.md's client-certificate
// hardening on a control plane of its own (the shared one has no admission
// configuration): the webhook with --client-ca-name=ca.crt, as
// manifests/components/client-auth sets it, and a kube-apiserver started
// with the AdmissionConfiguration and kubeconfig that projsecret-certs
// --api-server-client writes. The API server's reviews are answered as
// usual; a client without a client certificate from the webhook's CA is
// refused at the TLS handshake, before any HTTP.
func TestWebhookClientCertificateAuth(t *testing.T) {
	ctx := context.Background()
	w := runWebhookBinary(t, filepath.Join(binDir, "projsecret-webhook"), "--client-ca-name="+certs.CAFile)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(w.Port))

	// projsecret-certs keeps its CA in --out-dir; given the webhook's, it
	// issues the API server's certificate from it, as it does for the
	// self-signed overlay. --api-server-dir is where the files are used.
	out := t.TempDir()
	if err := certs.WriteCA(out, w.CA); err != nil {
		t.Fatal(err)
	}
	certsBin, err := testenv.Build(binDir, "./cmd/projsecret-certs", testVersion)
	if err != nil {
		t.Fatal(err)
	}
	apiServerDir := filepath.Join(out, "apiserver")
	if b, err := runCmd(certsBin, "--out-dir", out, "--api-server-client", "--api-server-dir", apiServerDir, "--webhook-address", addr); err != nil {
		t.Fatalf("projsecret-certs --api-server-client: %v\n%s", err, b)
	}

	start := time.Now()
	cp, err := testenv.Start(t.TempDir(), testenv.APIServerFlag("admission-control-config-file", filepath.Join(apiServerDir, certs.AdmissionConfigFile)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := cp.Stop(); err != nil {
			t.Errorf("stopping the second control plane: %v", err)
		}
	})
	t.Logf("second control plane up in %s", time.Since(start).Round(time.Millisecond))
	if err := w.Register(ctx, cp.Clientset); err != nil {
		t.Fatalf("%v\n%s", err, w.logs)
	}

	t.Run("the API server's reviews are answered", func(t *testing.T) {
		ns, err := cp.Clientset.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "t-"}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		run := func(stdin []byte, args ...string) testenv.Result {
			t.Helper()
			res, err := testenv.Kubectl(ctx, binDir, cp.Kubeconfig, stdin, args...)
			if err != nil {
				t.Fatal(err)
			}
			return res
		}
		allowed := w.metric(t, reviewsOK)
		mustPass(t, run([]byte("s3cr3t-VALUE-auth"), "projsecret", "-n", ns.Name, "set", "authed", "API_KEY", "--stdin", "--create"))
		if _, err := cp.Clientset.CoreV1().Secrets(ns.Name).Get(ctx, projsecret.SecretName("authed"), metav1.GetOptions{}); err != nil {
			t.Fatalf("the allowed write is not stored: %v", err)
		}
		if got := w.metric(t, reviewsOK); got <= allowed {
			t.Errorf("webhook reviews answered %v -> %v: the write was not reviewed", allowed, got)
		}

		admin, err := store.WhoAmI(ctx, cp.Clientset, "")
		if err != nil {
			t.Fatal(err)
		}
		bad := secretManifest(t, ns.Name, "keys", admin, map[string]string{"bad.key": "s3cr3t-VALUE-bad"})
		mustBeDenied(t, run(asJSON(t, bad), "apply", "--server-side", "-f", "-"), `invalid key(s) "bad.key"`)
		// docs/webhook.md's check that the API server reaches the webhook.
		probe := &corev1.Secret{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
			ObjectMeta: metav1.ObjectMeta{Name: "proj-secrets-bad", Labels: map[string]string{projsecret.LabelProject: "bad"}},
			Data:       map[string][]byte{"bad.key": []byte("x")},
		}
		mustBeDenied(t, run(asJSON(t, probe), "-n", ns.Name, "apply", "--dry-run=server", "-f", "-"), `invalid key(s) "bad.key"`)
	})

	t.Run("clients without the CA's client certificate are refused at the handshake", func(t *testing.T) {
		other, err := certs.NewCA("not-the-webhooks-ca")
		if err != nil {
			t.Fatal(err)
		}
		foreign, err := other.IssueClient(certs.APIServerClientName, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		own, err := w.CA.IssueClient("any-client", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		// The webhook's own serving certificate is from the CA too, but
		// for server auth only.
		serving, err := tls.LoadX509KeyPair(filepath.Join(w.CertDir, certs.CertFile), filepath.Join(w.CertDir, certs.KeyFile))
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name string
			cert *tls.Certificate
			want string
		}{
			{"no client certificate", nil, "certificate required"},
			{"a certificate from another CA", keyPair(t, foreign), "unknown certificate authority"},
			{"the serving certificate", &serving, "bad certificate"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				status, err := postReview(addr, w.CA, tc.cert)
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("got HTTP %d, error %v; want the handshake refused with %q", status, err, tc.want)
				}
			})
		}
		// The same request with a client certificate from the CA reaches
		// HTTP: the refusals above are the certificate's doing.
		if status, err := postReview(addr, w.CA, keyPair(t, own)); err != nil || status == 0 {
			t.Errorf("with the CA's client certificate: HTTP %d, error %v; want an HTTP answer", status, err)
		}
	})

	w.Stop(t)
	w.checkLogs(t)
}

// postReview posts an empty JSON body to the webhook's review path over a
// fresh TLS connection that trusts ca and presents clientCert, and returns
// the HTTP status, or the error that kept the request from an answer.
func postReview(addr string, ca *certs.CA, clientCert *tls.Certificate) (int, error) {
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert)
	cfg := &tls.Config{RootCAs: roots}
	if clientCert != nil {
		// Sent whatever CAs the server asks for; crypto/tls would send
		// none for a certificate from a CA the server does not list.
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return clientCert, nil }
	}
	client := &http.Client{
		Timeout:   5 * time.Second,
		Transport: &http.Transport{TLSClientConfig: cfg, DisableKeepAlives: true},
	}
	resp, err := client.Post("https://"+addr+webhook.Path, "application/json", strings.NewReader("{}"))
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

func keyPair(t *testing.T, kp *certs.KeyPair) *tls.Certificate {
	t.Helper()
	c, err := tls.X509KeyPair(kp.CertPEM, kp.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return &c
}
