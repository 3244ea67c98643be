package plugin

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/cli-runtime/pkg/genericclioptions"
)

// apiServer (TLS, since client-go only sends credentials over TLS) answers
// GET of one project secret and 404 to everything else,
// SelfSubjectReview included, and records the requests.
type apiServer struct {
	*httptest.Server
	mu       sync.Mutex
	requests []*http.Request
}

func newAPIServer(t *testing.T, namespace string) *apiServer {
	s := &apiServer{}
	secret := seeded(t, namespace, "web", seedEntry{key: "K", value: "v\x00\n"})
	secret.APIVersion, secret.Kind = "v1", "Secret"
	s.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests = append(s.requests, r.Clone(r.Context()))
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodGet && r.URL.Path == "/api/v1/namespaces/"+namespace+"/secrets/proj-secrets-web" {
			w.Header().Add("Warning", `299 - "project secret values total 950 KiB of the 1024 KiB limit"`)
			_ = json.NewEncoder(w).Encode(secret)
			return
		}
		status := apierrors.NewNotFound(schema.GroupResource{Resource: "things"}, r.URL.Path).Status()
		status.APIVersion, status.Kind = "v1", "Status"
		w.WriteHeader(http.StatusNotFound)
		_ = json.NewEncoder(w).Encode(status)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *apiServer) last() *http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[len(s.requests)-1]
}

func writeKubeconfig(t *testing.T, server, namespace, username string) string {
	t.Helper()
	user := "{}"
	if username != "" {
		user = `{"username": "` + username + `", "password": "pw"}`
	}
	config := `{"apiVersion": "v1", "kind": "Config", "current-context": "test",
  "clusters": [{"name": "test", "cluster": {"server": "` + server + `", "insecure-skip-tls-verify": true}}],
  "users": [{"name": "test-user", "user": ` + user + `}],
  "contexts": [{"name": "test", "context": {"cluster": "test", "user": "test-user", "namespace": "` + namespace + `"}}]}`
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestClientFromFlags(t *testing.T) {
	t.Parallel()
	server := newAPIServer(t, "ignored")
	tests := []struct {
		name          string
		kubeconfigNS  string
		username      string
		namespaceFlag string
		asFlag        string
		wantNamespace string
		wantUser      string
	}{
		{name: "kubeconfig namespace and user", kubeconfigNS: "from-config", username: "kubeuser", wantNamespace: "from-config", wantUser: "kubeuser"},
		{name: "-n wins", kubeconfigNS: "from-config", namespaceFlag: "from-flag", wantNamespace: "from-flag"},
		{name: "--as wins", username: "kubeuser", asFlag: "impersonated", wantNamespace: "default", wantUser: "impersonated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			flags := genericclioptions.NewConfigFlags(true)
			*flags.KubeConfig = writeKubeconfig(t, server.URL, tt.kubeconfigNS, tt.username)
			*flags.Namespace = tt.namespaceFlag
			*flags.Impersonate = tt.asFlag
			streams, _, _, _ := newStreams()
			client, err := clientFromFlags(flags, streams)()
			if err != nil {
				t.Fatal(err)
			}
			if client.Namespace() != tt.wantNamespace {
				t.Errorf("namespace %q, want %q", client.Namespace(), tt.wantNamespace)
			}
			// The server has no SelfSubjectReview, so the name is the fallback.
			user, err := client.User(t.Context())
			if tt.wantUser == "" {
				if err == nil {
					t.Errorf("user %q without any name to fall back on, want an error", user)
				}
			} else if err != nil || user != tt.wantUser {
				t.Errorf("user %q, %v; want %q", user, err, tt.wantUser)
			}
			req := server.last()
			if !strings.HasSuffix(req.URL.Path, "/selfsubjectreviews") {
				t.Errorf("last request %s, want the SelfSubjectReview", req.URL.Path)
			}
			if got := req.Header.Get("Impersonate-User"); got != tt.asFlag {
				t.Errorf("Impersonate-User %q, want %q", got, tt.asFlag)
			}
			if ua := req.Header.Get("User-Agent"); !strings.HasPrefix(ua, "kubectl-projsecret/") {
				t.Errorf("User-Agent %q", ua)
			}
		})
	}
}

// TestMainWithKubeconfig goes through Main, the real flag wiring: the
// kubeconfig, -n, the byte-exact value and the server's warning on stderr.
func TestMainWithKubeconfig(t *testing.T) {
	t.Parallel()
	server := newAPIServer(t, "team-z")
	kubeconfig := writeKubeconfig(t, server.URL, "from-config", "")
	streams, _, out, errOut := newStreams()
	code := Main(t.Context(), []string{"--kubeconfig", kubeconfig, "-n", "team-z", "read", "web", "K"}, streams)
	if code != 0 || out.String() != "v\x00\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if errOut.String() != "Warning: project secret values total 950 KiB of the 1024 KiB limit\n" {
		t.Errorf("stderr %q, want the server's warning", errOut)
	}

	streams, _, out, errOut = newStreams()
	code = Main(t.Context(), []string{"--kubeconfig", kubeconfig, "read", "web", "K"}, streams)
	if code != 1 || out.Len() != 0 || !strings.HasPrefix(errOut.String(), `error: project "web": not found in namespace "from-config"`) {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}

	streams, _, _, errOut = newStreams()
	code = Main(t.Context(), []string{"--kubeconfig", filepath.Join(t.TempDir(), "missing"), "get", "web"}, streams)
	if code != 1 || strings.Count(errOut.String(), "\n") != 1 || !strings.HasPrefix(errOut.String(), "error: ") {
		t.Errorf("missing kubeconfig: exit %d, stderr %q", code, errOut)
	}
}
