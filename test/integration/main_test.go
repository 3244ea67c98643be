//go:build integration

// Package integration drives the real kubectl and the built binaries against
// a real kube-apiserver and etcd (see internal/testenv). Run with
// `make test-integration`.
package integration

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/projsecret/projsecret/internal/testenv"
)

// testVersion is stamped into the binaries so tests can tell them apart
// from any kubectl-projsecret that happens to be installed.
const testVersion = "v0.0.0-integration"

var (
	env    *testenv.Env
	binDir string
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "projsecret-integration-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	binDir = filepath.Join(dir, "bin")
	for _, pkg := range []string{"./cmd/kubectl-projsecret", "./cmd/projsecret-webhook"} {
		if _, err := testenv.Build(binDir, pkg, testVersion); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	start := time.Now()
	if env, err = testenv.Start(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Printf("control plane up in %s\n", time.Since(start).Round(time.Millisecond))
	defer env.Stop()
	return m.Run()
}

// kubectl runs kubectl as the admin, or as whoever kubeconfig names.
func kubectlAs(t *testing.T, kubeconfig string, stdin []byte, args ...string) testenv.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := testenv.Kubectl(ctx, binDir, kubeconfig, stdin, args...)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func kubectl(t *testing.T, stdin []byte, args ...string) testenv.Result {
	t.Helper()
	return kubectlAs(t, env.Kubeconfig, stdin, args...)
}

// mustSucceed runs `kubectl projsecret args...` as the admin and fails the
// test on a non-zero exit.
func mustSucceed(t *testing.T, stdin []byte, args ...string) testenv.Result {
	t.Helper()
	res := kubectl(t, stdin, append([]string{"projsecret"}, args...)...)
	if res.ExitCode != 0 {
		t.Fatalf("kubectl projsecret %v: %s", args, res)
	}
	return res
}

// namespace creates a namespace unique to the test.
func namespace(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "t-"}}
	ns, err := env.Clientset.CoreV1().Namespaces().Create(context.Background(), ns, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("creating namespace: %v", err)
	}
	return ns.Name
}

// secret reads a project Secret straight from the API server.
func secret(t *testing.T, ns, project string) *corev1.Secret {
	t.Helper()
	s, err := env.Clientset.CoreV1().Secrets(ns).Get(context.Background(), "proj-secrets-"+project, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("getting secret for project %q: %v", project, err)
	}
	return s
}
