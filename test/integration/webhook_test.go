//go:build integration

package integration

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/internal/testenv"
	"github.com/projsecret/projsecret/store"
	"github.com/projsecret/projsecret/webhook"
	"github.com/projsecret/projsecret/webhook/certs"
)

// Webhook is the built projsecret-webhook binary serving on 127.0.0.1 with
// certificates from a CA made for the test, registered with the API server
// through manifests/base's ValidatingWebhookConfiguration.
//
// To run any test with the webhook on, call StartWebhook(t) first: until
// the test ends, every write to a project Secret in the cluster is reviewed
// by it; the cleanup unregisters it (and waits until the API server has
// stopped calling it) before stopping it, so later tests run without it.
type Webhook struct {
	*testenv.Webhook

	logs    *lockedBuffer
	stopped atomic.Bool
}

// StartWebhook runs and registers the webhook for the rest of t.
func StartWebhook(t *testing.T, args ...string) *Webhook {
	t.Helper()
	return startWebhookBinary(t, filepath.Join(binDir, "projsecret-webhook"), args...)
}

// startWebhookBinary is StartWebhook with the webhook binary bin (the one
// taken from the image, in TestImage).
func startWebhookBinary(t *testing.T, bin string, args ...string) *Webhook {
	t.Helper()
	w := runWebhookBinary(t, bin, args...)
	probeNS := namespace(t)
	register(t, w, probeNS)
	t.Cleanup(func() {
		unregister(t, probeNS)
		w.Stop(t)
		w.checkLogs(t)
	})
	return w
}

// runWebhookBinary starts the binary bin and waits until /readyz says its TLS
// listener answers (testenv.StartWebhook, which also says why its ports
// are found free rather than handed over).
func runWebhookBinary(t *testing.T, bin string, args ...string) *Webhook {
	t.Helper()
	w := &Webhook{logs: &lockedBuffer{}}
	var err error
	if w.Webhook, err = testenv.StartWebhook(context.Background(), bin, t.TempDir(), w.logs, args...); err != nil {
		t.Fatalf("%v:\n%s", err, w.logs)
	}
	t.Cleanup(func() {
		if !w.stopped.Load() {
			_ = w.Webhook.Stop()
		}
	})
	return w
}

// rotate issues a new serving certificate from the same CA and writes it
// where the webhook reads it.
func (w *Webhook) rotate(t *testing.T) {
	t.Helper()
	kp, err := w.CA.Issue([]string{"127.0.0.1"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := certs.WriteServing(w.CertDir, kp, w.CA); err != nil {
		t.Fatal(err)
	}
}

// servedSerial is the serial of the certificate the webhook serves now,
// verified against the CA the API server trusts.
func (w *Webhook) servedSerial(t *testing.T) *big.Int {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AddCert(w.CA.Cert)
	conn, err := tls.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(w.Port)), &tls.Config{RootCAs: pool})
	if err != nil {
		t.Fatalf("TLS to the webhook: %v", err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0].SerialNumber
}

// Stop sends SIGTERM and expects a clean exit.
func (w *Webhook) Stop(t *testing.T) {
	t.Helper()
	if w.stopped.Swap(true) {
		return
	}
	if err := w.Webhook.Stop(); err != nil {
		t.Errorf("projsecret-webhook did not exit cleanly on SIGTERM: %v\n%s", err, w.logs)
	}
}

// metric reads one series from the webhook's /metrics, 0 if absent.
func (w *Webhook) metric(t *testing.T, series string) float64 {
	t.Helper()
	resp, err := http.Get("http://" + w.MetricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("metric %s: %v", series, err)
			}
			return f
		}
	}
	return 0
}

const reviewsOK = `controller_runtime_webhook_requests_total{code="200",webhook="` + webhook.Path + `"}`

func denials(rule projsecret.Rule) string {
	return `projsecret_webhook_denials_total{rule="` + string(rule) + `"}`
}

// checkLogs: structured, one JSON object per line, and never a value.
func (w *Webhook) checkLogs(t *testing.T) {
	t.Helper()
	logs := w.logs.String()
	if strings.Contains(logs, "s3cr3t") {
		t.Errorf("the webhook logged a secret value:\n%s", logs)
	}
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		if line == "" {
			continue
		}
		var entry map[string]any
		if err := json.Unmarshal([]byte(line), &entry); err != nil {
			t.Errorf("log line is not JSON: %s", line)
			continue
		}
		if entry["msg"] == "denied" && (entry["requestID"] == nil || entry["user"] == nil || entry["rules"] == nil) {
			t.Errorf("denial logged without request UID, user or rules: %s", line)
		}
	}
}

// register creates the ValidatingWebhookConfiguration of manifests/base with
// the Service swapped for the webhook's URL and CA, and waits until the API
// server calls it.
func register(t *testing.T, w *Webhook, probeNS string) {
	t.Helper()
	vwc, err := testenv.WebhookConfiguration(w.Port, w.CA.CertPEM)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	api := env.Clientset.AdmissionregistrationV1().ValidatingWebhookConfigurations()
	if _, err := api.Create(ctx, vwc, metav1.CreateOptions{}); err != nil {
		t.Fatalf("registering the webhook: %v", err)
	}
	waitFor(t, "the API server to call the webhook", func() bool { return probeDenied(t, probeNS) })
}

func unregister(t *testing.T, probeNS string) {
	t.Helper()
	err := env.Clientset.AdmissionregistrationV1().ValidatingWebhookConfigurations().Delete(context.Background(), webhook.ConfigurationName, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		t.Errorf("unregistering the webhook: %v", err)
	}
	waitFor(t, "the API server to stop calling the webhook", func() bool { return !probeDenied(t, probeNS) })
}

// probeDenied dry-runs a project Secret that breaks the key rule: only the
// webhook refuses it.
func probeDenied(t *testing.T, ns string) bool {
	t.Helper()
	return testenv.WebhookDenies(context.Background(), env.Clientset, ns)
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		return cond(), nil
	})
	if err != nil {
		t.Fatalf("timed out waiting for %s", what)
	}
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// grant lets users read and write Secrets in ns, so that --as reaches the
// webhook instead of stopping at RBAC.
func grant(t *testing.T, ns string, users ...string) {
	t.Helper()
	ctx := context.Background()
	role := &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Name: "secret-writers", Namespace: ns},
		Rules:      []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"get", "list", "create", "update", "patch", "delete"}}},
	}
	if _, err := env.Clientset.RbacV1().Roles(ns).Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	binding := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "secret-writers", Namespace: ns},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role.Name},
	}
	for _, u := range users {
		binding.Subjects = append(binding.Subjects, rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: u})
	}
	if _, err := env.Clientset.RbacV1().RoleBindings(ns).Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// secretManifest is a valid project Secret, as a person would write it for
// kubectl apply: every entry created and updated by user now.
func secretManifest(t *testing.T, ns, project, user string, values map[string]string) *corev1.Secret {
	t.Helper()
	s := &corev1.Secret{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{
			Name: projsecret.SecretName(project), Namespace: ns,
			Labels:      map[string]string{projsecret.LabelProject: project},
			Annotations: map[string]string{},
		},
		Type:       corev1.SecretTypeOpaque,
		StringData: values,
	}
	now := projsecret.Timestamp(time.Now())
	entries := projsecret.Entries{}
	for k := range values {
		entries[k] = projsecret.EntryMeta{Description: "applied", CreatedAt: now, UpdatedAt: now, CreatedBy: user, UpdatedBy: user}
	}
	enc, err := entries.Encode()
	if err != nil {
		t.Fatal(err)
	}
	s.Annotations[projsecret.AnnotationEntries] = enc
	return s
}

func asJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// mustBeDenied: kubectl failed because the webhook said so, with each of
// want in the message, and printed no value.
func mustBeDenied(t *testing.T, res testenv.Result, want ...string) {
	t.Helper()
	if res.ExitCode == 0 {
		t.Fatalf("allowed, want a denial: %s", res)
	}
	want = append([]string{`admission webhook "` + webhook.WebhookName + `" denied the request`}, want...)
	for _, w := range want {
		if !strings.Contains(res.Stderr, w) {
			t.Errorf("stderr lacks %q: %s", w, res.Stderr)
		}
	}
	if strings.Contains(res.Stdout+res.Stderr, "s3cr3t") {
		t.Errorf("a value leaked into kubectl's output: %s", res)
	}
}

func mustPass(t *testing.T, res testenv.Result) {
	t.Helper()
	if res.ExitCode != 0 {
		t.Fatalf("want success: %s", res)
	}
}

// TestWebhookPluginFlow runs the plugin's own integration tests again with
// the webhook on: everything the plugin writes must pass review.
func TestWebhookPluginFlow(t *testing.T) {
	w := StartWebhook(t)
	before := w.metric(t, reviewsOK)
	var deniedBefore float64
	for _, r := range webhook.Rules() {
		deniedBefore += w.metric(t, denials(r))
	}

	t.Run("Flow", TestFlow)
	t.Run("RBACAndImpersonation", TestRBACAndImpersonation)
	t.Run("TwoNamespaces", TestTwoNamespaces)
	t.Run("Errors", TestErrors)
	t.Run("ConcurrentWriters", TestConcurrentWriters)

	reviewed := w.metric(t, reviewsOK) - before
	var denied float64
	for _, r := range webhook.Rules() {
		denied += w.metric(t, denials(r))
	}
	// The registration probe is denied once; nothing the plugin sends is.
	if denied-deniedBefore != 0 {
		t.Errorf("the webhook denied %v of the plugin's writes:\n%s", denied-deniedBefore, w.logs)
	}
	if reviewed < 50 {
		t.Errorf("the webhook reviewed only %v requests during the plugin's tests", reviewed)
	}
	t.Logf("the webhook reviewed %v of the plugin's writes", reviewed)
}

// TestWebhookRules: writes with kubectl that break each rule are refused
// with the rule's message, and leave the Secret as it was.
func TestWebhookRules(t *testing.T) {
	w := StartWebhook(t)
	ns := namespace(t)
	grant(t, ns, "alice")
	admin, err := store.WhoAmI(context.Background(), env.Clientset, "")
	if err != nil {
		t.Fatal(err)
	}
	mustSucceed(t, []byte("s3cr3t-VALUE-1"), "-n", ns, "create", "demo", "api-token", "--stdin")
	stored := secret(t, ns, "demo")
	entriesBefore := stored.Annotations[projsecret.AnnotationEntries]

	apply := func(obj *corev1.Secret, extra ...string) testenv.Result {
		return kubectl(t, asJSON(t, obj), append([]string{"apply", "--server-side", "-f", "-"}, extra...)...)
	}
	withKey := secretManifest(t, ns, "keys", admin, map[string]string{"bad.key": "s3cr3t-VALUE-2", "good": "s3cr3t-VALUE-3"})
	wrongName := secretManifest(t, ns, "named", admin, map[string]string{"k": "s3cr3t-VALUE-4"})
	wrongName.Name = "proj-secrets-other"
	wrongType := secretManifest(t, ns, "typed", admin, map[string]string{"k": "s3cr3t-VALUE-5"})
	wrongType.Type = "example.com/custom"
	noEntries := secretManifest(t, ns, "bare", admin, map[string]string{"k": "s3cr3t-VALUE-6"})
	delete(noEntries.Annotations, projsecret.AnnotationEntries)
	otherAuthor := secretManifest(t, ns, "credited", "someone-else", map[string]string{"k": "s3cr3t-VALUE-7"})

	unknownField := strings.Replace(entriesBefore, `"description"`, `"value":"x","description"`, 1)
	rewrittenCreator := strings.Replace(entriesBefore, `"createdBy":"`+admin+`"`, `"createdBy":"mallory"`, 1)
	for _, tc := range []struct {
		name string
		run  func() testenv.Result
		want []string
	}{
		{"apply a key that breaks the key rule", func() testenv.Result { return apply(withKey) }, []string{`invalid key(s) "bad.key": expected ^[A-Za-z0-9_-]+$`}},
		{"server dry-run is judged the same", func() testenv.Result { return apply(withKey, "--dry-run=server") }, []string{`invalid key(s) "bad.key"`}},
		{"apply a name that does not match the label", func() testenv.Result { return apply(wrongName) }, []string{`its name must be "proj-secrets-named"`}},
		{"apply a type other than Opaque", func() testenv.Result { return apply(wrongType) }, []string{`secret type is "example.com/custom": project secrets must be "Opaque"`}},
		{"apply without the entries annotation", func() testenv.Result { return apply(noEntries) }, []string{"annotation projsecret.io/entries is missing"}},
		{"apply entries credited to someone else", func() testenv.Result { return apply(otherAuthor) }, []string{`entry "k" is new: createdBy and updatedBy must be the requesting user "` + admin + `"`}},
		{"remove the project label", func() testenv.Result {
			return kubectl(t, nil, "-n", ns, "label", "secret", projsecret.SecretName("demo"), projsecret.LabelProject+"-")
		}, []string{`label projsecret.io/project cannot be changed or removed (it was "demo")`}},
		{"change the project label", func() testenv.Result {
			return kubectl(t, nil, "-n", ns, "label", "--overwrite", "secret", projsecret.SecretName("demo"), projsecret.LabelProject+"=other")
		}, []string{"cannot be changed or removed"}},
		{"add an unknown field to the entries", func() testenv.Result {
			return kubectl(t, nil, "-n", ns, "annotate", "--overwrite", "secret", projsecret.SecretName("demo"), projsecret.AnnotationEntries+"="+unknownField)
		}, []string{`unknown field "api-token.value"`}},
		{"rewrite who created an entry", func() testenv.Result {
			return kubectl(t, nil, "-n", ns, "annotate", "--overwrite", "secret", projsecret.SecretName("demo"), projsecret.AnnotationEntries+"="+rewrittenCreator)
		}, []string{`entry "api-token": createdAt and createdBy cannot change`}},
		{"add a key without an entry", func() testenv.Result {
			return kubectl(t, nil, "-n", ns, "patch", "secret", projsecret.SecretName("demo"), "-p", `{"stringData":{"extra":"s3cr3t-VALUE-8"}}`)
		}, []string{"key(s) extra have no entry"}},
		{"edit a value as someone else without the metadata", func() testenv.Result {
			return kubectl(t, nil, "-n", ns, "--as", "alice", "patch", "secret", projsecret.SecretName("demo"), "-p", `{"stringData":{"api-token":"s3cr3t-VALUE-9"}}`)
		}, []string{`entry "api-token" changed: updatedBy must be the requesting user "alice", not "` + admin + `"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mustBeDenied(t, tc.run(), tc.want...)
		})
	}
	if after := secret(t, ns, "demo"); after.ResourceVersion != stored.ResourceVersion {
		t.Errorf("denied writes changed the secret: resourceVersion %s -> %s", stored.ResourceVersion, after.ResourceVersion)
	}
	for _, project := range []string{"keys", "named", "typed", "bare", "credited"} {
		if _, err := env.Clientset.CoreV1().Secrets(ns).Get(context.Background(), projsecret.SecretName(project), metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("project %s exists after a denied apply (%v)", project, err)
		}
	}

	// What the rules allow goes through, and a large Secret gets a warning.
	mustPass(t, apply(secretManifest(t, ns, "applied", admin, map[string]string{"k": "s3cr3t-VALUE-10"})))
	mustPass(t, kubectl(t, nil, "-n", ns, "annotate", "secret", projsecret.SecretName("demo"), "example.com/note=fine"))
	big := secretManifest(t, ns, "big", admin, map[string]string{"k": strings.Repeat("x", 950<<10)})
	res := apply(big)
	mustPass(t, res)
	if !strings.Contains(res.Stderr, "Warning: project secret values total 950 KiB of the 1024 KiB limit") {
		t.Errorf("no size warning: %s", res.Stderr)
	}
	if got := w.metric(t, denials(projsecret.RuleMetadata)); got < 6 {
		t.Errorf("metadata denials counted %v, want at least 6", got)
	}
}

// TestWebhookOwners: with owners set, only they and admins may change or
// delete the project.
func TestWebhookOwners(t *testing.T) {
	StartWebhook(t)
	ns := namespace(t)
	grant(t, ns, "alice", "bob", "carol")
	as := func(user string, stdin []byte, args ...string) testenv.Result {
		return kubectl(t, stdin, append([]string{"projsecret", "-n", ns, "--as", user}, args...)...)
	}
	mustPass(t, as("alice", []byte("s3cr3t-VALUE-a"), "create", "owned", "k", "--stdin"))
	mustPass(t, as("alice", nil, "owners", "owned", "user:alice", "group:team-a"))

	mustBeDenied(t, as("bob", []byte("s3cr3t-VALUE-b"), "set", "owned", "k", "--stdin"),
		`user "bob" is not an owner of project "owned" (owners: user:alice,group:team-a`)
	mustBeDenied(t, as("bob", nil, "owners", "owned", "user:bob"), `user "bob" is not an owner`)
	mustBeDenied(t, kubectl(t, nil, "-n", ns, "--as", "bob", "delete", "secret", projsecret.SecretName("owned")), `user "bob" is not an owner`)
	mustBeDenied(t, as("alice", nil, "owners", "owned", "user:bob"), `user "alice" sets owners user:bob without being one of them`)

	mustPass(t, as("alice", []byte("s3cr3t-VALUE-c"), "set", "owned", "k", "--stdin"))
	res := kubectl(t, []byte("s3cr3t-VALUE-d"), "projsecret", "-n", ns, "--as", "carol", "--as-group", "team-a", "--as-group", "system:authenticated", "set", "owned", "k", "--stdin")
	mustPass(t, res)
	if m := mustEntries(t, secret(t, ns, "owned"))["k"]; m.CreatedBy != "alice" || m.UpdatedBy != "carol" {
		t.Errorf("after carol's set: createdBy %q updatedBy %q", m.CreatedBy, m.UpdatedBy)
	}
	// The admin (system:masters) may delete what nobody else but alice may.
	mustPass(t, kubectl(t, nil, "-n", ns, "delete", "secret", projsecret.SecretName("owned")))
}

func mustEntries(t *testing.T, s *corev1.Secret) projsecret.Entries {
	t.Helper()
	e, err := projsecret.ParseEntries(s.Annotations[projsecret.AnnotationEntries])
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestWebhookScope: Secrets without the label, and Secrets in kube-system
// and projsecret-system, are never sent to the webhook.
func TestWebhookScope(t *testing.T) {
	w := StartWebhook(t)
	ns := namespace(t)
	before := w.metric(t, reviewsOK)
	mustPass(t, kubectl(t, nil, "-n", ns, "create", "secret", "generic", "plain", "--from-literal=not.a.project.key=s3cr3t-VALUE-p"))
	mustPass(t, kubectl(t, nil, "-n", ns, "delete", "secret", "plain"))

	ensureNamespace(t, webhook.Namespace)
	for _, excluded := range []string{"kube-system", webhook.Namespace} {
		// Labeled as a project, but breaking the name, key and metadata rules.
		bad := &corev1.Secret{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
			ObjectMeta: metav1.ObjectMeta{Name: "wrong-name", Namespace: excluded, Labels: map[string]string{projsecret.LabelProject: "demo"}},
			Data:       map[string][]byte{"bad.key": []byte("s3cr3t-VALUE-k")},
		}
		mustPass(t, kubectl(t, asJSON(t, bad), "create", "-f", "-"))
		mustPass(t, kubectl(t, nil, "-n", excluded, "delete", "secret", bad.Name))
	}
	if got := w.metric(t, reviewsOK); got != before {
		t.Errorf("the webhook reviewed %v requests for Secrets it must never see", got-before)
	}
}

func ensureNamespace(t *testing.T, name string) {
	t.Helper()
	_, err := env.Clientset.CoreV1().Namespaces().Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
}

// TestWebhookFailClosed: with the webhook registered but not running,
// project Secrets cannot be written while other Secrets still can.
func TestWebhookFailClosed(t *testing.T) {
	w := StartWebhook(t)
	ns := namespace(t)
	mustSucceed(t, []byte("s3cr3t-VALUE-f"), "-n", ns, "create", "closed", "k", "--stdin")
	w.Stop(t)

	// Each write must fail because the API server could not reach the
	// webhook, not for any other reason a write can fail.
	callFailed := func(what string, res testenv.Result) {
		t.Helper()
		if res.ExitCode == 0 || !strings.Contains(res.Stderr, `failed calling webhook "`+webhook.WebhookName+`"`) {
			t.Fatalf("%s with the webhook down: want a failed webhook call: %s", what, res)
		}
	}
	callFailed("set", kubectl(t, []byte("s3cr3t-VALUE-g"), "projsecret", "-n", ns, "set", "closed", "k", "--stdin"))
	callFailed("create", kubectl(t, []byte("s3cr3t-VALUE-h"), "projsecret", "-n", ns, "create", "fresh", "k", "--stdin"))
	callFailed("delete", kubectl(t, nil, "-n", ns, "delete", "secret", projsecret.SecretName("closed")))
	mustPass(t, kubectl(t, nil, "-n", ns, "create", "secret", "generic", "unrelated", "--from-literal=k=s3cr3t-VALUE-i"))
	if got := mustSucceed(t, nil, "-n", ns, "read", "closed", "k").Stdout; got != "s3cr3t-VALUE-f" {
		t.Errorf("reads must keep working: got %d bytes that differ from the value (values are not printed)", len(got))
	}
}

// TestWebhookCertRotation writes in a loop while the serving certificate is
// replaced on disk (same CA): the new certificate gets served and no write
// fails.
func TestWebhookCertRotation(t *testing.T) {
	w := StartWebhook(t)
	ns := namespace(t)
	client := store.NewClient(env.Clientset, ns)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	var writes, failures atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	startWriters := func(from, to int) {
		for writer := from; writer < to; writer++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ctx.Err() == nil; i++ {
					// Each writer has its own project, so the writes run side
					// by side instead of queueing on one resourceVersion.
					_, err := client.Set(ctx, fmt.Sprintf("rotating-%d", writer), fmt.Sprintf("k%d", i%20), []byte("s3cr3t-VALUE-r"), store.PutOptions{CreateMissing: true})
					if ctx.Err() != nil {
						return
					}
					writes.Add(1)
					if err != nil {
						failures.Add(1)
						firstErr.CompareAndSwap(nil, err)
					}
				}
			}()
		}
	}
	startWriters(0, 2)
	waitFor(t, "writes before the rotation", func() bool { return writes.Load() >= 20 })
	first := w.servedSerial(t)
	reviewedBefore := w.metric(t, reviewsOK)
	w.rotate(t)
	waitFor(t, "the rotated certificate to be served", func() bool { return w.servedSerial(t).Cmp(first) != 0 })
	// More writers than the API server has connections to the webhook, so
	// it opens new ones, which must accept the new certificate.
	startWriters(2, 10)
	atRotation := writes.Load()
	waitFor(t, "writes after the rotation", func() bool { return writes.Load() >= atRotation+80 })
	cancel()
	wg.Wait()

	if n := failures.Load(); n > 0 {
		t.Fatalf("%d of %d writes failed across the rotation; first: %v", n, writes.Load(), firstErr.Load())
	}
	if w.metric(t, reviewsOK) <= reviewedBefore {
		t.Error("no review after the rotation")
	}
	if !strings.Contains(w.logs.String(), "Updated current TLS certificate") {
		t.Errorf("the webhook did not log the reload:\n%s", w.logs)
	}
	t.Logf("%d writes across the rotation, none failed", writes.Load())
}
