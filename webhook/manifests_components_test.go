package webhook

import (
	"net"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/projsecret/projsecret/webhook/certs"
)

// withComponents renders, from a copy of manifests/, an overlay that adds
// components (paths under manifests/components) to overlays/cert-manager,
// as docs/webhook.md tells users to; edit, when set, changes the copy first.
func withComponents(t *testing.T, edit func(dir string), components ...string) rendered {
	t.Helper()
	dir := copyManifests(t)
	if edit != nil {
		edit(dir)
	}
	return render(t, writeOverlay(t, dir, components))
}

func copyManifests(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(manifestsDir())); err != nil {
		t.Fatal(err)
	}
	return dir
}

func writeOverlay(t *testing.T, dir string, components []string) string {
	t.Helper()
	overlay := filepath.Join(dir, "overlays", "hardened")
	k := "resources: [../cert-manager]\ncomponents:\n"
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

// placeholderCIDR is what restrict-ingress ships with: TEST-NET-1
// (RFC 5737), which no API server has, so a copy applied unfilled is
// plainly a placeholder (docs/webhook.md).
const placeholderCIDR = "192.0.2.0/24"

// TestRestrictIngressComponent: the webhook port admits only the CIDRs
// filled in, the metrics rule and everything else stay as in the overlay.
func TestRestrictIngressComponent(t *testing.T) {
	plain := render(t, filepath.Join(manifestsDir(), "overlays", "cert-manager"))
	r := withComponents(t, nil, "restrict-ingress")
	np := find[*networkingv1.NetworkPolicy](t, r, ServiceName)
	want := find[*networkingv1.NetworkPolicy](t, plain, ServiceName).DeepCopy()
	if len(want.Spec.Ingress) == 0 || want.Spec.Ingress[0].Ports[0].Port.String() != "webhook" {
		t.Fatalf("the overlay's first ingress rule is not the webhook port's: %+v", want.Spec.Ingress)
	}
	want.Spec.Ingress[0].From = []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: placeholderCIDR}}}
	if !reflect.DeepEqual(np.Spec, want.Spec) {
		t.Errorf("NetworkPolicy spec\n%+v\nwant the overlay's with the webhook port from %s only\n%+v", np.Spec, placeholderCIDR, want.Spec)
	}
	if _, block, err := net.ParseCIDR(placeholderCIDR); err != nil || !block.Contains(net.ParseIP("192.0.2.1")) {
		t.Errorf("placeholder %q is not TEST-NET-1: %v", placeholderCIDR, err)
	}
	sameExcept(t, plain, r, "NetworkPolicy")

	// When the base's rules move, the component fails instead of
	// restricting the metrics port and leaving the webhook's open.
	swapped := func(dir string) {
		path := filepath.Join(dir, "base", "networkpolicy.yaml")
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		s := strings.Replace(string(b), "port: webhook", "port: PLACEHOLDER", 1)
		s = strings.Replace(s, "port: metrics", "port: webhook", 1)
		s = strings.Replace(s, "port: PLACEHOLDER", "port: metrics", 1)
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dir := copyManifests(t)
	swapped(dir)
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	if _, err := k.Run(filesys.MakeFsOnDisk(), writeOverlay(t, dir, []string{"restrict-ingress"})); err == nil || !strings.Contains(err.Error(), "test failed") {
		t.Errorf("with the webhook port's rule second, kustomize: %v; want the component's test operation to fail", err)
	}
}

// TestClientAuthComponent: the webhook requires a client certificate from
// the CA in its cert dir's ca.crt, and with cert-manager the same CA
// issues the API server's.
func TestClientAuthComponent(t *testing.T) {
	plain := render(t, filepath.Join(manifestsDir(), "overlays", "cert-manager"))
	for _, components := range [][]string{{"client-auth"}, {"apiserver-client-cert-manager", "client-auth"}} {
		t.Run(strings.Join(components, "+"), func(t *testing.T) {
			r := withComponents(t, nil, components...)
			d := find[*appsv1.Deployment](t, r, ServiceName)
			args := d.Spec.Template.Spec.Containers[0].Args
			plainArgs := find[*appsv1.Deployment](t, plain, ServiceName).Spec.Template.Spec.Containers[0].Args
			if want := append(slices.Clone(plainArgs), "--client-ca-name="+certs.CAFile); !slices.Equal(args, want) {
				t.Errorf("args %q, want the overlay's and --client-ca-name=%s", args, certs.CAFile)
			}
			// ca.crt is read from the cert dir, the TLS Secret's mount,
			// which both overlays fill with the CA that signs tls.crt.
			d.Spec.Template.Spec.Containers[0].Args = plainArgs
			if want := find[*appsv1.Deployment](t, plain, ServiceName); !reflect.DeepEqual(d.Spec, want.Spec) {
				t.Errorf("the component changed the Deployment beyond its args")
			}
			sameExcept(t, plain, r, "Deployment")

			client := certificate(r, "projsecret-apiserver-client")
			if len(components) == 1 {
				if client != nil {
					t.Error("client-auth issues a cert-manager Certificate: it must work without cert-manager")
				}
				return
			}
			if client == nil {
				t.Fatal("no Certificate for the API server")
			}
			usages, _, _ := unstructured.NestedStringSlice(client.Object, "spec", "usages")
			issuer, _, _ := unstructured.NestedString(client.Object, "spec", "issuerRef", "name")
			serving := certificate(r, ServiceName)
			servingIssuer, _, _ := unstructured.NestedString(serving.Object, "spec", "issuerRef", "name")
			if !slices.Contains(usages, "client auth") || slices.Contains(usages, "server auth") || issuer != servingIssuer || client.GetNamespace() != Namespace {
				t.Errorf("the API server's Certificate: usages %v issuer %q in %q; want client auth from %q (the serving certificate's issuer, whose CA is ca.crt) in %q",
					usages, issuer, client.GetNamespace(), servingIssuer, Namespace)
			}
		})
	}
	// Issuing the API server's certificate alone changes nothing else, so
	// it can be applied, and installed on the API servers, first.
	r := withComponents(t, nil, "apiserver-client-cert-manager")
	sameExcept(t, plain, r, "")
	if certificate(r, "projsecret-apiserver-client") == nil || len(r.untyped) != len(plain.untyped)+1 {
		t.Errorf("apiserver-client-cert-manager: %d cert-manager objects, want the overlay's %d and the API server's Certificate", len(r.untyped), len(plain.untyped))
	}
}

func certificate(r rendered, name string) *unstructured.Unstructured {
	for _, u := range r.untyped {
		if u.GetKind() == "Certificate" && u.GetName() == name {
			return u
		}
	}
	return nil
}

// sameExcept: every built-in object but those of kind except (a type
// name, or "" for none) renders as in plain, and none is added or removed.
func sameExcept(t *testing.T, plain, got rendered, except string) {
	t.Helper()
	if len(got.typed) != len(plain.typed) {
		t.Fatalf("%d built-in objects, want the overlay's %d", len(got.typed), len(plain.typed))
	}
	for i, o := range got.typed {
		if reflect.TypeOf(o).Elem().Name() == except {
			continue
		}
		if !reflect.DeepEqual(o, plain.typed[i]) {
			t.Errorf("%T changed: %+v", o, o)
		}
	}
}
