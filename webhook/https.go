package webhook

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	stdlog "log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
	"sigs.k8s.io/controller-runtime/pkg/certwatcher"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	ctrlwebhook "sigs.k8s.io/controller-runtime/pkg/webhook"
)

// Bounds on the connections of the webhook port, which every pod can reach.
const (
	// DefaultMaxConnections bounds the connections open at once. Each costs
	// a few tens of KiB (TLS and HTTP buffers, a goroutine, up to
	// smallBody of body), so the bound keeps them well inside the pod's
	// memory limit beside --max-inflight reviews.
	DefaultMaxConnections = 256
	// headerTimeout bounds the TLS handshake and the request's headers,
	// which the API server sends at once.
	headerTimeout = 2 * time.Second
	// maxHeaderBytes bounds a request's headers (net/http adds 4 KiB). The
	// API server's are a few hundred bytes, a token included.
	maxHeaderBytes = 32 << 10
	// idleTimeout matches the API server's transport, which keeps
	// connections to webhooks alive for 90 s; connLimiter closes idle ones
	// first when the port is full.
	idleTimeout = 90 * time.Second
	// answerTimeout bounds, beside reading the body and waiting for a
	// slot, judging the review and writing the answer.
	answerTimeout = 2 * time.Second
	// maxStreams bounds the requests one HTTP/2 connection may have open
	// (with --enable-http2), so the connection bound bounds requests too.
	maxStreams = 8
)

// httpsServer is controller-runtime's webhook server with connection
// handling fit for a port that anyone in the cluster can reach. It keeps
// controller-runtime's Register, which adds the webhook request metrics,
// and its certificate watcher, but serves with its own http.Server and
// listener: controller-runtime's allows 32 s for headers and 1 MiB of
// them, bounds neither connections nor writes, and offers no way to
// change that. Its readiness check also does not dial the port, as
// controller-runtime's does, since under a flood the dial would wait
// behind the flood and a failed probe would take the replica out of
// service: the outage the bounds exist to prevent.
type httpsServer struct {
	*ctrlwebhook.DefaultServer
	opts     Options
	log      logr.Logger
	listener *connLimiter // set once Start listens; for tests
	started  atomic.Bool
	ready    chan struct{}
}

func newHTTPSServer(o Options, log logr.Logger) *httpsServer {
	def := ctrlwebhook.NewServer(ctrlwebhook.Options{Host: o.Host, Port: o.Port, CertDir: o.CertDir}).(*ctrlwebhook.DefaultServer)
	return &httpsServer{DefaultServer: def, opts: o, log: log, ready: make(chan struct{})}
}

// tlsConfig is what Start serves with: TLSOptions, certificates re-read
// when they change, and, with ClientCAName, client certificates verified.
func (s *httpsServer) tlsConfig(ctx context.Context) (*tls.Config, error) {
	cfg := &tls.Config{}
	for _, opt := range TLSOptions(s.opts.EnableHTTP2) {
		opt(cfg)
	}
	if s.opts.EnableHTTP2 {
		cfg.NextProtos = []string{"h2", "http/1.1"}
	}
	watcher, err := certwatcher.New(filepath.Join(s.opts.CertDir, "tls.crt"), filepath.Join(s.opts.CertDir, "tls.key"))
	if err != nil {
		return nil, err
	}
	cfg.GetCertificate = watcher.GetCertificate
	go func() {
		if err := watcher.Start(ctx); err != nil {
			s.log.Error(err, "watching the serving certificate failed")
		}
	}()
	if s.opts.ClientCAName != "" {
		pem, err := os.ReadFile(filepath.Join(s.opts.CertDir, s.opts.ClientCAName))
		if err != nil {
			return nil, fmt.Errorf("reading the client CA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("the client CA %s holds no PEM certificate", filepath.Join(s.opts.CertDir, s.opts.ClientCAName))
		}
		cfg.ClientCAs, cfg.ClientAuth = pool, tls.RequireAndVerifyClientCert
	}
	return cfg, nil
}

// Start serves until ctx ends, then shuts down gracefully (the manager
// bounds how long it waits).
func (s *httpsServer) Start(ctx context.Context) error {
	cfg, err := s.tlsConfig(ctx)
	if err != nil {
		return err
	}
	tcp, err := net.Listen("tcp", net.JoinHostPort(s.opts.Host, strconv.Itoa(s.opts.Port)))
	if err != nil {
		return err
	}
	s.listener = newConnLimiter(tls.NewListener(tcp, cfg), s.opts.MaxConnections)
	srv := &http.Server{
		Handler: s.WebhookMux(),
		// Reviews in flight when shutdown starts are drained, not
		// cancelled: each is bounded by the deadlines below anyway.
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
		ConnState:         s.listener.ConnState,
		ReadHeaderTimeout: headerTimeout,
		// A backstop for every path: the webhook's own reads set shorter
		// deadlines, but a request to any other path would otherwise have
		// its unread body drained with no deadline at all.
		ReadTimeout: headerTimeout + bodyTimeout,
		// From the end of the headers: the body, the wait for a slot,
		// judging and answering.
		WriteTimeout:   bodyTimeout + s.opts.InflightWait + answerTimeout,
		IdleTimeout:    idleTimeout,
		MaxHeaderBytes: maxHeaderBytes,
		HTTP2:          &http.HTTP2Config{MaxConcurrentStreams: maxStreams},
		// TLS handshake failures of clients that are not the API server
		// would otherwise fill the log at the rate anyone cares to send them.
		ErrorLog: stdlog.New(logWriter{s.log.V(1)}, "", 0),
	}
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		<-ctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := srv.Shutdown(shutdownCtx); err != nil {
			s.log.Error(err, "shutting down the webhook server")
		}
	}()
	registerRuntimeMetrics(s.log)
	s.log.Info("serving the webhook", "host", s.opts.Host, "port", s.opts.Port, "maxConnections", s.opts.MaxConnections, "clientCA", s.opts.ClientCAName != "")
	s.started.Store(true)
	close(s.ready)
	if err := srv.Serve(s.listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	<-stopped
	return nil
}

// StartedChecker is ready once the port listens.
func (s *httpsServer) StartedChecker() healthz.Checker {
	return func(*http.Request) error {
		if !s.started.Load() {
			return errors.New("the webhook server has not started yet")
		}
		return nil
	}
}

// logWriter turns net/http's error log lines into log entries.
type logWriter struct{ log logr.Logger }

func (w logWriter) Write(p []byte) (int, error) {
	w.log.Info(string(p))
	return len(p), nil
}
