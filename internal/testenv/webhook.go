package testenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/yaml"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/webhook"
	"github.com/projsecret/projsecret/webhook/certs"
)

// WebhookConfiguration is manifests/base's ValidatingWebhookConfiguration
// with each webhook's Service swapped for https://127.0.0.1:port and the
// CA that signed the serving certificate: the same rules, selectors and
// failure policy, for a webhook running as a local process.
func WebhookConfiguration(port int, caPEM []byte) (*admissionregistrationv1.ValidatingWebhookConfiguration, error) {
	file := filepath.Join(RepoRoot(), "manifests", "base", "validatingwebhookconfiguration.yaml")
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("reading the webhook configuration: %w", err)
	}
	var vwc admissionregistrationv1.ValidatingWebhookConfiguration
	if err := yaml.UnmarshalStrict(raw, &vwc); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	for i := range vwc.Webhooks {
		svc := vwc.Webhooks[i].ClientConfig.Service
		if svc == nil || svc.Path == nil {
			return nil, fmt.Errorf("%s: webhook %s has no service path to swap", file, vwc.Webhooks[i].Name)
		}
		url := fmt.Sprintf("https://127.0.0.1:%d%s", port, *svc.Path)
		vwc.Webhooks[i].ClientConfig = admissionregistrationv1.WebhookClientConfig{URL: &url, CABundle: caPEM}
	}
	return &vwc, nil
}

// WebhookDenies dry-runs, in namespace ns, a project Secret that breaks
// the key rule: only the webhook refuses it, so its denial says the API
// server calls it and has its answer. A call that fails (the webhook
// unreachable, or refusing the API server's TLS) names the webhook too,
// but is no denial.
func WebhookDenies(ctx context.Context, cs kubernetes.Interface, ns string) bool {
	s := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: projsecret.SecretName("probe"), Labels: map[string]string{projsecret.LabelProject: "probe"}},
		Data:       map[string][]byte{"bad.key": nil},
	}
	_, err := cs.CoreV1().Secrets(ns).Create(ctx, s, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
	return err != nil && strings.Contains(err.Error(), `admission webhook "`+webhook.WebhookName+`" denied the request`)
}

// Webhook is a projsecret-webhook process serving on 127.0.0.1 with a
// certificate from a CA made for it.
type Webhook struct {
	CA                     *certs.CA
	CertDir                string
	Port                   int
	ProbeAddr, MetricsAddr string

	cmd     *exec.Cmd
	done    chan struct{}
	exitErr error
}

// portAttempts bounds how often StartWebhook picks fresh ports after
// another process took one of them first.
const portAttempts = 5

// errPortTaken says the webhook exited because a port it was given had been
// taken by another process in the meantime.
var errPortTaken = errors.New("a port given to the webhook was taken before it could listen")

// StartWebhook runs the webhook binary bin with its certificates in
// dir/webhook-tls and its output to logs, and waits until /readyz passes.
// args come after the flags that place it on 127.0.0.1.
//
// The ports cannot be handed over as listeners: controller-runtime v0.25.2
// binds each of its own (the webhook server's tls.Listen on Host:Port, the
// manager's health probe listener, the metrics server's ListenConfig) and
// reads none back, so the process is given ports that were free a moment
// before. When another process takes one in between, the webhook exits
// with "address already in use" before it is ready, and it is started
// again on fresh ports: the race costs a retry, never a failed start.
func StartWebhook(ctx context.Context, bin, dir string, logs io.Writer, args ...string) (*Webhook, error) {
	ca, err := certs.NewCA("projsecret-local-ca")
	if err != nil {
		return nil, fmt.Errorf("webhook CA: %w", err)
	}
	kp, err := ca.Issue([]string{"127.0.0.1"}, 24*time.Hour)
	if err != nil {
		return nil, fmt.Errorf("webhook certificate: %w", err)
	}
	certDir := filepath.Join(dir, "webhook-tls")
	if err := os.MkdirAll(certDir, 0o700); err != nil {
		return nil, fmt.Errorf("webhook certificate directory: %w", err)
	}
	if err := certs.WriteServing(certDir, kp, ca); err != nil {
		return nil, fmt.Errorf("writing the webhook certificate: %w", err)
	}
	for attempt := 1; ; attempt++ {
		w, err := startWebhook(ctx, bin, &Webhook{CA: ca, CertDir: certDir, done: make(chan struct{})}, logs, args)
		if !errors.Is(err, errPortTaken) || attempt == portAttempts {
			return w, err
		}
	}
}

func startWebhook(ctx context.Context, bin string, w *Webhook, logs io.Writer, args []string) (*Webhook, error) {
	ports, err := FreePorts(3)
	if err != nil {
		return nil, err
	}
	w.Port, w.ProbeAddr, w.MetricsAddr = ports[0], "127.0.0.1:"+strconv.Itoa(ports[1]), "127.0.0.1:"+strconv.Itoa(ports[2])
	w.cmd = exec.Command(bin, append([]string{
		"--host=127.0.0.1",
		"--port=" + strconv.Itoa(w.Port),
		"--cert-dir=" + w.CertDir,
		"--metrics-bind-address=" + w.MetricsAddr,
		"--health-probe-bind-address=" + w.ProbeAddr,
		"--shutdown-delay=0s",
	}, args...)...)
	// One writer for both streams, so exec copies them in one goroutine.
	conflict := &addrInUse{}
	out := io.MultiWriter(logs, conflict)
	w.cmd.Stdout, w.cmd.Stderr = out, out
	if err := w.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	go func() {
		w.exitErr = w.cmd.Wait()
		close(w.done)
	}()
	// A probe port taken by a process that accepts and never answers must
	// not hang the poll past its timeout.
	probeClient := &http.Client{Timeout: 2 * time.Second}
	err = wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		select {
		case <-w.done:
			if conflict.seen.Load() {
				return false, fmt.Errorf("%w (%v)", errPortTaken, w.exitErr)
			}
			return false, fmt.Errorf("the webhook exited before it was ready: %v", w.exitErr)
		default:
		}
		resp, err := probeClient.Get("http://" + w.ProbeAddr + "/readyz")
		if err != nil {
			return false, nil
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, nil
	})
	if err != nil {
		_ = w.cmd.Process.Kill()
		<-w.done
		return nil, fmt.Errorf("waiting for the webhook's /readyz: %w", err)
	}
	return w, nil
}

// addrInUse records whether the output it is given says that a listener
// could not bind; the webhook logs one JSON line per error.
type addrInUse struct{ seen atomic.Bool }

func (a *addrInUse) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte("address already in use")) {
		a.seen.Store(true)
	}
	return len(p), nil
}

// Register creates the webhook's configuration in the cluster cs reaches
// and waits until the API server calls the webhook.
func (w *Webhook) Register(ctx context.Context, cs kubernetes.Interface) error {
	vwc, err := WebhookConfiguration(w.Port, w.CA.CertPEM)
	if err != nil {
		return err
	}
	if _, err := cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().Create(ctx, vwc, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("registering the webhook: %w", err)
	}
	err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		return WebhookDenies(ctx, cs, metav1.NamespaceDefault), nil
	})
	if err != nil {
		return fmt.Errorf("waiting for the API server to call the webhook: %w", err)
	}
	return nil
}

// Stop sends SIGTERM and waits for the process, killing it after 30s.
func (w *Webhook) Stop() error {
	if err := w.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("signalling the webhook: %w", err)
	}
	select {
	case <-w.done:
		return w.exitErr
	case <-time.After(30 * time.Second):
		_ = w.cmd.Process.Kill()
		<-w.done
		return errors.New("the webhook was still running 30s after SIGTERM")
	}
}

// FreePorts returns n distinct ports of 127.0.0.1 that were free when it
// returned, for processes that bind their own listeners (see StartWebhook
// for why the listeners are not handed over).
func FreePorts(n int) ([]int, error) {
	// Every listener stays open until all are found, so the n differ.
	ports := make([]int, n)
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("finding a free port: %w", err)
		}
		defer l.Close()
		ports[i] = l.Addr().(*net.TCPAddr).Port
	}
	return ports, nil
}
