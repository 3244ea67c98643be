package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	ctrlwebhook "sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
	"sigs.k8s.io/yaml"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/internal/testenv"
	"github.com/projsecret/projsecret/webhook"
	"github.com/projsecret/projsecret/webhook/certs"
)

// allowAllPath serves the floor of any webhook: the same controller-runtime
// server, TLS and admission.Webhook envelope as ours, and a handler that
// allows everything.
const allowAllPath = "/allow-all"

// serveFlags are the hidden flags of the webhook process the benchmark
// starts from its own binary.
type serveFlags struct {
	port             int
	certDir, metrics string
}

// serveWebhooks runs our webhook and the allow-all one on one server until
// SIGTERM, with controller-runtime's request counters on an HTTP address,
// in a process of its own: the API server calls it as it calls a deployed
// webhook, and the load generator does not share its scheduler.
func serveWebhooks(ctx context.Context, f serveFlags) error {
	logf.SetLogger(logr.Discard())
	server := ctrlwebhook.NewServer(ctrlwebhook.Options{
		Host: "127.0.0.1", Port: f.port, CertDir: f.certDir,
		TLSOpts: webhook.TLSOptions(false),
	})
	server.Register(webhook.Path, webhook.NewWebhook(projsecret.DefaultPolicy()))
	server.Register(allowAllPath, &admission.Webhook{Handler: admission.HandlerFunc(
		func(context.Context, admission.Request) admission.Response { return admission.Allowed("") })})
	metrics := &http.Server{Addr: f.metrics, Handler: promhttp.HandlerFor(ctrlmetrics.Registry, promhttp.HandlerOpts{}), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		_ = metrics.Close()
	}()
	go func() { _ = metrics.ListenAndServe() }()
	return server.Start(ctx)
}

// webhookProcess is the running webhook process.
type webhookProcess struct {
	cmd         *exec.Cmd
	ca          *certs.CA
	port        int
	metricsAddr string
	done        chan error
}

// startWebhooks issues a serving certificate for 127.0.0.1 from a new CA
// and starts this binary in serving mode.
func startWebhooks(ctx context.Context, dir string) (*webhookProcess, error) {
	ca, err := certs.NewCA("projsecret-bench-ca")
	if err != nil {
		return nil, err
	}
	kp, err := ca.Issue([]string{"127.0.0.1"}, 24*time.Hour)
	if err != nil {
		return nil, err
	}
	certDir := filepath.Join(dir, "webhook-certs")
	if err := certs.WriteServing(certDir, kp, ca); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	metricsPort, err := freePort()
	if err != nil {
		return nil, err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	p := &webhookProcess{ca: ca, port: port, metricsAddr: "127.0.0.1:" + strconv.Itoa(metricsPort), done: make(chan error, 1)}
	p.cmd = exec.Command(self, "-serve-webhooks", "-serve-port", strconv.Itoa(port), "-serve-cert-dir", certDir, "-serve-metrics", p.metricsAddr)
	p.cmd.Stdout, p.cmd.Stderr = os.Stderr, os.Stderr
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the webhook process: %w", err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	if err := p.waitReady(ctx); err != nil {
		p.stop()
		return nil, err
	}
	return p, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitReady waits until the webhook answers TLS with the certificate the
// API server will verify.
func (p *webhookProcess) waitReady(ctx context.Context) error {
	pool := x509.NewCertPool()
	pool.AddCert(p.ca.Cert)
	deadline := time.Now().Add(30 * time.Second)
	for {
		conn, err := tls.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p.port)), &tls.Config{RootCAs: pool})
		if err == nil {
			conn.Close()
			return nil
		}
		select {
		case err := <-p.done:
			return fmt.Errorf("the webhook process exited before it served: %v", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the webhook process does not serve TLS after 30s: %w", err)
		}
	}
}

func (p *webhookProcess) stop() {
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// reviews is how many reviews each path has answered.
func (p *webhookProcess) reviews(ctx context.Context) (map[string]int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+p.metricsAddr+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("scraping the webhook's metrics: %w", err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("parsing the webhook's metrics: %w", err)
	}
	out := map[string]int{}
	for _, m := range families["controller_runtime_webhook_requests_total"].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "webhook" {
				out[l.GetValue()] += int(m.GetCounter().GetValue())
			}
		}
	}
	return out, nil
}

// webhookConfiguration is manifests/base's ValidatingWebhookConfiguration
// (rules, object selector, failure policy, timeout) pointed at path on the
// webhook process and limited to namespaces labeled for variant.
func (p *webhookProcess) webhookConfiguration(name, webhookName, path, variant string) (*admissionregistrationv1.ValidatingWebhookConfiguration, error) {
	file := filepath.Join(testenv.RepoRoot(), "manifests", "base", "validatingwebhookconfiguration.yaml")
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var vwc admissionregistrationv1.ValidatingWebhookConfiguration
	if err := yaml.UnmarshalStrict(raw, &vwc); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if len(vwc.Webhooks) != 1 {
		return nil, fmt.Errorf("%s: expected one webhook, found %d", file, len(vwc.Webhooks))
	}
	vwc.Name = name
	w := &vwc.Webhooks[0]
	w.Name = webhookName
	url := fmt.Sprintf("https://127.0.0.1:%d%s", p.port, path)
	w.ClientConfig = admissionregistrationv1.WebhookClientConfig{URL: &url, CABundle: p.ca.CertPEM}
	if w.NamespaceSelector == nil {
		w.NamespaceSelector = &metav1.LabelSelector{}
	}
	w.NamespaceSelector.MatchLabels = map[string]string{variantLabel: variant}
	return &vwc, nil
}

// variantLabel marks the namespace each admission variant writes to; every
// policy selects its own, so all are registered at once and switching
// variants is only a matter of which namespace a write goes to.
const variantLabel = "bench.projsecret.io/variant"

// keyRuleCEL is the policy anchor: one CEL rule, the default key rule.
const keyRuleCEL = `!has(object.data) || object.data.all(k, k.matches('^[A-Za-z0-9_-]+$'))`

func admissionPolicy(name, variant string) (*admissionregistrationv1.ValidatingAdmissionPolicy, *admissionregistrationv1.ValidatingAdmissionPolicyBinding) {
	fail := admissionregistrationv1.Fail
	policy := &admissionregistrationv1.ValidatingAdmissionPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
			FailurePolicy: &fail,
			MatchConstraints: &admissionregistrationv1.MatchResources{
				ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{{RuleWithOperations: admissionregistrationv1.RuleWithOperations{
					Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update},
					Rule:       admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"secrets"}},
				}}},
				ObjectSelector:    &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: projsecret.LabelProject, Operator: metav1.LabelSelectorOpExists}}},
				NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{variantLabel: variant}},
			},
			Validations: []admissionregistrationv1.Validation{{
				Expression: keyRuleCEL,
				Message:    "every key must match ^[A-Za-z0-9_-]+$",
			}},
		},
	}
	binding := &admissionregistrationv1.ValidatingAdmissionPolicyBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{
			PolicyName:        name,
			ValidationActions: []admissionregistrationv1.ValidationAction{admissionregistrationv1.Deny},
		},
	}
	return policy, binding
}
