// Package testenv runs the real control plane (kube-apiserver and etcd built
// by `make controlplane`) for integration tests, benchmarks and the
// dev cluster, and drives the real kubectl and plugin binaries against it.
package testenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/go-logr/logr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
)

// Env is a running control plane plus a folder of kubeconfigs and binaries.
type Env struct {
	env *envtest.Environment
	// Dir holds kubeconfigs and the binaries built for this run.
	Dir string
	// Config and Clientset act as the cluster admin (group system:masters).
	Config    *rest.Config
	Clientset kubernetes.Interface
	// Kubeconfig is the admin's kubeconfig file.
	Kubeconfig string
}

// RepoRoot is the module root, found from this source file.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Option changes how Start runs the control plane.
type Option func(*envtest.Environment)

// APIServerFlag sets kube-apiserver's --name=value, beside (or instead of)
// envtest's own flags: for example an --admission-control-config-file.
func APIServerFlag(name, value string) Option {
	return func(e *envtest.Environment) {
		e.ControlPlane.GetAPIServer().Configure().Set(name, value)
	}
}

// Start starts etcd and kube-apiserver from KUBEBUILDER_ASSETS, or from
// bin/controlplane when it is unset, and writes the admin kubeconfig to dir.
func Start(dir string, opts ...Option) (*Env, error) {
	assets := os.Getenv("KUBEBUILDER_ASSETS")
	if assets == "" {
		assets = filepath.Join(RepoRoot(), "bin", "controlplane")
	}
	if _, err := os.Stat(filepath.Join(assets, "kube-apiserver")); err != nil {
		return nil, fmt.Errorf("no kube-apiserver in %s (run `make controlplane`): %w", assets, err)
	}
	// envtest logs through controller-runtime; without a logger it prints a
	// stack trace on first use instead.
	ctrllog.SetLogger(logr.Discard())
	e := &Env{Dir: dir, env: &envtest.Environment{BinaryAssetsDirectory: assets}}
	for _, opt := range opts {
		opt(e.env)
	}
	cfg, err := e.env.Start()
	if err != nil {
		return nil, fmt.Errorf("starting kube-apiserver and etcd from %s: %w", assets, err)
	}
	e.Config = cfg
	if e.Clientset, err = kubernetes.NewForConfig(cfg); err != nil {
		return nil, errors.Join(fmt.Errorf("admin clientset: %w", err), e.Stop())
	}
	e.Kubeconfig = filepath.Join(dir, "admin.kubeconfig")
	if err := os.WriteFile(e.Kubeconfig, e.env.KubeConfig, 0o600); err != nil {
		return nil, errors.Join(fmt.Errorf("writing admin kubeconfig: %w", err), e.Stop())
	}
	return e, nil
}

// Stop stops the control plane.
func (e *Env) Stop() error { return e.env.Stop() }

// User provisions a client-certificate user, not an admin, and returns the
// path of a kubeconfig that authenticates as it.
func (e *Env) User(name string, groups ...string) (string, error) {
	u, err := e.env.AddUser(envtest.User{Name: name, Groups: groups}, nil)
	if err != nil {
		return "", fmt.Errorf("adding user %q: %w", name, err)
	}
	kc, err := u.KubeConfig()
	if err != nil {
		return "", fmt.Errorf("kubeconfig for user %q: %w", name, err)
	}
	path := filepath.Join(e.Dir, name+".kubeconfig")
	return path, os.WriteFile(path, kc, 0o600)
}

// Build compiles a main package of this module (for example
// "./cmd/kubectl-projsecret") into e.Dir/bin, stamped with version.
func Build(binDir, pkg, version string) (string, error) {
	out := filepath.Join(binDir, filepath.Base(pkg))
	cmd := exec.Command("go", "build", "-trimpath", "-o", out,
		"-ldflags", "-X github.com/projsecret/projsecret/internal/version.Version="+version, pkg)
	cmd.Dir = RepoRoot()
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %w\n%s", pkg, err, b)
	}
	return out, nil
}

// Result is what a command printed and how it exited.
type Result struct {
	Stdout, Stderr string
	ExitCode       int
}

func (r Result) String() string {
	return fmt.Sprintf("exit %d\nstdout: %s\nstderr: %s", r.ExitCode, r.Stdout, r.Stderr)
}

// Kubectl runs the real kubectl with the given kubeconfig, with binDir first
// on PATH so plugin discovery finds kubectl-projsecret there. It returns an
// error only when kubectl could not run at all; a non-zero exit is in Result.
func Kubectl(ctx context.Context, binDir, kubeconfig string, stdin []byte, args ...string) (Result, error) {
	cmd := exec.CommandContext(ctx, "kubectl", args...)
	cmd.Env = append(os.Environ(),
		"KUBECONFIG="+kubeconfig,
		"PATH="+binDir+string(os.PathListSeparator)+os.Getenv("PATH"))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	err := cmd.Run()
	res := Result{Stdout: stdout.String(), Stderr: stderr.String()}
	if exit, ok := err.(*exec.ExitError); ok {
		res.ExitCode = exit.ExitCode()
		return res, nil
	}
	if err != nil {
		return res, fmt.Errorf("running kubectl %s: %w", strings.Join(args, " "), err)
	}
	return res, nil
}
