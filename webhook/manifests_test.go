package webhook

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/webhook/certs"
)

// rendered is what kustomize makes of an overlay: built-in kinds decoded
// strictly (a misspelled field fails), others left unstructured.
type rendered struct {
	typed   []runtime.Object
	untyped []*unstructured.Unstructured
}

func render(t *testing.T, dir string) rendered {
	t.Helper()
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	resMap, err := k.Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize %s: %v", dir, err)
	}
	decoder := serializer.NewCodecFactory(clientgoscheme.Scheme, serializer.EnableStrict).UniversalDeserializer()
	var out rendered
	for _, res := range resMap.Resources() {
		y, err := res.AsYAML()
		if err != nil {
			t.Fatal(err)
		}
		obj, _, err := decoder.Decode(y, nil, nil)
		if runtime.IsNotRegisteredError(err) {
			u := &unstructured.Unstructured{}
			if err := u.UnmarshalJSON(mustYAMLToJSON(t, y)); err != nil {
				t.Fatal(err)
			}
			out.untyped = append(out.untyped, u)
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v\n%s", res.CurId(), err, y)
		}
		out.typed = append(out.typed, obj)
	}
	return out
}

func find[T runtime.Object](t *testing.T, r rendered, name string) T {
	t.Helper()
	for _, o := range r.typed {
		if v, ok := o.(T); ok {
			if o.(metav1.Object).GetName() == name {
				return v
			}
		}
	}
	var zero T
	t.Fatalf("no %T named %q rendered", zero, name)
	return zero
}

func manifestsDir() string { return filepath.Join("..", "manifests") }

func TestBaseManifests(t *testing.T) {
	r := render(t, filepath.Join(manifestsDir(), "base"))

	ns := find[*corev1.Namespace](t, r, Namespace)
	if ns.Labels["pod-security.kubernetes.io/enforce"] != "restricted" {
		t.Errorf("namespace does not enforce restricted pod security: %v", ns.Labels)
	}
	sa := find[*corev1.ServiceAccount](t, r, ServiceName)
	if sa.AutomountServiceAccountToken == nil || *sa.AutomountServiceAccountToken {
		t.Error("service account mounts a token the webhook never uses")
	}
	for _, o := range r.typed {
		switch o.(type) {
		case *corev1.Namespace, *corev1.ServiceAccount, *appsv1.Deployment, *corev1.Service, *policyv1.PodDisruptionBudget,
			*admissionregistrationv1.ValidatingWebhookConfiguration, *networkingv1.NetworkPolicy:
		default:
			t.Errorf("unexpected %T in base (no RBAC, nothing else)", o)
		}
	}

	vwc := find[*admissionregistrationv1.ValidatingWebhookConfiguration](t, r, ConfigurationName)
	if len(vwc.Webhooks) != 1 {
		t.Fatalf("%d webhooks, want 1", len(vwc.Webhooks))
	}
	wh := vwc.Webhooks[0]
	switch {
	case wh.Name != WebhookName:
		t.Errorf("webhook name %q, want %q", wh.Name, WebhookName)
	case wh.FailurePolicy == nil || *wh.FailurePolicy != admissionregistrationv1.Fail:
		t.Error("failurePolicy is not Fail")
	case wh.SideEffects == nil || *wh.SideEffects != admissionregistrationv1.SideEffectClassNone:
		t.Error("sideEffects is not None")
	case wh.TimeoutSeconds == nil || *wh.TimeoutSeconds > 3:
		t.Error("timeoutSeconds is not set to at most 3")
	case !slices.Equal(wh.AdmissionReviewVersions, []string{"v1"}):
		t.Errorf("admissionReviewVersions %v", wh.AdmissionReviewVersions)
	case wh.ClientConfig.Service == nil || wh.ClientConfig.Service.Name != ServiceName || wh.ClientConfig.Service.Namespace != Namespace ||
		wh.ClientConfig.Service.Path == nil || *wh.ClientConfig.Service.Path != Path:
		t.Errorf("clientConfig %+v does not point at service %s/%s path %s", wh.ClientConfig, Namespace, ServiceName, Path)
	}
	if len(wh.Rules) != 1 || !slices.Equal(wh.Rules[0].Resources, []string{"secrets"}) || !slices.Equal(wh.Rules[0].APIGroups, []string{""}) ||
		!slices.Equal(wh.Rules[0].Operations, []admissionregistrationv1.OperationType{"CREATE", "UPDATE", "DELETE"}) {
		t.Errorf("rules %+v, want secrets CREATE/UPDATE/DELETE", wh.Rules)
	}
	if sel := wh.ObjectSelector; sel == nil || len(sel.MatchExpressions) != 1 || sel.MatchExpressions[0].Key != projsecret.LabelProject ||
		sel.MatchExpressions[0].Operator != metav1.LabelSelectorOpExists {
		t.Errorf("objectSelector %+v, want %s Exists", wh.ObjectSelector, projsecret.LabelProject)
	}
	if ns := wh.NamespaceSelector; ns == nil || len(ns.MatchExpressions) != 1 || ns.MatchExpressions[0].Key != "kubernetes.io/metadata.name" ||
		ns.MatchExpressions[0].Operator != metav1.LabelSelectorOpNotIn || !slices.Equal(ns.MatchExpressions[0].Values, []string{"kube-system", Namespace}) {
		t.Errorf("namespaceSelector %+v, want kubernetes.io/metadata.name NotIn kube-system, %s", wh.NamespaceSelector, Namespace)
	}

	d := find[*appsv1.Deployment](t, r, ServiceName)
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 2 {
		t.Error("replicas is not 2")
	}
	pod := d.Spec.Template.Spec
	if pod.SecurityContext == nil || pod.SecurityContext.RunAsNonRoot == nil || !*pod.SecurityContext.RunAsNonRoot ||
		pod.SecurityContext.SeccompProfile == nil || pod.SecurityContext.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("pod security context %+v is not restricted", pod.SecurityContext)
	}
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		t.Error("pod mounts a service account token")
	}
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers", len(pod.Containers))
	}
	c := pod.Containers[0]
	sc := c.SecurityContext
	if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
		sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) {
		t.Errorf("container security context %+v is not restricted", sc)
	}
	if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
		t.Errorf("resources %+v lack requests or a memory limit", c.Resources)
	}
	if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet == nil || c.ReadinessProbe.HTTPGet.Path != "/readyz" ||
		c.LivenessProbe == nil || c.LivenessProbe.HTTPGet == nil || c.LivenessProbe.HTTPGet.Path != "/healthz" {
		t.Error("probes are not /readyz and /healthz")
	}
	// The flags must parse the way cmd/projsecret-webhook reads them.
	args := strings.Join(c.Args, " ")
	var mount string
	for _, m := range c.VolumeMounts {
		if m.Name == "tls" {
			mount = m.MountPath
		}
	}
	if mount == "" || !strings.Contains(args, "--cert-dir="+mount) {
		t.Errorf("--cert-dir in %q is not the TLS mount %q", args, mount)
	}
	var secretName string
	for _, v := range pod.Volumes {
		if v.Name == "tls" && v.Secret != nil {
			secretName = v.Secret.SecretName
		}
	}
	if secretName != TLSSecretName {
		t.Errorf("TLS volume is secret %q, want %q", secretName, TLSSecretName)
	}

	svc := find[*corev1.Service](t, r, ServiceName)
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Port != 443 || svc.Spec.Ports[0].TargetPort.StrVal != "webhook" {
		t.Errorf("service ports %+v", svc.Spec.Ports)
	}
	if !hasPort(c, "webhook") || !hasPort(c, "probes") {
		t.Errorf("container ports %+v lack webhook or probes", c.Ports)
	}
	for k, v := range svc.Spec.Selector {
		if d.Spec.Template.Labels[k] != v {
			t.Errorf("service selects %s=%s, pods are %v", k, v, d.Spec.Template.Labels)
		}
	}
	var memLimit *corev1.EnvVar
	for i, e := range c.Env {
		if e.Name == "GOMEMLIMIT" {
			memLimit = &c.Env[i]
		}
	}
	if memLimit == nil || memLimit.ValueFrom == nil || memLimit.ValueFrom.ResourceFieldRef == nil ||
		memLimit.ValueFrom.ResourceFieldRef.Resource != "limits.memory" || memLimit.ValueFrom.ResourceFieldRef.ContainerName != c.Name ||
		(!memLimit.ValueFrom.ResourceFieldRef.Divisor.IsZero() && memLimit.ValueFrom.ResourceFieldRef.Divisor.Value() != 1) {
		t.Errorf("GOMEMLIMIT %+v is not the container's memory limit in bytes (downward API limits.memory)", memLimit)
	}
	if got := c.Resources.Limits.Memory().Value(); got != podMemoryLimit {
		t.Errorf("memory limit %d bytes, want %d: BenchmarkPeakHeap measures against that limit, change both", got, podMemoryLimit)
	}
	if !strings.Contains(args, fmt.Sprintf("--max-inflight=%d", DefaultMaxInflight)) {
		t.Errorf("args %q do not set --max-inflight=%d, the bound the memory limit was measured with", args, DefaultMaxInflight)
	}

	checkNetworkPolicy(t, find[*networkingv1.NetworkPolicy](t, r, ServiceName), d, c)

	pdb := find[*policyv1.PodDisruptionBudget](t, r, ServiceName)
	if pdb.Spec.MinAvailable == nil || pdb.Spec.MinAvailable.IntValue() < 1 {
		t.Error("PodDisruptionBudget does not keep a pod")
	}
}

// metricsScrapeLabel is the namespace label the NetworkPolicy admits to the
// metrics port (docs/webhook.md).
const metricsScrapeLabel = "projsecret.io/metrics-scrape"

// checkNetworkPolicy: the webhook pods admit the webhook port from
// anywhere, the metrics port only from labeled namespaces, nothing else,
// and open no connection out.
func checkNetworkPolicy(t *testing.T, np *networkingv1.NetworkPolicy, d *appsv1.Deployment, c corev1.Container) {
	t.Helper()
	for k, v := range np.Spec.PodSelector.MatchLabels {
		if d.Spec.Template.Labels[k] != v {
			t.Errorf("NetworkPolicy selects %s=%s, pods are %v", k, v, d.Spec.Template.Labels)
		}
	}
	if len(np.Spec.PodSelector.MatchLabels) == 0 || len(np.Spec.PodSelector.MatchExpressions) != 0 {
		t.Errorf("NetworkPolicy podSelector %+v, want the webhook pods by label", np.Spec.PodSelector)
	}
	if !slices.Equal(np.Spec.PolicyTypes, []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}) || len(np.Spec.Egress) != 0 {
		t.Errorf("NetworkPolicy policyTypes %v egress %+v, want Ingress and Egress with no egress allowed", np.Spec.PolicyTypes, np.Spec.Egress)
	}
	opened := map[string]string{}
	for _, rule := range np.Spec.Ingress {
		if len(rule.Ports) != 1 || rule.Ports[0].Port == nil {
			t.Errorf("ingress rule %+v opens other than one named port", rule)
			continue
		}
		port := rule.Ports[0].Port.String()
		if !hasPort(c, port) {
			t.Errorf("ingress opens port %q, which the container does not name", port)
		}
		switch {
		case len(rule.From) == 0:
			opened[port] = "anyone"
		case len(rule.From) == 1 && rule.From[0].PodSelector == nil && rule.From[0].IPBlock == nil && rule.From[0].NamespaceSelector != nil &&
			len(rule.From[0].NamespaceSelector.MatchExpressions) == 0 &&
			maps.Equal(rule.From[0].NamespaceSelector.MatchLabels, map[string]string{metricsScrapeLabel: "true"}):
			opened[port] = "labeled namespaces"
		default:
			t.Errorf("ingress rule %+v admits from an unexpected peer", rule)
		}
	}
	if want := map[string]string{"webhook": "anyone", "metrics": "labeled namespaces"}; !maps.Equal(opened, want) {
		t.Errorf("NetworkPolicy opens %v, want %v", opened, want)
	}
}

func hasPort(c corev1.Container, name string) bool {
	return slices.ContainsFunc(c.Ports, func(p corev1.ContainerPort) bool { return p.Name == name })
}

func TestCertManagerOverlay(t *testing.T) {
	r := render(t, filepath.Join(manifestsDir(), "overlays", "cert-manager"))
	vwc := find[*admissionregistrationv1.ValidatingWebhookConfiguration](t, r, ConfigurationName)
	if got := vwc.Annotations["cert-manager.io/inject-ca-from"]; got != Namespace+"/"+ServiceName {
		t.Errorf("inject-ca-from %q", got)
	}
	var serving *unstructured.Unstructured
	for _, u := range r.untyped {
		if u.GetAPIVersion() != "cert-manager.io/v1" || u.GetNamespace() != Namespace {
			t.Errorf("unexpected %s %s in %q", u.GetAPIVersion(), u.GetKind(), u.GetNamespace())
		}
		if u.GetKind() == "Certificate" && u.GetName() == ServiceName {
			serving = u
		}
	}
	if serving == nil {
		t.Fatal("no serving Certificate")
	}
	secretName, _, _ := unstructured.NestedString(serving.Object, "spec", "secretName")
	dnsNames, _, _ := unstructured.NestedStringSlice(serving.Object, "spec", "dnsNames")
	if secretName != TLSSecretName || !slices.Contains(dnsNames, ServiceName+"."+Namespace+".svc") {
		t.Errorf("serving Certificate writes %q for %v", secretName, dnsNames)
	}
}

func TestSelfSignedOverlay(t *testing.T) {
	// A copy of manifests/, so the test never writes keys into the tree.
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(manifestsDir())); err != nil {
		t.Fatal(err)
	}
	gen := filepath.Join(dir, "overlays", "self-signed", "generated")
	os.RemoveAll(gen)
	ca, err := certs.NewCA("test")
	if err != nil {
		t.Fatal(err)
	}
	kp, err := ca.Issue(certs.ServiceDNSNames(ServiceName, Namespace), 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	secretYAML, err := certs.TLSSecretManifest(TLSSecretName, Namespace, kp, ca)
	if err != nil {
		t.Fatal(err)
	}
	patch, err := certs.CABundlePatch(ca, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(gen, 0o700); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"webhook-tls.yaml": secretYAML, "cabundle-patch.yaml": patch} {
		if err := os.WriteFile(filepath.Join(gen, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}

	r := render(t, filepath.Join(dir, "overlays", "self-signed"))
	vwc := find[*admissionregistrationv1.ValidatingWebhookConfiguration](t, r, ConfigurationName)
	if got := string(vwc.Webhooks[0].ClientConfig.CABundle); got != string(ca.CertPEM) {
		t.Errorf("caBundle is not the CA:\n%s", got)
	}
	s := find[*corev1.Secret](t, r, TLSSecretName)
	if s.Namespace != Namespace || s.Type != corev1.SecretTypeTLS {
		t.Errorf("TLS secret is %s/%s of type %s", s.Namespace, s.Name, s.Type)
	}
	block, _ := pem.Decode(s.Data[corev1.TLSCertKey])
	if block == nil {
		t.Fatal("tls.crt is not PEM")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	if _, err := cert.Verify(x509.VerifyOptions{Roots: pool, DNSName: ServiceName + "." + Namespace + ".svc"}); err != nil {
		t.Errorf("serving certificate does not verify for the Service name: %v", err)
	}
}

func mustYAMLToJSON(t *testing.T, y []byte) []byte {
	t.Helper()
	j, err := yaml.YAMLToJSON(y)
	if err != nil {
		t.Fatal(err)
	}
	return j
}
