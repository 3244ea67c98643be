// Command projsecret-certs makes the webhook's certificates for the
// self-signed overlay (manifests/overlays/self-signed), for clusters without
// cert-manager: a CA, kept in the output directory and reused on later runs
// so that re-running it rotates the serving certificate without changing
// the caBundle; the TLS Secret manifest; and the caBundle patch. With
// --api-server-client it also writes what kube-apiserver needs to present a
// client certificate from that CA to a webhook run with
// --client-ca-name=ca.crt (manifests/components/client-auth).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/projsecret/projsecret/webhook"
	"github.com/projsecret/projsecret/webhook/certs"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintf(os.Stderr, "projsecret-certs: %v\n", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("projsecret-certs", flag.ContinueOnError)
	fl.SetOutput(stderr)
	outDir := fl.String("out-dir", "manifests/overlays/self-signed/generated", "directory for ca.crt, ca.key, webhook-tls.yaml and cabundle-patch.yaml")
	namespace := fl.String("namespace", webhook.Namespace, "namespace of the webhook Service")
	service := fl.String("service", webhook.ServiceName, "name of the webhook Service")
	secret := fl.String("secret", webhook.TLSSecretName, "name of the TLS Secret the Deployment mounts")
	validity := fl.Duration("validity", 365*24*time.Hour, "how long the serving certificate is valid")
	newCA := fl.Bool("new-ca", false, "make a new CA even if out-dir has one (the caBundle changes: apply the overlay right away)")
	apiServerClient := fl.Bool("api-server-client", false, "also write into out-dir/apiserver the API server's client certificate, key, admission kubeconfig and AdmissionConfiguration, for the client-auth component (docs/webhook.md)")
	apiServerDir := fl.String("api-server-dir", "/etc/kubernetes/pki/projsecret", "with --api-server-client: the absolute path out-dir/apiserver is copied to on each control-plane host")
	webhookAddress := fl.String("webhook-address", "", "with --api-server-client: the host:port the API server calls the webhook at (default: the Service's, <service>.<namespace>.svc:443)")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if fl.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q: every setting is a flag (see -h)", fl.Args())
	}
	if *webhookAddress == "" {
		*webhookAddress = certs.ServiceAddress(*service, *namespace)
	}
	// Checked before anything is written, so a mistake leaves out-dir as it was.
	if *apiServerClient {
		if !filepath.IsAbs(*apiServerDir) {
			return fmt.Errorf("--api-server-dir=%q: expected an absolute path on the control-plane hosts (kube-apiserver requires one)", *apiServerDir)
		}
		if _, _, err := net.SplitHostPort(*webhookAddress); err != nil {
			return fmt.Errorf("--webhook-address=%q: expected host:port, as the webhook configuration's URL or Service names it", *webhookAddress)
		}
	}

	ca, err := certs.ReadCA(*outDir)
	switch {
	case err == nil && !*newCA:
		fmt.Fprintf(stdout, "reusing the CA in %s\n", *outDir)
	case err == nil || errors.Is(err, fs.ErrNotExist):
		if ca, err = certs.NewCA("projsecret-webhook-ca"); err != nil {
			return err
		}
		if err := certs.WriteCA(*outDir, ca); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "made a new CA in %s\n", *outDir)
	default:
		return fmt.Errorf("%w (remove %s and %s, or pass --new-ca)", err, certs.CAFile, certs.CAKeyFile)
	}

	kp, err := ca.Issue(certs.ServiceDNSNames(*service, *namespace), *validity)
	if err != nil {
		return err
	}
	secretYAML, err := certs.TLSSecretManifest(*secret, *namespace, kp, ca)
	if err != nil {
		return err
	}
	patchYAML, err := certs.CABundlePatch(ca, 1)
	if err != nil {
		return err
	}
	for name, data := range map[string][]byte{"webhook-tls.yaml": secretYAML, "cabundle-patch.yaml": patchYAML} {
		path := filepath.Join(*outDir, name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
	}
	fmt.Fprintf(stdout, "wrote a serving certificate for %s.%s.svc valid for %s; apply with: kubectl apply -k %s\n",
		*service, *namespace, *validity, filepath.Dir(filepath.Clean(*outDir)))
	if !*apiServerClient {
		return nil
	}
	client, err := ca.IssueClient(certs.APIServerClientName, *validity)
	if err != nil {
		return err
	}
	dir := filepath.Join(*outDir, "apiserver")
	if err := certs.WriteAPIServerClient(dir, *apiServerDir, *webhookAddress, client); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote the API server's client certificate for %s valid for %s into %s; copy it to %s on each control-plane host and start kube-apiserver with --admission-control-config-file=%s (docs/webhook.md)\n",
		*webhookAddress, *validity, dir, *apiServerDir, filepath.Join(*apiServerDir, certs.AdmissionConfigFile))
	return nil
}
