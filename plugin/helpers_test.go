package plugin

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/internal/fixtures"
	"github.com/projsecret/projsecret/internal/fixtures/apiserver"
	"github.com/projsecret/projsecret/store"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes/fake"
	metadatafake "k8s.io/client-go/metadata/fake"
	k8stesting "k8s.io/client-go/testing"
)

const ns = "team-a"

// t0 is when seeded entries were last updated; the clock reads t0+90m.
var t0 = time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)

// now is what the harness client's clock reads.
func now() time.Time { return t0.Add(90 * time.Minute) }

// harness is a fake cluster behind the plugin's commands.
type harness struct {
	cs          *fake.Clientset
	md          *metadatafake.FakeMetadataClient
	client      *store.Client
	user        string
	warnings    []string
	clientCalls int
}

func newHarness(t *testing.T, objects ...runtime.Object) *harness {
	t.Helper()
	h := &harness{cs: fake.NewClientset(objects...), user: "alice"}
	apiserver.HonorDryRunDeletes(h.cs)
	h.md = metadataOver(t, h.cs)
	h.client = store.NewClient(h.cs, ns,
		store.WithMetadata(h.md),
		// The fake has no SelfSubjectReview; the name is whatever the test says.
		store.WithUser(func(context.Context) (string, error) { return h.user, nil }),
		store.WithWarnings(func(m string) { h.warnings = append(h.warnings, m) }),
		store.WithClock(now),
		// Conflict tests must give up in milliseconds, not the production
		// backoff's tens of seconds.
		store.WithRetry(wait.Backoff{Steps: 4, Duration: time.Millisecond, Factor: 1}, 5*time.Second),
	)
	return h
}

// metadataOver is a fake metadata client that answers LISTs of Secrets
// through the fake clientset, as the API server answers both from one
// store: what a command wrote is what projects lists, and reactors that
// make the clientset fail make it fail too.
func metadataOver(t *testing.T, cs *fake.Clientset) *metadatafake.FakeMetadataClient {
	t.Helper()
	scheme := metadatafake.NewTestScheme()
	if err := metav1.AddMetaToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	md := metadatafake.NewSimpleMetadataClient(scheme)
	md.PrependReactor("list", "secrets", func(action k8stesting.Action) (bool, runtime.Object, error) {
		selector := action.(k8stesting.ListAction).GetListRestrictions().Labels.String()
		secrets, err := cs.CoreV1().Secrets(action.GetNamespace()).List(context.Background(), metav1.ListOptions{LabelSelector: selector})
		if err != nil {
			return true, nil, err
		}
		list := &metav1.List{}
		for _, s := range secrets.Items {
			list.Items = append(list.Items, runtime.RawExtension{Object: &metav1.PartialObjectMetadata{
				TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
				ObjectMeta: s.ObjectMeta,
			}})
		}
		return true, list, nil
	})
	return md
}

type result struct {
	code           int
	stdout, stderr string
}

// run executes the plugin the way main does, with stdin as standard input.
func (h *harness) run(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	return h.runOn(t, bytes.NewBufferString(stdin), args...)
}

// runOn is run with in as standard input: a fakeTerminal plays a user at
// a terminal.
func (h *harness) runOn(t *testing.T, in io.Reader, args ...string) result {
	t.Helper()
	streams, _, out, errOut := genericiooptions.NewTestIOStreams()
	streams.In = in
	code := run(context.Background(), args, streams, func() (*store.Client, error) {
		h.clientCalls++
		return h.client, nil
	})
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}

// ok fails the test unless the command succeeded.
func (r result) ok(t *testing.T) result {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("exit code %d, stderr %q, stdout %q", r.code, r.stderr, r.stdout)
	}
	return r
}

// fails checks exit code 1 and exactly one stderr line containing want.
func (r result) fails(t *testing.T, want string) {
	t.Helper()
	if r.code != 1 {
		t.Fatalf("exit code %d, want 1 (stdout %q, stderr %q)", r.code, r.stdout, r.stderr)
	}
	if !strings.HasPrefix(r.stderr, "error: ") || strings.Count(r.stderr, "\n") != 1 || !strings.HasSuffix(r.stderr, "\n") {
		t.Errorf("stderr is not one \"error: \" line: %q", r.stderr)
	}
	if !strings.Contains(r.stderr, want) {
		t.Errorf("stderr %q does not contain %q", r.stderr, want)
	}
	if r.stdout != "" {
		t.Errorf("stdout on failure: %q", r.stdout)
	}
}

func (h *harness) value(t *testing.T, project, key string) []byte {
	t.Helper()
	v, err := h.client.Read(context.Background(), project, key)
	if err != nil {
		t.Fatalf("reading back %s/%s: %v", project, key, err)
	}
	return v
}

func (h *harness) entry(t *testing.T, project, key string) store.Entry {
	t.Helper()
	entries, err := h.client.List(context.Background(), project, key)
	if err != nil {
		t.Fatalf("listing %s/%s: %v", project, key, err)
	}
	return entries[0]
}

func (h *harness) secret(t *testing.T, project string) *corev1.Secret {
	t.Helper()
	s, err := h.cs.CoreV1().Secrets(ns).Get(context.Background(), projsecret.SecretName(project), metav1.GetOptions{})
	if err != nil {
		t.Fatalf("getting the secret of %s: %v", project, err)
	}
	return s
}

// seeded is a stored project secret with fixed metadata, so tables and
// ages are predictable.
type seedEntry struct {
	key, value, description string
	labels                  map[string]string
}

func seeded(t *testing.T, namespace, project string, entries ...seedEntry) *corev1.Secret {
	t.Helper()
	values := map[string]string{}
	for _, e := range entries {
		values[e.key] = e.value
	}
	s := fixtures.Secret(namespace, project, values, projsecret.EntryMeta{CreatedAt: t0.Add(-49 * time.Hour), CreatedBy: "carol", UpdatedAt: t0, UpdatedBy: "bob"})
	for _, e := range entries {
		fixtures.EditEntry(e.key, func(m *projsecret.EntryMeta) { m.Description, m.Labels = e.description, e.labels })(s)
	}
	s.Labels[projsecret.LabelManagedBy] = projsecret.ManagedByPlugin
	s.CreationTimestamp = metav1.NewTime(t0.Add(-72 * time.Hour))
	return s
}

func newStreams() (genericiooptions.IOStreams, *bytes.Buffer, *bytes.Buffer, *bytes.Buffer) {
	return genericiooptions.NewTestIOStreams()
}

// The values the copy, diff, adopt, uses and restart tests use: each test checks them by
// comparison, and no output may contain one.
const (
	valA    = "s3cr3t-a"
	valB    = "s3cr3t-b"
	valB2   = "s3cr3t-b-other"
	valOnly = "s3cr3t-only"
)

func noValues(t *testing.T, r result) {
	t.Helper()
	if strings.Contains(r.stdout+r.stderr, "s3cr3t") {
		t.Errorf("a value was printed: stdout %q, stderr %q", r.stdout, r.stderr)
	}
}

func crossHarness(t *testing.T) *harness {
	dev := seeded(t, ns, "dev",
		seedEntry{key: "A", value: valA, description: "alpha", labels: map[string]string{"tier": "db"}},
		seedEntry{key: "B", value: valB, description: "beta"})
	staging := seeded(t, ns, "staging",
		seedEntry{key: "B", value: valB2, description: "old beta", labels: map[string]string{"stale": "yes"}},
		seedEntry{key: "C", value: valOnly})
	return newHarness(t, dev, staging, seeded(t, "prod", "dev"))
}

func dhcoreSecret(name string, data map[string]string) *corev1.Secret {
	s := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, CreationTimestamp: metav1.NewTime(t0.Add(-24 * time.Hour))},
		Type:       corev1.SecretTypeOpaque,
		Data:       map[string][]byte{},
	}
	for k, v := range data {
		s.Data[k] = []byte(v)
	}
	return s
}
