package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
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
	"k8s.io/apimachinery/pkg/util/wait"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	ctrlwebhook "sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

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
	port    int
	certDir string
}

// metricsFD is the descriptor of the metrics listener the benchmark hands
// to its webhook process (the first of exec.Cmd.ExtraFiles).
const metricsFD = 3

// exitPortTaken is the webhook process's exit code when its webhook port
// was taken by another process before it could listen.
const exitPortTaken = 3

// serveWebhooks runs our webhook and the allow-all one on one server until
// SIGTERM, with controller-runtime's request counters served over HTTP on
// the listener handed over as metricsFD, in a process of its own: the API
// server calls it as it calls a deployed webhook, and the load generator
// does not share its scheduler.
func serveWebhooks(ctx context.Context, f serveFlags) error {
	logf.SetLogger(logr.Discard())
	handedOver := os.NewFile(metricsFD, "metrics-listener")
	l, err := net.FileListener(handedOver)
	handedOver.Close() // FileListener holds its own duplicate of the descriptor
	if err != nil {
		return fmt.Errorf("the metrics listener handed over as descriptor %d: %w", metricsFD, err)
	}
	server := ctrlwebhook.NewServer(ctrlwebhook.Options{
		Host: "127.0.0.1", Port: f.port, CertDir: f.certDir,
		TLSOpts: webhook.TLSOptions(false),
	})
	server.Register(webhook.Path, webhook.NewWebhook(projsecret.DefaultPolicy()))
	server.Register(allowAllPath, &admission.Webhook{Handler: admission.HandlerFunc(
		func(context.Context, admission.Request) admission.Response { return admission.Allowed("") })})
	metrics := &http.Server{Handler: promhttp.HandlerFor(ctrlmetrics.Registry, promhttp.HandlerOpts{}), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		_ = metrics.Close()
	}()
	go func() { _ = metrics.Serve(l) }()
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
//
// The metrics listener is handed over. The webhook port cannot be:
// controller-runtime v0.25.2's webhook server binds Host:Port itself and
// reads back no address, so it gets a port that was free a moment before,
// and if another process takes it first the webhook process exits with
// exitPortTaken and is started again on a fresh one.
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
	for attempt := 1; ; attempt++ {
		p, err := startWebhookProcess(ctx, ca, certDir)
		if !errors.Is(err, errPortTaken) || attempt == 5 {
			return p, err
		}
	}
}

var errPortTaken = errors.New("the webhook port was taken before the webhook process could listen")

func startWebhookProcess(ctx context.Context, ca *certs.CA, certDir string) (*webhookProcess, error) {
	ports, err := testenv.FreePorts(1)
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("the metrics listener: %w", err)
	}
	defer l.Close()
	lf, err := l.(*net.TCPListener).File()
	if err != nil {
		return nil, fmt.Errorf("the metrics listener's descriptor: %w", err)
	}
	defer lf.Close()
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	p := &webhookProcess{ca: ca, port: ports[0], metricsAddr: l.Addr().String(), done: make(chan error, 1)}
	p.cmd = exec.Command(self, "-serve-webhooks", "-serve-port", strconv.Itoa(p.port), "-serve-cert-dir", certDir)
	p.cmd.ExtraFiles = []*os.File{lf}
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

// waitReady waits until the webhook answers TLS with the certificate the
// API server will verify.
func (p *webhookProcess) waitReady(ctx context.Context) error {
	pool := x509.NewCertPool()
	pool.AddCert(p.ca.Cert)
	var dialErr error
	err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		conn, err := tls.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p.port)), &tls.Config{RootCAs: pool})
		if err == nil {
			conn.Close()
			return true, nil
		}
		dialErr = err
		select {
		case err := <-p.done:
			p.done <- err
			var exit *exec.ExitError
			if errors.As(err, &exit) && exit.ExitCode() == exitPortTaken {
				return false, errPortTaken
			}
			return false, fmt.Errorf("the webhook process exited before it served: %v", err)
		default:
			return false, nil
		}
	})
	if err != nil && ctx.Err() == nil && wait.Interrupted(err) {
		return fmt.Errorf("the webhook process does not serve TLS after 30s: %w", dialErr)
	}
	return err
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
	vwc, err := testenv.WebhookConfiguration(p.port, p.ca.CertPEM)
	if err != nil {
		return nil, err
	}
	if len(vwc.Webhooks) != 1 {
		return nil, fmt.Errorf("manifests/base: expected one webhook, found %d", len(vwc.Webhooks))
	}
	vwc.Name = name
	w := &vwc.Webhooks[0]
	w.Name = webhookName
	url := fmt.Sprintf("https://127.0.0.1:%d%s", p.port, path)
	w.ClientConfig.URL = &url
	if w.NamespaceSelector == nil {
		w.NamespaceSelector = &metav1.LabelSelector{}
	}
	w.NamespaceSelector.MatchLabels = map[string]string{variantLabel: variant}
	return vwc, nil
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
