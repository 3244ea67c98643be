//go:build integration

package integration

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"

	"github.com/projsecret/projsecret/internal/testenv"
	"github.com/projsecret/projsecret/webhook"
	"github.com/projsecret/projsecret/webhook/certs"
)

// copyManifests copies manifests/ so that generated certificates never land
// in the work tree.
func copyManifests(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "manifests")
	if err := os.CopyFS(dir, os.DirFS(filepath.Join(testenv.RepoRoot(), "manifests"))); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(filepath.Join(dir, "overlays", "self-signed", "generated"))
	return dir
}

// dryRunApply sends what kubectl renders to the API server with
// --dry-run=server: the server validates and admits every object (Pod
// Security included) without storing any.
func dryRunApply(t *testing.T, stdin []byte, args ...string) testenv.Result {
	t.Helper()
	res := kubectl(t, stdin, append([]string{"apply", "--dry-run=server"}, args...)...)
	if res.ExitCode != 0 {
		t.Fatalf("server-side dry-run rejected the manifests: %s", res)
	}
	if strings.Contains(res.Stderr, "would violate PodSecurity") {
		t.Errorf("the Deployment breaks the namespace's Pod Security level: %s", res.Stderr)
	}
	return res
}

// The namespaced objects need their namespace to exist for a dry run; it
// is created for real (with the manifest's labels, which enforce the
// restricted Pod Security level the Deployment is then checked against).
func applyNamespace(t *testing.T) {
	t.Helper()
	mustPass(t, kubectl(t, nil, "apply", "--server-side", "-f", filepath.Join(testenv.RepoRoot(), "manifests", "base", "namespace.yaml")))
}

func TestManifestsSelfSignedOverlay(t *testing.T) {
	applyNamespace(t)
	dir := copyManifests(t)
	certsBin, err := testenv.Build(binDir, "./cmd/projsecret-certs", testVersion)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second run rotates the serving certificate with the same CA
		out, err := runCmd(certsBin, "--out-dir", filepath.Join(dir, "overlays", "self-signed", "generated"))
		if err != nil {
			t.Fatalf("projsecret-certs: %v\n%s", err, out)
		}
	}
	res := dryRunApply(t, nil, "-k", filepath.Join(dir, "overlays", "self-signed"))
	for _, want := range []string{
		"namespace/projsecret-system", "serviceaccount/projsecret-webhook", "secret/" + webhook.TLSSecretName,
		"service/projsecret-webhook", "deployment.apps/projsecret-webhook", "poddisruptionbudget.policy/projsecret-webhook",
		"networkpolicy.networking.k8s.io/projsecret-webhook",
		"validatingwebhookconfiguration.admissionregistration.k8s.io/" + webhook.ConfigurationName,
	} {
		if !strings.Contains(res.Stdout, want+" ") || !strings.Contains(res.Stdout, "(server dry run)") {
			t.Errorf("dry run did not cover %s:\n%s", want, res.Stdout)
		}
	}
}

func TestManifestsCertManagerOverlay(t *testing.T) {
	applyNamespace(t)
	certManager := dryRunBuiltins(t, filepath.Join(testenv.RepoRoot(), "manifests", "overlays", "cert-manager"))
	if certManager["Issuer"] != 2 || certManager["Certificate"] != 2 {
		t.Errorf("cert-manager objects rendered: %v, want 2 Issuers and 2 Certificates", certManager)
	}
}

// dryRunBuiltins renders dir with kubectl and dry-runs its built-in objects
// on the API server; cert-manager's CRDs are not installed here, so its
// objects are checked as rendered and counted by kind.
func dryRunBuiltins(t *testing.T, dir string) map[string]int {
	t.Helper()
	res := kubectl(t, nil, "kustomize", dir)
	mustPass(t, res)
	builtin, certManager := splitCertManager(t, res.Stdout)
	dryRunBuiltin(t, builtin)
	return certManager
}

// splitCertManager reads what kustomize rendered: cert-manager's objects
// are counted by kind and checked as rendered; everything else is returned
// for the API server.
func splitCertManager(t *testing.T, rendered string) (builtin []any, certManager map[string]int) {
	t.Helper()
	certManager = map[string]int{}
	dec := utilyaml.NewYAMLOrJSONDecoder(strings.NewReader(rendered), 4096)
	for {
		var u unstructured.Unstructured
		if err := dec.Decode(&u.Object); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(u.GetAPIVersion(), "cert-manager.io/") {
			certManager[u.GetKind()]++
			if u.GetNamespace() != webhook.Namespace {
				t.Errorf("%s %s is in namespace %q", u.GetKind(), u.GetName(), u.GetNamespace())
			}
			continue
		}
		if u.GetKind() == "ValidatingWebhookConfiguration" && u.GetAnnotations()["cert-manager.io/inject-ca-from"] != webhook.Namespace+"/"+webhook.ServiceName {
			t.Errorf("the webhook configuration lacks the CA injection annotation: %v", u.GetAnnotations())
		}
		builtin = append(builtin, u.Object)
	}
	return builtin, certManager
}

// dryRunBuiltin sends objects to the API server as one List with
// --dry-run=server, and checks that each was dry-run.
func dryRunBuiltin(t *testing.T, objects []any) {
	t.Helper()
	list, err := json.Marshal(map[string]any{"apiVersion": "v1", "kind": "List", "items": objects})
	if err != nil {
		t.Fatal(err)
	}
	out := dryRunApply(t, list, "-f", "-").Stdout
	if n := strings.Count(out, "(server dry run)"); n != len(objects) {
		t.Errorf("%d of %d objects dry-run:\n%s", n, len(objects), out)
	}
}

// hardenedOverlay writes, in a copy of manifests/, an overlay of base (an
// overlay's name) with components, as docs/webhook.md tells users to.
func hardenedOverlay(t *testing.T, dir, base string, components ...string) string {
	t.Helper()
	overlay := filepath.Join(dir, "overlays", "hardened-"+base)
	k := "resources: [../" + base + "]\ncomponents:\n"
	for _, c := range components {
		k += "  - ../../components/" + c + "\n"
	}
	if err := os.MkdirAll(overlay, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(overlay, "kustomization.yaml"), []byte(k), 0o644); err != nil {
		t.Fatal(err)
	}
	return overlay
}

// TestManifestsHardeningComponents: each overlay with docs/webhook.md's
// hardening components passes the API server's validation and admission.
// The self-signed one gets its certificates as the docs say, API server's
// files included.
func TestManifestsHardeningComponents(t *testing.T) {
	applyNamespace(t)
	dir := copyManifests(t)
	certsBin, err := testenv.Build(binDir, "./cmd/projsecret-certs", testVersion)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := runCmd(certsBin, "--out-dir", filepath.Join(dir, "overlays", "self-signed", "generated"), "--api-server-client"); err != nil {
		t.Fatalf("projsecret-certs --api-server-client: %v\n%s", err, out)
	}
	selfSigned := hardenedOverlay(t, dir, "self-signed", "restrict-ingress", "client-auth")
	res := dryRunApply(t, nil, "-k", selfSigned, "-o", "json")
	var list struct {
		Items []unstructured.Unstructured `json:"items"`
	}
	if err := json.Unmarshal([]byte(res.Stdout), &list); err != nil {
		t.Fatalf("dry-run output: %v", err)
	}
	var secretHasCA, argSet, restricted bool
	for _, u := range list.Items {
		switch u.GetKind() {
		case "Secret":
			_, secretHasCA, _ = unstructured.NestedString(u.Object, "data", certs.CAFile)
		case "Deployment":
			containers, _, _ := unstructured.NestedSlice(u.Object, "spec", "template", "spec", "containers")
			args, _, _ := unstructured.NestedStringSlice(containers[0].(map[string]any), "args")
			argSet = slices.Contains(args, "--client-ca-name="+certs.CAFile)
		case "NetworkPolicy":
			ingress, _, _ := unstructured.NestedSlice(u.Object, "spec", "ingress")
			from, _, _ := unstructured.NestedSlice(ingress[0].(map[string]any), "from")
			restricted = len(from) == 1
		}
	}
	if len(list.Items) != 8 || !secretHasCA || !argSet || !restricted {
		t.Errorf("self-signed with the components: %d objects, TLS Secret has %s: %v, --client-ca-name set: %v, webhook port restricted: %v",
			len(list.Items), certs.CAFile, secretHasCA, argSet, restricted)
	}

	certManager := dryRunBuiltins(t, hardenedOverlay(t, dir, "cert-manager", "restrict-ingress", "apiserver-client-cert-manager", "client-auth"))
	if certManager["Issuer"] != 2 || certManager["Certificate"] != 3 {
		t.Errorf("cert-manager objects rendered: %v, want 2 Issuers and 3 Certificates (the API server's too)", certManager)
	}
}

func runCmd(bin string, args ...string) ([]byte, error) {
	var out bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.Bytes(), err
}
