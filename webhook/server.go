package webhook

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"time"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	ctrlwebhook "sigs.k8s.io/controller-runtime/pkg/webhook"

	"github.com/projsecret/projsecret"
)

// Defaults of the Options that bound the load one replica takes.
const (
	// DefaultMaxInflight is how many reviews one replica judges at once.
	// A near-limit review (3.2 MiB AdmissionReview) allocates about 9 MiB;
	// 32 sent at once peak at about 84 MiB of heap with this bound and
	// 155 MiB without one, against the pod's 128 MiB limit (docs/benchmarks.md,
	// part 2b). Small reviews take well under a millisecond, so
	// 8 at a time still serves thousands per second.
	DefaultMaxInflight = 8
	// DefaultInflightWait is how long a review waits for a slot before it
	// is denied as busy: well inside the API server's 3 s timeoutSeconds,
	// so the requester reads the webhook's message, not a timeout.
	DefaultInflightWait = time.Second
	// DefaultGracefulShutdownTimeout bounds draining in-flight reviews
	// after the shutdown delay; with the default 5 s delay it stays inside
	// the Deployment's 30 s terminationGracePeriodSeconds.
	DefaultGracefulShutdownTimeout = 15 * time.Second
)

// Options configure Run. The zero value of a field means its default.
type Options struct {
	// Host is the address the webhook listens on; empty means all.
	Host string
	// Port is the HTTPS port of the webhook (default 9443).
	Port int
	// CertDir holds tls.crt and tls.key; both are re-read when they change,
	// so a rotated certificate is served without a restart.
	CertDir string
	// Policy is what the webhook enforces.
	Policy projsecret.Policy
	// EnableHTTP2 serves HTTP/2 as well. It is off by default: HTTP/1.1 is
	// all the API server needs, and it is not exposed to HTTP/2 rapid reset
	// (CVE-2023-44487) and stream-multiplexing attacks.
	EnableHTTP2 bool
	// MetricsBindAddress serves Prometheus metrics at /metrics over HTTP;
	// "0" turns the metrics server off.
	MetricsBindAddress string
	// ProbeBindAddress serves /healthz and /readyz over HTTP.
	ProbeBindAddress string
	// ShutdownDelay is how long the webhook keeps serving, not ready, after
	// ctx ends, so Service endpoints drop the pod before it stops answering.
	ShutdownDelay time.Duration
	// GracefulShutdownTimeout bounds how long, after ShutdownDelay, the
	// webhook waits for in-flight reviews (default 15s).
	GracefulShutdownTimeout time.Duration
	// MaxInflight bounds the reviews judged at once (default 8); the next
	// ones wait up to InflightWait (default 1s) and are then denied.
	MaxInflight  int
	InflightWait time.Duration
	// MaxConnections bounds the connections open on Port (default 256);
	// at the bound the longest-idle one is closed for a new one.
	MaxConnections int
	// MaxBufferedBytes bounds the bytes that request bodies beyond their
	// first 64 KiB hold at once (default 32 MiB).
	MaxBufferedBytes int64
	// ClientCAName, a file in CertDir, makes the webhook require a client
	// certificate signed by it: for clusters whose API server is
	// configured to present one (docs/webhook.md).
	ClientCAName string

	// delayEnds says when ShutdownDelay is over: time.After, except in
	// tests, which end it once they have observed the webhook serving
	// while not ready, instead of racing a fixed window.
	delayEnds func(time.Duration) <-chan time.Time
}

// TLSOptions are the webhook server's TLS settings: TLS 1.2 or later, and
// HTTP/1.1 only unless enableHTTP2 (HTTP/2 rapid reset, CVE-2023-44487).
func TLSOptions(enableHTTP2 bool) []func(*tls.Config) {
	opts := []func(*tls.Config){func(c *tls.Config) { c.MinVersion = tls.VersionTLS12 }}
	if !enableHTTP2 {
		opts = append(opts, func(c *tls.Config) { c.NextProtos = []string{"http/1.1"} })
	}
	return opts
}

// Run serves the webhook, metrics and probes until ctx ends, keeps serving
// (not ready) for ShutdownDelay, then drains in-flight reviews and returns.
// It needs no API server access.
func Run(ctx context.Context, o Options) error {
	// An empty rest.Config, as cert-manager's webhook does: the manager
	// builds a client, a lazy REST mapper and an informer cache from it,
	// but nothing here asks them for anything, so no request is ever sent
	// (TestManagerNeverCallsTheAPIServer) and the pod needs no RBAC.
	return run(ctx, &rest.Config{}, o)
}

func run(ctx context.Context, cfg *rest.Config, o Options) error {
	log := logf.Log.WithName("projsecret-webhook")
	o = o.withDefaults()
	gracefulShutdown := o.GracefulShutdownTimeout
	mgr, err := manager.New(cfg, manager.Options{
		Logger:                  log,
		WebhookServer:           newHTTPSServer(o, log),
		Metrics:                 metricsserver.Options{BindAddress: o.MetricsBindAddress},
		HealthProbeBindAddress:  o.ProbeBindAddress,
		GracefulShutdownTimeout: &gracefulShutdown,
	})
	if err != nil {
		return fmt.Errorf("setting up the webhook's manager: %w", err)
	}
	// GetWebhookServer also adds the server to the manager's runnables.
	server := mgr.GetWebhookServer()
	server.Register(Path, limit(NewWebhook(o.Policy), o.MaxInflight, o.InflightWait, o.MaxBufferedBytes))
	if err := mgr.AddHealthzCheck("ping", healthz.Ping); err != nil {
		return fmt.Errorf("adding the liveness check: %w", err)
	}
	if err := mgr.AddReadyzCheck("webhook", server.StartedChecker()); err != nil {
		return fmt.Errorf("adding the readiness check: %w", err)
	}
	// Readiness must fail as soon as ctx ends, while the webhook still
	// serves: the manager stops every server the moment its own context
	// ends, and the endpoints controller needs a few seconds to take the
	// pod out of the Service. So the manager runs on a context that ends
	// ShutdownDelay after ctx, and the "shutdown" check reads ctx itself.
	// A Runnable cannot do this: it only ever sees the manager's context.
	if err := mgr.AddReadyzCheck("shutdown", func(*http.Request) error {
		if ctx.Err() != nil {
			return errors.New("shutting down")
		}
		return nil
	}); err != nil {
		return fmt.Errorf("adding the shutdown check: %w", err)
	}
	serveCtx, stopServing := context.WithCancel(context.WithoutCancel(ctx))
	defer stopServing()
	stopDelay := context.AfterFunc(ctx, func() {
		log.Info("stopping: not ready any more, still serving", "delay", o.ShutdownDelay)
		delayEnds := o.delayEnds
		if delayEnds == nil {
			delayEnds = time.After
		}
		go func() {
			<-delayEnds(o.ShutdownDelay)
			stopServing()
		}()
	})
	defer stopDelay()
	if err := mgr.Start(serveCtx); err != nil {
		return fmt.Errorf("webhook on port %d with certificates from %s: %w", o.Port, o.CertDir, err)
	}
	return nil
}

func (o Options) withDefaults() Options {
	if o.Port == 0 {
		o.Port = ctrlwebhook.DefaultPort
	}
	if o.GracefulShutdownTimeout == 0 {
		o.GracefulShutdownTimeout = DefaultGracefulShutdownTimeout
	}
	if o.MaxInflight == 0 {
		o.MaxInflight = DefaultMaxInflight
	}
	if o.InflightWait == 0 {
		o.InflightWait = DefaultInflightWait
	}
	if o.MaxConnections == 0 {
		o.MaxConnections = DefaultMaxConnections
	}
	if o.MaxBufferedBytes == 0 {
		o.MaxBufferedBytes = DefaultMaxBufferedBytes
	}
	return o
}
