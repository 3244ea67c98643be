// Command projsecret-webhook is the validating admission webhook for project
// Secrets. It needs no API server access: the API server sends it every
// write to a Secret labeled projsecret.io/project and it answers with the
// contract's verdict.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"k8s.io/klog/v2"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/manager/signals"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/internal/version"
	"github.com/projsecret/projsecret/webhook"
)

func main() {
	opts, logOpts, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if errors.Is(err, errVersion) {
		fmt.Printf("projsecret-webhook %s (commit %s, %s)\n", version.Version, version.Commit, version.GoVersion())
		return
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "projsecret-webhook: %v\n", err)
		os.Exit(2)
	}
	logger := zap.New(zap.UseFlagOptions(logOpts))
	logf.SetLogger(logger)
	klog.SetLogger(logger)
	log := logf.Log.WithName("projsecret-webhook")
	log.Info("starting", "version", version.Version, "commit", version.Commit,
		"port", opts.Port, "certDir", opts.CertDir, "keyRule", opts.Policy.KeyRule.String(),
		"adminGroups", opts.Policy.AdminGroups, "adminUsers", opts.Policy.AdminUsers,
		"cleanupUsers", opts.Policy.CleanupUsers, "clockSkew", opts.Policy.ClockSkew, "http2", opts.EnableHTTP2,
		"maxInflight", opts.MaxInflight, "inflightWait", opts.InflightWait,
		"maxConnections", opts.MaxConnections, "maxBufferedBytes", opts.MaxBufferedBytes, "clientCAName", opts.ClientCAName)

	// The first SIGTERM or SIGINT starts a graceful shutdown, a second one exits.
	if err := webhook.Run(signals.SetupSignalHandler(), opts); err != nil {
		log.Error(err, "stopped")
		os.Exit(1)
	}
	log.Info("stopped")
}

var errVersion = errors.New("version requested")

// namesFlag collects a repeatable flag of names (--admin-group,
// --admin-user, --cleanup-user); the first use replaces the default list
// rather than adding to it.
type namesFlag struct {
	what  string // "an admin group", for the error message
	names []string
	set   bool
}

func (f *namesFlag) String() string { return strings.Join(f.names, ",") }

func (f *namesFlag) Set(v string) error {
	v = strings.TrimSpace(v)
	if v == "" {
		return fmt.Errorf("%s name cannot be empty", f.what)
	}
	if !f.set {
		f.names, f.set = nil, true
	}
	if !slices.Contains(f.names, v) {
		f.names = append(f.names, v)
	}
	return nil
}

func parseFlags(args []string, output io.Writer) (webhook.Options, *zap.Options, error) {
	fs := flag.NewFlagSet("projsecret-webhook", flag.ContinueOnError)
	fs.SetOutput(output)
	var (
		o           webhook.Options
		keyRule     string
		showVer     bool
		adminGroup  = namesFlag{what: "an admin group", names: slices.Clone(projsecret.DefaultPolicy().AdminGroups)}
		adminUser   = namesFlag{what: "an admin user"}
		cleanupUser = namesFlag{what: "a cleanup user", names: projsecret.DefaultCleanupUsers()}
		clockSkew   time.Duration
	)
	fs.StringVar(&o.Host, "host", "", "address the webhook listens on (empty: all)")
	fs.IntVar(&o.Port, "port", 9443, "HTTPS port of the webhook")
	fs.StringVar(&o.CertDir, "cert-dir", "/etc/projsecret-webhook/tls", "directory holding tls.crt and tls.key; re-read when they change")
	fs.Var(&adminGroup, "admin-group", "group whose members are admins: they may change or delete any project Secret regardless of its owners, and give an ownerless one owners; repeat for several (default system:masters; giving the flag replaces the default). RBAC's cluster-admin role makes nobody an admin here")
	fs.Var(&adminUser, "admin-user", "user who is an admin, as --admin-group's members are; repeat for several (default none)")
	fs.Var(&cleanupUser, "cleanup-user", "user who may delete any project Secret, or remove its finalizers and owner references, and may not create or otherwise change one; repeat for several (default "+strings.Join(projsecret.DefaultCleanupUsers(), ", ")+", so deleting a namespace, or a foreground or orphan delete, never hangs; giving the flag replaces the default)")
	fs.DurationVar(&clockSkew, "clock-skew", projsecret.DefaultClockSkew, "how far the createdAt/updatedAt of an entry that a write creates or changes may stray from the webhook's clock")
	fs.StringVar(&keyRule, "key-rule", "default", "rule entry keys must follow: "+keyRuleChoices()+"; each is at least as strict as default")
	fs.StringVar(&o.MetricsBindAddress, "metrics-bind-address", ":8080", `address serving Prometheus metrics at /metrics over HTTP; "0" turns it off`)
	fs.StringVar(&o.ProbeBindAddress, "health-probe-bind-address", ":8081", "address serving /healthz and /readyz over HTTP")
	fs.BoolVar(&o.EnableHTTP2, "enable-http2", false, "serve HTTP/2 too (off because of HTTP/2 rapid-reset attacks; the API server needs only HTTP/1.1)")
	fs.DurationVar(&o.ShutdownDelay, "shutdown-delay", 5*time.Second, "on SIGTERM, keep serving this long while /readyz fails, so the Service stops sending reviews first")
	fs.DurationVar(&o.GracefulShutdownTimeout, "graceful-shutdown-timeout", webhook.DefaultGracefulShutdownTimeout, "after --shutdown-delay, wait at most this long for reviews in flight to finish")
	fs.IntVar(&o.MaxInflight, "max-inflight", webhook.DefaultMaxInflight, "reviews one replica judges at once; more wait up to --inflight-wait, then are denied as busy (bounds memory: a near-limit review allocates about 9 MiB)")
	fs.DurationVar(&o.InflightWait, "inflight-wait", webhook.DefaultInflightWait, "how long a review over --max-inflight waits for a slot before it is denied; keep it under the configuration's timeoutSeconds (3s)")
	fs.IntVar(&o.MaxConnections, "max-connections", webhook.DefaultMaxConnections, "connections the webhook port holds open at once; at the bound the longest-idle one is closed for a new client, and if none is idle the new client waits (every other connection has a deadline)")
	fs.Int64Var(&o.MaxBufferedBytes, "max-buffered-bytes", webhook.DefaultMaxBufferedBytes, "bytes that request bodies beyond their first 64 KiB may hold at once; a review that finds no room within the body deadline is denied as busy")
	fs.StringVar(&o.ClientCAName, "client-ca-name", "", "file in --cert-dir holding the CA that signs the API server's client certificate; when set, clients without such a certificate are refused at the TLS handshake (docs/webhook.md)")
	fs.BoolVar(&showVer, "version", false, "print the version and exit")
	logOpts := &zap.Options{}
	logOpts.BindFlags(fs)
	if err := fs.Parse(args); err != nil {
		return o, nil, err
	}
	if showVer {
		return o, nil, errVersion
	}
	if fs.NArg() > 0 {
		return o, nil, fmt.Errorf("unexpected arguments %q: every setting is a flag (see -h)", fs.Args())
	}
	rule, ok := projsecret.KeyRuleNamed(keyRule)
	if !ok {
		return o, nil, fmt.Errorf("--key-rule=%q is not a rule: expected one of %s", keyRule, keyRuleChoices())
	}
	if o.Port < 1 || o.Port > 65535 {
		return o, nil, fmt.Errorf("--port=%d is not a TCP port: expected 1 to 65535", o.Port)
	}
	if o.MaxInflight < 1 {
		return o, nil, fmt.Errorf("--max-inflight=%d: expected at least 1", o.MaxInflight)
	}
	if o.InflightWait <= 0 {
		return o, nil, fmt.Errorf("--inflight-wait=%s: expected a positive duration", o.InflightWait)
	}
	if o.MaxConnections < 1 {
		return o, nil, fmt.Errorf("--max-connections=%d: expected at least 1", o.MaxConnections)
	}
	if o.MaxBufferedBytes < 1 {
		return o, nil, fmt.Errorf("--max-buffered-bytes=%d: expected at least 1", o.MaxBufferedBytes)
	}
	if o.ClientCAName != "" && (filepath.Base(o.ClientCAName) != o.ClientCAName || o.ClientCAName == "." || o.ClientCAName == "..") {
		return o, nil, fmt.Errorf("--client-ca-name=%q: expected a file name in --cert-dir, not a path", o.ClientCAName)
	}
	if o.GracefulShutdownTimeout <= 0 {
		return o, nil, fmt.Errorf("--graceful-shutdown-timeout=%s: expected a positive duration", o.GracefulShutdownTimeout)
	}
	if clockSkew <= 0 {
		return o, nil, fmt.Errorf("--clock-skew=%s is not a window: expected a positive duration such as 5m", clockSkew)
	}
	for _, u := range cleanupUser.names {
		if slices.Contains(adminUser.names, u) {
			return o, nil, fmt.Errorf("user %q is both --admin-user and --cleanup-user: a cleanup user may only delete or release, so name it once", u)
		}
	}
	o.Policy = projsecret.Policy{KeyRule: rule, AdminGroups: adminGroup.names, AdminUsers: adminUser.names,
		CleanupUsers: cleanupUser.names, ClockSkew: clockSkew}
	return o, logOpts, nil
}

func keyRuleChoices() string { return strings.Join(projsecret.KeyRuleNames(), ", ") }
