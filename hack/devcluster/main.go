// Command devcluster starts the real control plane that the tests use, for a
// person: it writes a kubeconfig, says how to use it, and runs until
// interrupted. No cluster, container runtime or download is needed.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/projsecret/projsecret/internal/testenv"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func run() error {
	webhookBin := flag.String("webhook", "", "also run this projsecret-webhook binary over TLS on 127.0.0.1, registered through manifests/base's ValidatingWebhookConfiguration; its log goes to .cache/dev-cluster/webhook.log")
	flag.Parse()
	dir := filepath.Join(testenv.RepoRoot(), ".cache", "dev-cluster")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	// A kubeconfig left by an earlier run points at a dead server: remove it
	// first so that waiting scripts only ever see this run's.
	ready := filepath.Join(dir, "kubeconfig")
	_ = os.Remove(ready)

	// Listen before starting: a Ctrl-C while etcd and the API server come up
	// must still stop them, not leave them running without a parent.
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)

	env, err := testenv.Start(dir)
	if err != nil {
		return err
	}
	defer env.Stop()
	if *webhookBin != "" {
		stopWebhook, err := startWebhook(env, *webhookBin, dir)
		if err != nil {
			return err
		}
		defer stopWebhook()
	}
	if err := os.Rename(env.Kubeconfig, ready); err != nil {
		return fmt.Errorf("publishing kubeconfig: %w", err)
	}
	defer os.Remove(ready)
	bin := filepath.Join(testenv.RepoRoot(), "bin")
	fmt.Printf(`A local kube-apiserver is running at %s.
Use it from another shell:

  export KUBECONFIG=%s
  export PATH=%s:$PATH
  printf %%s 's3cr3t' | kubectl projsecret create demo api-token --stdin
  kubectl projsecret get demo

Press Ctrl-C to stop it.
`, env.Config.Host, ready, bin)
	<-stop
	return nil
}

// startWebhook runs the webhook and registers it; the kubeconfig is only
// published afterwards, so whoever waits for it finds the webhook called.
func startWebhook(env *testenv.Env, bin, dir string) (func(), error) {
	logPath := filepath.Join(dir, "webhook.log")
	logs, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("webhook log: %w", err)
	}
	ctx := context.Background()
	w, err := testenv.StartWebhook(ctx, bin, dir, logs)
	if err != nil {
		logs.Close()
		return nil, fmt.Errorf("%w (log: %s)", err, logPath)
	}
	stop := func() {
		if err := w.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stopping the webhook:", err)
		}
		logs.Close()
	}
	if err := w.Register(ctx, env.Clientset); err != nil {
		stop()
		return nil, err
	}
	fmt.Printf("The projsecret webhook serves https://127.0.0.1:%d (log: %s).\n", w.Port, logPath)
	return stop, nil
}
