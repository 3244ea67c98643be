package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/projsecret/projsecret/internal/version"
	"k8s.io/client-go/kubernetes"
)

// Machine is what the numbers were measured on and with.
type Machine struct {
	CPU           string
	Cores         int
	Go            string
	KubeAPIServer string
	Kubectl       string
	Projsecret    string
}

func describeMachine(ctx context.Context, cs kubernetes.Interface) (Machine, error) {
	m := Machine{CPU: cpuModel(), Cores: runtime.NumCPU(), Go: version.GoVersion()}
	v, err := cs.Discovery().ServerVersion()
	if err != nil {
		return m, fmt.Errorf("asking the API server for its version: %w", err)
	}
	m.KubeAPIServer = v.GitVersion
	m.Kubectl = kubectlVersion(ctx)
	m.Projsecret = fmt.Sprintf("%s (commit %s)", version.Version, version.Commit)
	return m, nil
}

// Markdown is the report's heading and header line.
func (m Machine) Markdown(at time.Time) string {
	return fmt.Sprintf("## projsecret benchmarks, %s\n\n%s, %d cores · Go %s · kube-apiserver %s · kubectl %s · projsecret %s\n",
		at.Format("2006-01-02 15:04 MST"), m.CPU, m.Cores, m.Go, m.KubeAPIServer, m.Kubectl, m.Projsecret)
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

func kubectlVersion(ctx context.Context) string {
	out, err := exec.CommandContext(ctx, "kubectl", "version", "--client", "-o", "json").Output()
	if err != nil {
		return "unknown"
	}
	var v struct {
		ClientVersion struct{ GitVersion string } `json:"clientVersion"`
	}
	if json.Unmarshal(out, &v) != nil || v.ClientVersion.GitVersion == "" {
		return "unknown"
	}
	return v.ClientVersion.GitVersion
}
