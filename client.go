package projsecret

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
	// server cannot say.
	fallbackUser string
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

// WithFallbackUser names the user on API servers without SelfSubjectReview
// (from --as or kubeconfig); the client then warns that it recorded it.
// Without it, such a server fails every write that records an author.
func WithFallbackUser(name string) ClientOption {
	return func(c *Client) { c.fallbackUser = name }
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
			name, fellBack, err = whoAmI(ctx, c.cs, c.fallbackUser)
			if fellBack {
				c.warnf("the API server does not support SelfSubjectReview (authentication.k8s.io/v1): recording the user as %q, from --as or kubeconfig", name)
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
func (c *Client) stamp() time.Time { return Timestamp(c.now()) }

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

// Entry is one entry's metadata and the size of its value, never the value.
type Entry struct {
	Key  string
	Size int
	EntryMeta
}

// MetaChange is an update to an entry's metadata; nil fields stay as they are.
type MetaChange struct {
	Description  *string
	SetLabels    map[string]string
	RemoveLabels []string
	// ExpiresAt sets the expiry (the zero time clears it); RotateEvery sets
	// the rotation period (0 clears it). See expiry.go.
	ExpiresAt   *time.Time
	RotateEvery *time.Duration
}

func (m MetaChange) apply(e *EntryMeta) error {
	if m.Description != nil {
		if err := ValidateDescription(*m.Description); err != nil {
			return err
		}
		e.Description = *m.Description
	}
	if len(m.SetLabels) > 0 || len(m.RemoveLabels) > 0 {
		labels := maps.Clone(e.Labels)
		if labels == nil {
			labels = map[string]string{}
		}
		for _, k := range m.RemoveLabels {
			delete(labels, k)
		}
		for k, v := range m.SetLabels {
			if err := ValidateLabel(k, v); err != nil {
				return err
			}
			labels[k] = v
		}
		if len(labels) == 0 {
			labels = nil
		}
		e.Labels = labels
	}
	return m.applyExpiry(e)
}

// Create adds a new entry, and the project Secret on first use. It fails with
// ErrExists if the key is taken.
func (c *Client) Create(ctx context.Context, project, key string, value []byte, meta MetaChange) error {
	return c.readModifyWrite(ctx, project, writeOptions{key: key}, func(b *Batch) error {
		if _, ok := b.secret.Data[key]; ok {
			return ErrExists
		}
		return putValue(b, key, value, meta)
	})
}

// Set replaces an entry's value, keeping its metadata. Without create it
// fails with ErrNotFound if the key is absent; with it, it creates the entry.
func (c *Client) Set(ctx context.Context, project, key string, value []byte, create bool) error {
	return c.readModifyWrite(ctx, project, writeOptions{key: key}, func(b *Batch) error {
		if _, ok := b.secret.Data[key]; !ok && !create {
			return fmt.Errorf("%w (use create, or set --create)", ErrNotFound)
		}
		return putValue(b, key, value, MetaChange{})
	})
}

// UpdateMeta changes an entry's metadata and leaves its value alone.
func (c *Client) UpdateMeta(ctx context.Context, project, key string, change MetaChange) error {
	return c.readModifyWrite(ctx, project, writeOptions{key: key}, func(b *Batch) error {
		return updateMeta(b, key, change)
	})
}

// Delete removes entries. It fails with ErrNotFound, and removes nothing, if
// any key is absent. The Secret stays, with its labels, when it empties.
func (c *Client) Delete(ctx context.Context, project string, keys ...string) error {
	return c.readModifyWrite(ctx, project, writeOptions{}, func(b *Batch) error {
		for _, key := range keys {
			if _, ok := b.secret.Data[key]; !ok {
				return &Error{Project: project, Key: key, Err: ErrNotFound}
			}
		}
		for _, key := range keys {
			delete(b.secret.Data, key)
			delete(b.entries, key)
		}
		return nil
	})
}

// Read returns an entry's value, in one GET; an expired entry is a line to
// the warning sink (WithWarnings).
func (c *Client) Read(ctx context.Context, project, key string) ([]byte, error) {
	s, err := c.get(ctx, project)
	if err != nil {
		return nil, &Error{Project: project, Err: err}
	}
	v, ok := s.Data[key]
	if !ok {
		return nil, &Error{Project: project, Key: key, Err: ErrNotFound}
	}
	if entries, err := ParseEntries(s.Annotations[AnnotationEntries]); err == nil {
		c.warnExpired(project, entries, map[string][]byte{key: v})
	}
	return v, nil
}

// List returns the entries of a project, sorted by key; with keys, only
// those, failing with ErrNotFound if one is absent.
func (c *Client) List(ctx context.Context, project string, keys ...string) ([]Entry, error) {
	s, entries, err := c.read(ctx, project)
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		keys = mapKeys(s.Data)
	}
	out := make([]Entry, 0, len(keys))
	for _, key := range keys {
		v, ok := s.Data[key]
		if !ok {
			return nil, &Error{Project: project, Key: key, Err: ErrNotFound}
		}
		out = append(out, Entry{Key: key, Size: len(v), EntryMeta: entries[key]})
	}
	return out, nil
}

// Project is one project Secret, as the projects listing shows it.
type Project struct {
	Name      string
	Namespace string
	// Entries counts the entries annotation's entries; it is 0 for an
	// unmanaged Secret, whose keys a metadata-only listing cannot see.
	Entries int
	// Expired counts the entries whose expiresAt has passed.
	Expired int
	Owners  string
	Created metav1.Time
	// Unmanaged marks a proj-secrets-NAME Secret without the project label,
	// as DigitalHub Core creates them: adopt takes it under management.
	Unmanaged bool
}

// ProjectQuery chooses what ListProjects returns.
type ProjectQuery struct {
	AllNamespaces bool
	// Unmanaged adds the unlabeled proj-secrets-* Secrets, in a second LIST.
	Unmanaged bool
}

// Projects lists the projects in the client's namespace, or in all of them,
// in one label-selected LIST. A Secret whose label names another project
// than its name does (possible where the webhook does not run) is not a
// project: it is skipped, and the warning sink (WithWarnings) is told its
// name.
func (c *Client) Projects(ctx context.Context, allNamespaces bool) ([]Project, error) {
	return c.ListProjects(ctx, ProjectQuery{AllNamespaces: allNamespaces})
}

// ListProjects lists project Secrets by their metadata only (names,
// labels, annotations, creation times) when the client has a metadata
// client (WithMetadata), so no value crosses the wire; the entry count comes from the
// entries annotation.
func (c *Client) ListProjects(ctx context.Context, q ProjectQuery) ([]Project, error) {
	ns := c.namespace
	if q.AllNamespaces {
		ns = metav1.NamespaceAll
	}
	// Revisions carry the project label too (so the webhook reviews
	// them) and are told apart by their own.
	managed, err := c.listMeta(ctx, ns, LabelProject+",!"+LabelRevision)
	if err != nil {
		return nil, fmt.Errorf("listing project secrets: %w", err)
	}
	out := make([]Project, 0, len(managed))
	var mismatched []string
	for _, m := range managed {
		if !isSecretOf(&corev1.Secret{ObjectMeta: m}, m.Labels[LabelProject]) {
			mismatched = append(mismatched, clip(m.Namespace+"/"+m.Name))
			continue
		}
		out = append(out, Project{
			Name:      m.Labels[LabelProject],
			Namespace: m.Namespace,
			Entries:   countEntries(m.Annotations[AnnotationEntries]),
			Expired:   countExpired(m.Annotations[AnnotationEntries], c.now()),
			Owners:    m.Annotations[AnnotationOwners],
			Created:   m.CreationTimestamp,
		})
	}
	if len(mismatched) > 0 {
		c.warnf("skipped %d secret(s) whose %s label does not match their name %s<project>: %s", len(mismatched), LabelProject, SecretNamePrefix, keyList(mismatched))
	}
	if !q.Unmanaged {
		return out, nil
	}
	// The server filters on the label's absence; the name is checked here,
	// as no selector matches a name prefix.
	unlabeled, err := c.listMeta(ctx, ns, "!"+LabelProject)
	if err != nil {
		return nil, fmt.Errorf("listing unmanaged project secrets: %w", err)
	}
	for _, m := range unlabeled {
		name, ok := strings.CutPrefix(m.Name, SecretNamePrefix)
		if !ok || ValidateProjectName(name) != nil {
			continue
		}
		out = append(out, Project{Name: name, Namespace: m.Namespace, Owners: m.Annotations[AnnotationOwners], Created: m.CreationTimestamp, Unmanaged: true})
	}
	return out, nil
}

// Owners returns a project's owners, in one GET; an empty list means the
// project has none.
func (c *Client) Owners(ctx context.Context, project string) (Owners, error) {
	s, err := c.get(ctx, project)
	if err != nil {
		return nil, &Error{Project: project, Err: err}
	}
	owners, err := ParseOwners(s.Annotations[AnnotationOwners])
	if err != nil {
		return nil, &Error{Project: project, Err: err}
	}
	return owners, nil
}

// listMeta LISTs the metadata of the Secrets matching selector: through
// the metadata client when there is one, else as whole Secrets.
func (c *Client) listMeta(ctx context.Context, ns, selector string) ([]metav1.ObjectMeta, error) {
	opts := metav1.ListOptions{LabelSelector: selector}
	if c.md != nil {
		list, err := c.md.Resource(corev1.SchemeGroupVersion.WithResource("secrets")).Namespace(ns).List(ctx, opts)
		if err != nil {
			return nil, err
		}
		return objectMetas(list.Items, func(m *metav1.PartialObjectMetadata) metav1.ObjectMeta { return m.ObjectMeta }), nil
	}
	list, err := c.cs.CoreV1().Secrets(ns).List(ctx, opts)
	if err != nil {
		return nil, err
	}
	return objectMetas(list.Items, func(s *corev1.Secret) metav1.ObjectMeta { return s.ObjectMeta }), nil
}

// objectMetas keeps the metadata of each listed object.
func objectMetas[T any](items []T, meta func(*T) metav1.ObjectMeta) []metav1.ObjectMeta {
	out := make([]metav1.ObjectMeta, len(items))
	for i := range items {
		out[i] = meta(&items[i])
	}
	return out
}

// countEntries counts the entries of an annotation without validating
// them; a listing shows what is stored, and an unreadable annotation
// counts as none.
func countEntries(annotation string) int {
	var entries map[string]json.RawMessage
	if json.Unmarshal([]byte(annotation), &entries) != nil {
		return 0
	}
	return len(entries)
}

// SetOwners replaces the project's owners list; an empty list removes it.
func (c *Client) SetOwners(ctx context.Context, project string, owners Owners) error {
	return c.readModifyWrite(ctx, project, writeOptions{anonymous: true}, func(b *Batch) error {
		s := b.secret
		switch {
		case len(owners) == 0:
			delete(s.Annotations, AnnotationOwners)
		case s.Annotations == nil:
			// A project not created yet (readModifyWrite then reports it not found),
			// or a Secret written around the contract.
			s.Annotations = map[string]string{AnnotationOwners: owners.String()}
		default:
			s.Annotations[AnnotationOwners] = owners.String()
		}
		return nil
	})
}

// read GETs the project's Secret and parses its entries, for the calls
// that show both; errors come placed on the project.
func (c *Client) read(ctx context.Context, project string) (*corev1.Secret, Entries, error) {
	s, err := c.get(ctx, project)
	if err != nil {
		return nil, nil, &Error{Project: project, Err: err}
	}
	entries, err := ParseEntries(s.Annotations[AnnotationEntries])
	if err != nil {
		return nil, nil, &Error{Project: project, Err: err}
	}
	return s, entries, nil
}

func (c *Client) get(ctx context.Context, project string) (*corev1.Secret, error) {
	if err := ValidateProjectName(project); err != nil {
		return nil, err
	}
	s, err := c.cs.CoreV1().Secrets(c.namespace).Get(ctx, SecretName(project), metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return nil, fmt.Errorf("%w in namespace %q", ErrNotFound, c.namespace)
	case err != nil:
		return nil, err
	}
	if err := checkSecretOf(s, project); err != nil {
		return nil, err
	}
	return s, nil
}

// isSecretOf reports whether s is project's Secret: named for it and
// labeled with it. The label alone is not enough: where the webhook does
// not run, proj-secrets-aaa may carry the label of project payments.
func isSecretOf(s *corev1.Secret, project string) bool {
	v, ok := s.Labels[LabelProject]
	return ok && v == project && s.Name == SecretName(project)
}

// checkSecretOf says why s, read by the project's Secret name, is not the
// project's Secret.
func checkSecretOf(s *corev1.Secret, project string) error {
	switch v, ok := s.Labels[LabelProject]; {
	case !ok:
		return fmt.Errorf("secret %s/%s %w", s.Namespace, s.Name, ErrNotProjectSecret)
	case v != project:
		return fmt.Errorf("secret %s/%s %w for project %s: its %s label says %s", s.Namespace, s.Name, ErrNotProjectSecret, Quote(project), LabelProject, Quote(v))
	}
	return nil
}

// putValue sets key's value and stamps its metadata; a new entry also gets
// its creation facts and meta.
func putValue(b *Batch, key string, value []byte, meta MetaChange) error {
	now := b.stamp()
	m, ok := b.entries[key]
	if !ok {
		m = EntryMeta{CreatedAt: now, CreatedBy: b.user}
	}
	if err := meta.apply(&m); err != nil {
		return err
	}
	if old, had := b.secret.Data[key]; !had || !bytes.Equal(old, value) {
		rotate(&m, meta, now)
	}
	m.UpdatedAt, m.UpdatedBy = now, b.user
	b.entries[key] = m
	if b.secret.Data == nil {
		b.secret.Data = map[string][]byte{}
	}
	b.secret.Data[key] = value
	return nil
}

// updateMeta applies change to an existing entry and stamps its updater.
func updateMeta(b *Batch, key string, change MetaChange) error {
	m, ok := b.entries[key]
	if !ok {
		return ErrNotFound
	}
	if err := change.apply(&m); err != nil {
		return err
	}
	m.UpdatedAt, m.UpdatedBy = b.stamp(), b.user
	b.entries[key] = m
	return nil
}

// mutation changes a project Secret and its parsed entries in place.
type mutation func(b *Batch) error

// writeOptions say what one read-modify-write is about and records.
type writeOptions struct {
	ApplyOptions
	// key is the entry the write is about, validated first and named in
	// its errors; empty for writes about a whole project.
	key string
	// anonymous writes record no author, so they skip the user lookup (a
	// SelfSubjectReview): setting owners touches no entry, so it records
	// no revision either.
	anonymous bool
	// parent continues a deleted project's history when this write
	// re-creates it (undelete).
	parent *Head
	// projectDeleted marks the revision as the last before the project's
	// Secret is deleted.
	projectDeleted bool
	// written, if set, receives the Secret as stored.
	written *corev1.Secret
}

// readModifyWrite runs one guarded read-modify-write: GET (creating the Secret if it
// is absent), mutate, validate locally, UPDATE with the read resourceVersion;
// on a conflict, all of it again. The user lookup runs alongside the GET.
// With DryRun it stops after the local checks, just before sending.
func (c *Client) readModifyWrite(ctx context.Context, project string, opts writeOptions, mutate mutation) error {
	key := opts.key
	wrap := func(err error) error {
		var e *Error
		if errors.As(err, &e) {
			return err
		}
		return &Error{Project: project, Key: key, Err: err}
	}
	if err := ValidateProjectName(project); err != nil {
		return wrap(err)
	}
	if key != "" {
		if err := ValidateKey(key); err != nil {
			return wrap(err)
		}
	}
	if err := opts.Owners.Validate(); err != nil {
		return wrap(fmt.Errorf("initial owners: %w", err))
	}
	var (
		user  string
		userc chan error
	)
	if !opts.anonymous {
		userc = make(chan error, 1)
		go func() {
			var err error
			user, err = c.user(ctx)
			userc <- err
		}()
	}
	waitUser := func() error {
		if userc == nil {
			return nil
		}
		err := <-userc
		userc = nil
		return err
	}

	var (
		committed      *pendingRevision
		storedRevision string
	)
	attempts, err := c.retryRaces(ctx, func() error {
		secrets := c.cs.CoreV1().Secrets(c.namespace)
		s, err := secrets.Get(ctx, SecretName(project), metav1.GetOptions{})
		isNew := apierrors.IsNotFound(err)
		switch {
		case isNew:
			s = newSecret(project, c.namespace)
		case err != nil:
			return err
		default:
			if err := checkSecretOf(s, project); err != nil {
				return err
			}
		}
		if err := waitUser(); err != nil {
			return err
		}
		entries, err := ParseEntries(s.Annotations[AnnotationEntries])
		if err != nil {
			return fmt.Errorf("stored metadata is unreadable, fix it before writing: %w", err)
		}
		before := SizeOf(s)
		prior := snapshotEntries(s, entries)
		if err := mutate(&Batch{project: project, secret: s, entries: entries, user: user, isNew: isNew, stamp: c.stamp}); err != nil {
			return err
		}
		if isNew && len(s.Data) == 0 {
			return fmt.Errorf("%w in namespace %q", ErrNotFound, c.namespace)
		}
		if isNew {
			if err := c.setInitialOwners(ctx, s, &user, opts.Owners); err != nil {
				return err
			}
		}
		encoded, err := entries.Encode()
		if err != nil {
			return err
		}
		if s.Annotations == nil {
			s.Annotations = map[string]string{}
		}
		s.Annotations[AnnotationEntries] = encoded
		// The revision records this write; it is stored before the
		// project's guarded write and counts only once that write, which
		// moves the project's head to it, succeeds.
		rev, err := c.newRevision(ctx, project, s, prior, entries, &user, opts)
		if err != nil {
			return err
		}
		if err := SizeOf(s).Check(); err != nil {
			return fmt.Errorf("write refused before sending: %w (room left before this write: %d bytes of values, %d bytes of metadata)",
				err, max(0, MaxSecretDataBytes-before.DataBytes), max(0, MaxAnnotationBytes-before.AnnotationBytes))
		}
		if opts.DryRun {
			return nil
		}
		// A retry whose revision is the one the last attempt stored (same
		// record, so same name) need not store it again.
		if rev != nil && rev.secret.Name != storedRevision {
			if err := c.storeRevision(ctx, rev); err != nil {
				return err
			}
			storedRevision = rev.secret.Name
		}
		var stored *corev1.Secret
		if isNew {
			stored, err = secrets.Create(ctx, s, metav1.CreateOptions{FieldManager: ManagedByPlugin})
		} else {
			stored, err = secrets.Update(ctx, s, metav1.UpdateOptions{FieldManager: ManagedByPlugin})
		}
		if err == nil {
			committed = rev
			if opts.written != nil && stored != nil {
				*opts.written = *stored
			}
		}
		return err
	})
	if isRace(err) {
		return wrap(fmt.Errorf("gave up after %d conflicting attempts: %w", attempts, err))
	}
	if err != nil {
		return wrap(err)
	}
	c.pruneAfter(ctx, project, committed)
	return nil
}

// setInitialOwners gives a project Secret about to be created its owners:
// owners if given, else the requesting user, so that no project starts
// ownerless, open to whoever may write Secrets in the namespace. user is
// the lookup's result, made here if the write had no need of it before.
func (c *Client) setInitialOwners(ctx context.Context, s *corev1.Secret, user *string, owners Owners) error {
	if len(owners) == 0 {
		if *user == "" {
			name, err := c.user(ctx)
			if err != nil {
				return err
			}
			*user = name
		}
		if *user == "" {
			return errors.New("the API server gives no user name, so the new project would have no owner: name its owners")
		}
		owners = Owners{User(*user)}
	}
	if s.Annotations == nil {
		s.Annotations = map[string]string{}
	}
	s.Annotations[AnnotationOwners] = owners.String()
	return nil
}

// retryRaces runs fn until it succeeds, fails with something other than a
// race, has made backoff.Steps attempts, or the retry timeout would pass
// before the next one, sleeping as backoff says in between (see WithRetry).
// It returns how many attempts it made.
func (c *Client) retryRaces(ctx context.Context, fn func() error) (int, error) {
	delay := c.backoff.DelayFunc()
	deadline := time.Now().Add(c.timeout)
	for attempts := 1; ; attempts++ {
		err := fn()
		if !isRace(err) || attempts >= c.backoff.Steps {
			return attempts, err
		}
		d := delay()
		if time.Now().Add(d).After(deadline) {
			return attempts, err
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return attempts, fmt.Errorf("%w (while retrying after: %v)", ctx.Err(), err)
		case <-t.C:
		}
	}
}

// isRace: another writer got there first (an update conflict, or a
// concurrent first create of the Secret); reading again resolves it.
func isRace(err error) bool { return apierrors.IsConflict(err) || apierrors.IsAlreadyExists(err) }

func newSecret(project, namespace string) *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Name:      SecretName(project),
			Namespace: namespace,
			Labels:    map[string]string{LabelProject: project, LabelManagedBy: ManagedByPlugin},
		},
		Type: corev1.SecretTypeOpaque,
	}
}
