package webhook

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	ctrlwebhook "sigs.k8s.io/controller-runtime/pkg/webhook"

	"github.com/projsecret/projsecret"
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
	// Ready, if set, is called once the webhook's TLS listener answers.
	Ready func()
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

// Run serves the webhook, metrics and probes until ctx ends, then drains
// in-flight reviews and returns. It needs no API server access.
func Run(ctx context.Context, o Options) error {
	log := logf.Log.WithName("projsecret-webhook")
	if o.Port == 0 {
		o.Port = ctrlwebhook.DefaultPort
	}
	server := ctrlwebhook.NewServer(ctrlwebhook.Options{Host: o.Host, Port: o.Port, CertDir: o.CertDir, TLSOpts: TLSOptions(o.EnableHTTP2)})
	server.Register(Path, NewWebhook(o.Policy))

	var stopping atomic.Bool
	started := server.StartedChecker()
	ready := func(req *http.Request) error {
		if stopping.Load() {
			return errors.New("shutting down")
		}
		return started(req)
	}

	// The metrics server binds its address in Start; nil means turned off.
	var metrics metricsserver.Server
	if o.MetricsBindAddress != "0" {
		var err error
		if metrics, err = metricsserver.NewServer(metricsserver.Options{BindAddress: o.MetricsBindAddress}, nil, nil); err != nil {
			return fmt.Errorf("metrics server: %w", err)
		}
	}
	probes, err := listenProbes(o.ProbeBindAddress, ready)
	if err != nil {
		return err
	}

	// serveCtx outlives ctx by ShutdownDelay: the servers keep answering
	// while the readiness probe already fails.
	serveCtx, stopServing := context.WithCancel(context.Background())
	defer stopServing()
	g, gctx := errgroup.WithContext(serveCtx)
	g.Go(func() error {
		if err := server.Start(gctx); err != nil {
			return fmt.Errorf("webhook server on port %d with certificates from %s: %w", o.Port, o.CertDir, err)
		}
		return nil
	})
	if metrics != nil {
		g.Go(func() error {
			if err := metrics.Start(gctx); err != nil {
				return fmt.Errorf("metrics server on %s: %w", o.MetricsBindAddress, err)
			}
			return nil
		})
	}
	g.Go(func() error { return probes.serve(gctx) })
	if o.Ready != nil {
		g.Go(func() error { return waitReady(gctx, started, o.Ready) })
	}
	g.Go(func() error {
		select {
		case <-gctx.Done():
		case <-ctx.Done():
			stopping.Store(true)
			log.Info("stopping: not ready any more, still serving", "delay", o.ShutdownDelay)
			select {
			case <-time.After(o.ShutdownDelay):
			case <-gctx.Done():
			}
			stopServing()
		}
		return nil
	})
	return g.Wait()
}

// waitReady calls ready once the webhook's TLS listener answers.
func waitReady(ctx context.Context, started healthz.Checker, ready func()) error {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		if started(nil) == nil {
			ready()
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

type probeServer struct {
	l   net.Listener
	srv *http.Server
}

// listenProbes binds the probe address now, so a taken port fails Run at
// once rather than leaving a pod that never turns ready.
func listenProbes(addr string, ready healthz.Checker) (*probeServer, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("probe server on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	healthzH := &healthz.Handler{Checks: map[string]healthz.Checker{"ping": healthz.Ping}}
	readyzH := &healthz.Handler{Checks: map[string]healthz.Checker{"webhook": ready}}
	for path, h := range map[string]http.Handler{"/healthz": healthzH, "/readyz": readyzH} {
		mux.Handle(path, http.StripPrefix(path, h))
		mux.Handle(path+"/", http.StripPrefix(path, h))
	}
	return &probeServer{l: l, srv: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}}, nil
}

func (p *probeServer) serve(ctx context.Context) error {
	go func() {
		<-ctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = p.srv.Shutdown(shutdownCtx)
	}()
	if err := p.srv.Serve(p.l); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("probe server: %w", err)
	}
	return nil
}
