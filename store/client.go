package store

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/projsecret/projsecret"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
)

// defaultBackoff paces retries of a write that lost a race: the delay grows
// from Duration by Factor up to Cap, with jitter, and a write gives up after
// Steps attempts or DefaultRetryTimeout, whichever comes first. Tens of
// writers on one project Secret is the normal case for a busy project, and
// with 32 of them a write can lose tens of races in a row before its turn,
// so Steps is high and time is the budget that counts. (Used as is by
// retry.OnError, a wait.Backoff also stops once the delay reaches Cap: with
// Cap at 2s that made writers give up after 14 attempts.) Cap stays small so
// that losers keep trying while the Secret is busy instead of sleeping
// through the quiet moments.
func defaultBackoff() wait.Backoff {
	return wait.Backoff{Steps: 1000, Duration: 10 * time.Millisecond, Factor: 1.5, Jitter: 1, Cap: time.Second}
}

// DefaultRetryTimeout is how long a write keeps retrying after losing
// races, unless WithRetry says otherwise.
const DefaultRetryTimeout = time.Minute

// Client reads and writes the entries of project Secrets in one namespace.
// Every write is a read-modify-write guarded by resourceVersion and retried
// on conflict, so concurrent writers never erase each other's entries.
// NewClient's options set it up; it has no settings to change afterwards.
type Client struct {
	cs        kubernetes.Interface
	namespace string
	// user returns the name recorded as createdBy/updatedBy.
	user func(ctx context.Context) (string, error)
	// warn, if set, is told what the user should know about a call that
	// still succeeds.
	warn func(message string)
	// md, if set, serves the listings that need no values.
	md metadata.Interface
	// now stamps entries and measures ages; retries keep to the real clock.
	now     func() time.Time
	backoff wait.Backoff
	timeout time.Duration
	// fallbackUser is the name the default user lookup records when the
	// server cannot say; fallbackSource says where it came from.
	fallbackUser, fallbackSource string
}

// ClientOption sets up a Client in NewClient.
type ClientOption func(*Client)

// WithRetry sets the budget of a write that keeps losing races: it sleeps
// as backoff says between attempts, and gives up after backoff.Steps
// attempts or once timeout would pass before the next one. The default
// allows 1000 attempts in DefaultRetryTimeout, at most a second apart.
func WithRetry(backoff wait.Backoff, timeout time.Duration) ClientOption {
	return func(c *Client) { c.backoff, c.timeout = backoff, timeout }
}

// WithUser replaces the API server lookup (see WhoAmI) of the name recorded
// as createdBy/updatedBy: user is called once per write that records an
// author, in parallel with the read that precedes it.
func WithUser(user func(ctx context.Context) (string, error)) ClientOption {
	return func(c *Client) { c.user = user }
}

// WithFallbackUser names the user on API servers without SelfSubjectReview;
// source says where the name came from (the plugin: "--as or kubeconfig"),
// for the warning the client then gives that it recorded it, and for the
// error when there is no name. Without a name, such a server fails every
// write that records an author.
func WithFallbackUser(name, source string) ClientOption {
	return func(c *Client) { c.fallbackUser, c.fallbackSource = name, source }
}

// WithWarnings sends the client's warnings to warn: what the user should
// know about a call that still succeeds (the user lookup fell back to
// WithFallbackUser's name, or Projects skipped Secrets whose name and label
// disagree). Without it, or with nil, there are none.
func WithWarnings(warn func(message string)) ClientOption {
	return func(c *Client) { c.warn = warn }
}

// WithClock sets the clock that stamps entries' createdAt/updatedAt and
// that ages are measured against (Now); the default is time.Now. Retry
// budgets run on the real clock whatever it says.
func WithClock(now func() time.Time) ClientOption {
	return func(c *Client) { c.now = now }
}

// WithMetadata serves the listings that need no values (projects,
// completion) with metadata-only LISTs (PartialObjectMetadataList), so
// values never cross the wire for them. Without it they LIST whole
// Secrets; the plugin always sets it.
func WithMetadata(md metadata.Interface) ClientOption {
	return func(c *Client) { c.md = md }
}

// NewClient returns a client for namespace. Unless WithUser says otherwise,
// it asks the API server who the user is (see WhoAmI), once.
func NewClient(cs kubernetes.Interface, namespace string, opts ...ClientOption) *Client {
	c := &Client{cs: cs, namespace: namespace, now: time.Now, backoff: defaultBackoff(), timeout: DefaultRetryTimeout}
	for _, opt := range opts {
		opt(c)
	}
	if c.user == nil {
		c.user = c.lookUpUser()
	}
	return c
}

// lookUpUser asks the API server who the user is the first time it is
// called, and gives the same answer ever after.
func (c *Client) lookUpUser() func(ctx context.Context) (string, error) {
	var (
		once sync.Once
		name string
		err  error
	)
	return func(ctx context.Context) (string, error) {
		once.Do(func() {
			var fellBack bool
			name, fellBack, err = whoAmI(ctx, c.cs, c.fallbackUser, c.fallbackSource)
			if fellBack {
				c.warnf("the API server does not support SelfSubjectReview (authentication.k8s.io/v1): recording the user as %q%s", name, from(", from ", c.fallbackSource))
			}
		})
		return name, err
	}
}

// User returns the name this client records as createdBy/updatedBy.
func (c *Client) User(ctx context.Context) (string, error) { return c.user(ctx) }

// Now is the time by this client's clock (see WithClock).
func (c *Client) Now() time.Time { return c.now() }

// stamp is the time recorded in an entry's metadata: UTC, whole seconds.
func (c *Client) stamp() time.Time { return projsecret.Timestamp(c.now()) }

func (c *Client) warnf(format string, args ...any) {
	if c.warn != nil {
		c.warn(fmt.Sprintf(format, args...))
	}
}

// Quiet returns a copy of the client that sends no warnings of its own, for
// callers whose output must hold nothing else (shell completion). The user
// lookup stays shared with c, so the one time it falls back it still warns
// through c's sink; completion never looks the user up.
func (c *Client) Quiet() *Client {
	quiet := *c
	quiet.warn = nil
	return &quiet
}

// Namespace is where this client's project Secrets live.
func (c *Client) Namespace() string { return c.namespace }

// InNamespace returns a client for the project Secrets of another
// namespace, with the same credentials and the same (shared, once-only)
// user lookup: copy --to-namespace and the console's namespace switch use it.
func (c *Client) InNamespace(namespace string) *Client {
	clone := *c
	clone.namespace = namespace
	return &clone
}

// Clientset is the Kubernetes client this client works through, for
// commands that read other objects with the same credentials (uses).
func (c *Client) Clientset() kubernetes.Interface { return c.cs }
