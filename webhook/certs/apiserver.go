package certs

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/yaml"

	"github.com/projsecret/projsecret/internal/atomicfile"
)

// Files that configure kube-apiserver to present a client certificate to
// the webhook (docs/webhook.md, "Hardening"), as projsecret-certs
// --api-server-client writes them.
const (
	APIServerCertFile       = "apiserver-client.crt"
	APIServerKeyFile        = "apiserver-client.key"
	AdmissionKubeconfigFile = "admission-kubeconfig.yaml"
	AdmissionConfigFile     = "admission-configuration.yaml"
	// APIServerClientName is the common name of the API server's client
	// certificate (the webhook checks the issuer only).
	APIServerClientName = "projsecret-apiserver-client"
)

// ServiceAddress is the host:port the API server looks up in an admission
// kubeconfig for a webhook it reaches through a Service on port 443.
func ServiceAddress(service, namespace string) string {
	return net.JoinHostPort(service+"."+namespace+".svc", strconv.Itoa(443))
}

// AdmissionKubeconfig is the kubeconfig an AdmissionConfiguration names:
// one user entry, named for the webhook's address (the API server matches
// the host:port it calls, so no other webhook is sent the certificate),
// with the client certificate and key read from certFile and keyFile on
// the API server's host. Paths rather than embedded data, because
// client-go reloads file-based client certificates when they change.
func AdmissionKubeconfig(webhookAddress, certFile, keyFile string) ([]byte, error) {
	if _, _, err := net.SplitHostPort(webhookAddress); err != nil {
		return nil, fmt.Errorf("webhook address %q: expected host:port: %w", webhookAddress, err)
	}
	if !filepath.IsAbs(certFile) || !filepath.IsAbs(keyFile) {
		return nil, fmt.Errorf("client certificate %q and key %q: expected absolute paths on the API server's host", certFile, keyFile)
	}
	cfg := clientcmdapi.NewConfig()
	cfg.AuthInfos[webhookAddress] = &clientcmdapi.AuthInfo{ClientCertificate: certFile, ClientKey: keyFile}
	b, err := clientcmd.Write(*cfg)
	if err != nil {
		return nil, fmt.Errorf("rendering the admission kubeconfig: %w", err)
	}
	return b, nil
}

// admissionConfiguration and its parts are the fields of kube-apiserver's
// apiserver.config.k8s.io/v1 AdmissionConfiguration and
// WebhookAdmissionConfiguration this needs; the types live in
// k8s.io/apiserver, a module the project does not otherwise need. The
// integration test has a real kube-apiserver read what this renders.
type admissionConfiguration struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Plugins    []admissionPlugin `json:"plugins"`
}

type admissionPlugin struct {
	Name          string                 `json:"name"`
	Configuration webhookAdmissionConfig `json:"configuration"`
}

type webhookAdmissionConfig struct {
	APIVersion     string `json:"apiVersion"`
	Kind           string `json:"kind"`
	KubeConfigFile string `json:"kubeConfigFile"`
}

// AdmissionConfiguration is the file kube-apiserver's
// --admission-control-config-file reads: the ValidatingAdmissionWebhook
// plugin authenticates to webhooks as kubeconfigFile (an absolute path on
// the API server's host, as the API server requires) says.
func AdmissionConfiguration(kubeconfigFile string) ([]byte, error) {
	if !filepath.IsAbs(kubeconfigFile) {
		return nil, fmt.Errorf("admission kubeconfig %q: kube-apiserver requires an absolute path", kubeconfigFile)
	}
	b, err := yaml.Marshal(admissionConfiguration{
		APIVersion: "apiserver.config.k8s.io/v1",
		Kind:       "AdmissionConfiguration",
		Plugins: []admissionPlugin{{
			Name: "ValidatingAdmissionWebhook",
			Configuration: webhookAdmissionConfig{
				APIVersion:     "apiserver.config.k8s.io/v1",
				Kind:           "WebhookAdmissionConfiguration",
				KubeConfigFile: kubeconfigFile,
			},
		}},
	})
	if err != nil {
		return nil, fmt.Errorf("rendering the admission configuration: %w", err)
	}
	return b, nil
}

// WriteAPIServerClient writes into dir what a control-plane host needs for
// kube-apiserver to present kp to the webhook at webhookAddress: the
// certificate, its key (0600), the admission kubeconfig and the
// AdmissionConfiguration. hostDir is where dir will be on the host: the
// files name each other by absolute path there.
func WriteAPIServerClient(dir, hostDir, webhookAddress string, kp *KeyPair) error {
	kubeconfig, err := AdmissionKubeconfig(webhookAddress, filepath.Join(hostDir, APIServerCertFile), filepath.Join(hostDir, APIServerKeyFile))
	if err != nil {
		return err
	}
	admission, err := AdmissionConfiguration(filepath.Join(hostDir, AdmissionKubeconfigFile))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	for _, f := range []struct {
		name string
		data []byte
		mode os.FileMode
	}{
		{APIServerKeyFile, kp.KeyPEM, 0o600},
		{APIServerCertFile, kp.CertPEM, 0o644},
		{AdmissionKubeconfigFile, kubeconfig, 0o644},
		{AdmissionConfigFile, admission, 0o644},
	} {
		if err := atomicfile.Write(filepath.Join(dir, f.name), f.data, f.mode); err != nil {
			return err
		}
	}
	return nil
}
