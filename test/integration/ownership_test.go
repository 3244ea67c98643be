//go:build integration

package integration

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/internal/testenv"
)

const (
	namespaceController = "system:serviceaccount:kube-system:namespace-controller"
	garbageCollector    = "system:serviceaccount:kube-system:generic-garbage-collector"
)

// TestOwnership: a new project is owned by its creator, and the attacks of
// issue 8 by a tenant with Secret RBAC in the namespace are refused, while
// an admin user and the namespace controller's delete go through.
func TestOwnership(t *testing.T) {
	StartWebhook(t, "--admin-user=ops-lead")
	ns := namespace(t)
	// Everyone here may write Secrets in ns, so what stops them is the
	// webhook, not RBAC.
	grant(t, ns, "alice", "mallory", "ops-lead", "rbac-admin", namespaceController)
	clusterAdmin(t, "rbac-admin")
	// as runs kubectl, or with "projsecret" first the plugin, as user.
	as := func(user string, stdin []byte, args ...string) testenv.Result {
		flags := []string{"-n", ns, "--as", user}
		if args[0] == "projsecret" {
			return kubectl(t, stdin, append(append([]string{"projsecret"}, flags...), args[1:]...)...)
		}
		return kubectl(t, stdin, append(flags, args...)...)
	}
	name := projsecret.SecretName("pay")

	// Owned by default: the creator, and the success line says how to add a team.
	res := as("alice", []byte("s3cr3t-VALUE-1"), "projsecret", "create", "pay", "k", "--stdin")
	mustPass(t, res)
	if !strings.Contains(res.Stdout, `project "pay": created, owned by user:alice; to add a team: kubectl projsecret owners pay user:alice group:TEAM`) {
		t.Errorf("create does not say who owns the project: %s", res)
	}
	if got := secret(t, ns, "pay").Annotations[projsecret.AnnotationOwners]; got != "user:alice" {
		t.Fatalf("owners after create: %q, want user:alice", got)
	}
	if got := as("alice", nil, "projsecret", "owners", "pay"); got.Stdout != "user:alice\n" {
		t.Errorf("owners pay: %s", got)
	}
	before := secret(t, ns, "pay").ResourceVersion

	t.Run("non-owner is denied", func(t *testing.T) {
		mustBeDenied(t, as("mallory", []byte("s3cr3t-VALUE-2"), "projsecret", "set", "pay", "k", "--stdin"),
			`user "mallory" is not an owner of project "pay" (owners: user:alice; admins: user ops-lead, group system:masters)`)
		mustBeDenied(t, as("mallory", nil, "annotate", "--overwrite", "secret", name, projsecret.AnnotationOwners+"=user:mallory"), `user "mallory" is not an owner`)
		mustBeDenied(t, as("mallory", nil, "delete", "secret", name), `user "mallory" is not an owner`)
	})
	t.Run("RBAC cluster-admin is no admin here", func(t *testing.T) {
		mustBeDenied(t, as("rbac-admin", nil, "delete", "secret", name), `user "rbac-admin" is not an owner`)
	})
	t.Run("a huge owners list gives a bounded denial", func(t *testing.T) {
		huge := "user:mallory," + strings.Repeat("group:"+strings.Repeat("g", 90)+",", 1000) // ~97 KiB: under the 128 KiB limit of one argument
		res := as("mallory", nil, "annotate", "--overwrite", "secret", name, projsecret.AnnotationOwners+"="+huge)
		mustBeDenied(t, res, `user "mallory" is not an owner`)
		if len(res.Stderr) >= 4<<10 {
			t.Errorf("denial of a %d-byte owners list is %d bytes, want under 4 KiB", len(huge), len(res.Stderr))
		}
	})
	if after := secret(t, ns, "pay").ResourceVersion; after != before {
		t.Fatalf("denied writes changed the project: resourceVersion %s -> %s", before, after)
	}

	t.Run("admin user is allowed", func(t *testing.T) {
		mustPass(t, as("ops-lead", []byte("s3cr3t-VALUE-3"), "projsecret", "set", "pay", "k", "--stdin"))
		if m := mustEntries(t, secret(t, ns, "pay"))["k"]; m.UpdatedBy != "ops-lead" {
			t.Errorf("updatedBy %q after the admin's set", m.UpdatedBy)
		}
	})

	t.Run("takeover of an ownerless project is denied", func(t *testing.T) {
		mustPass(t, as("alice", []byte("s3cr3t-VALUE-4"), "projsecret", "create", "free", "k", "--stdin"))
		mustPass(t, as("alice", nil, "projsecret", "owners", "free", "--clear"))
		free := projsecret.SecretName("free")
		mustBeDenied(t, as("mallory", nil, "annotate", "secret", free, projsecret.AnnotationOwners+"=user:mallory"),
			`project "free" has no owners: only an admin (user ops-lead, group system:masters) may give it its first owners`)
		mustBeDenied(t, as("mallory", nil, "projsecret", "owners", "free", "user:mallory"), "has no owners")
		if got, ok := secret(t, ns, "free").Annotations[projsecret.AnnotationOwners]; ok {
			t.Fatalf("the ownerless project got owners %q", got)
		}
		mustPass(t, as("ops-lead", nil, "annotate", "secret", free, projsecret.AnnotationOwners+"=user:alice"))
		if got := secret(t, ns, "free").Annotations[projsecret.AnnotationOwners]; got != "user:alice" {
			t.Errorf("owners after the admin's annotate: %q", got)
		}
	})

	t.Run("deleting an ownerless project is an admin act", func(t *testing.T) {
		// The attack: delete the ownerless project, create it again, and
		// own it (export, delete --all --yes, import).
		mustPass(t, as("alice", []byte("s3cr3t-VALUE-5"), "projsecret", "create", "gone", "k", "--stdin"))
		mustPass(t, as("alice", nil, "projsecret", "owners", "gone", "--clear"))
		gone := projsecret.SecretName("gone")
		mustBeDenied(t, as("mallory", nil, "delete", "secret", gone),
			`project "gone" has no owners: only an admin (user ops-lead, group system:masters) may delete it, since whoever created it again would own it`)
		mustBeDenied(t, as("mallory", nil, "projsecret", "delete", "gone", "--all", "--yes"), `project "gone" has no owners`)
		mustBeDenied(t, as("alice", nil, "delete", "secret", gone, "--cascade=foreground"), "has no owners")
		mustBeDenied(t, as("rbac-admin", nil, "delete", "secret", gone), "has no owners")
		if s := secret(t, ns, "gone"); s.DeletionTimestamp != nil || len(s.Data) != 1 {
			t.Fatalf("denied deletes changed the project: deletionTimestamp %v, %d values", s.DeletionTimestamp, len(s.Data))
		}
		// Everything else stays open to whoever RBAC lets write it.
		mustPass(t, as("mallory", []byte("s3cr3t-VALUE-6"), "projsecret", "create", "gone", "k2", "--stdin"))
		mustPass(t, as("mallory", nil, "projsecret", "delete", "gone", "k2"))
		mustPass(t, as("ops-lead", nil, "delete", "secret", gone))
		if _, err := env.Clientset.CoreV1().Secrets(ns).Get(context.Background(), gone, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Fatalf("the ownerless project survived the admin's delete: %v", err)
		}
	})

	t.Run("immutable is refused", func(t *testing.T) {
		mustBeDenied(t, as("alice", nil, "patch", "secret", name, "-p", `{"immutable":true}`), "immutable is true: project secrets must stay writable")
	})

	t.Run("backdated and non-UTC timestamps are refused", func(t *testing.T) {
		entries := secret(t, ns, "pay").Annotations[projsecret.AnnotationEntries]
		m := mustEntries(t, secret(t, ns, "pay"))["k"]
		stamp := m.UpdatedAt.Format("2006-01-02T15:04:05Z")
		// A changed entry dated in the future, and a new one backdated.
		future := m.UpdatedAt.Add(2 * time.Hour).Format("2006-01-02T15:04:05Z")
		forward := strings.Replace(strings.Replace(entries, `"updatedAt":"`+stamp+`"`, `"updatedAt":"`+future+`"`, 1), `"updatedBy":"ops-lead"`, `"updatedBy":"alice"`, 1)
		mustBeDenied(t, as("alice", nil, "annotate", "--overwrite", "secret", name, projsecret.AnnotationEntries+"="+forward),
			`entry "k": updatedAt `+future+` is 1h5`, "away from the webhook's clock")
		withOld := mustEntries(t, secret(t, ns, "pay"))
		old := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		withOld["old"] = projsecret.EntryMeta{CreatedAt: old, UpdatedAt: old, CreatedBy: "alice", UpdatedBy: "alice"}
		enc, err := withOld.Encode()
		if err != nil {
			t.Fatal(err)
		}
		patch := asJSON(t, map[string]any{"metadata": map[string]any{"annotations": map[string]string{projsecret.AnnotationEntries: enc}}, "stringData": map[string]string{"old": "s3cr3t-VALUE-o"}})
		mustBeDenied(t, as("alice", nil, "patch", "secret", name, "-p", string(patch)),
			`entry "old": createdAt 2026-01-01T00:00:00Z is`, "away from the webhook's clock")
		offset := strings.Replace(entries, `"createdAt":"`+m.CreatedAt.Format("2006-01-02T15:04:05Z")+`"`, `"createdAt":"`+m.CreatedAt.Format("2006-01-02T15:04:05+00:00")+`"`, 1)
		mustBeDenied(t, as("alice", nil, "annotate", "--overwrite", "secret", name, projsecret.AnnotationEntries+"="+offset),
			"is not a timestamp in RFC 3339, UTC, whole seconds, with Z")
	})

	t.Run("the namespace controller deletes and does nothing else", func(t *testing.T) {
		mustBeDenied(t, as(namespaceController, nil, "annotate", "secret", name, "example.com/note=x"),
			`user "`+namespaceController+`" is a cleanup identity: it may delete project secrets or remove their finalizers and owner references, and change nothing else (it changes annotations)`)
		mustPass(t, as(namespaceController, nil, "delete", "secret", name))
		if _, err := env.Clientset.CoreV1().Secrets(ns).Get(context.Background(), name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Fatalf("the owned project Secret survived the namespace controller's delete: %v", err)
		}
	})
}

// TestOwnershipGarbageCollectorRelease: a foreground or orphan delete ends
// when the garbage collector removes its finalizer with an UPDATE, and an
// orphaned dependent loses its owner reference the same way; the webhook
// allows those and nothing else from it. The deletes are the real
// kubectl's; the control plane runs no kube-controller-manager, so the
// garbage collector's UPDATEs are sent as it sends them (the same JSON
// merge and strategic merge patches, k8s.io/kubernetes v1.37.2
// pkg/controller/garbagecollector), impersonating its service account.
func TestOwnershipGarbageCollectorRelease(t *testing.T) {
	StartWebhook(t)
	ns := namespace(t)
	grant(t, ns, "alice", garbageCollector)
	as := func(user string, stdin []byte, args ...string) testenv.Result {
		flags := []string{"-n", ns, "--as", user}
		if args[0] == "projsecret" {
			return kubectl(t, stdin, append(append([]string{"projsecret"}, flags...), args[1:]...)...)
		}
		return kubectl(t, stdin, append(flags, args...)...)
	}
	get := func(name string) (*corev1.Secret, error) {
		return env.Clientset.CoreV1().Secrets(ns).Get(context.Background(), name, metav1.GetOptions{})
	}
	// removeFinalizer is the garbage collector's removeFinalizer patch.
	removeFinalizer := func(s *corev1.Secret, finalizer string) []byte {
		var keep []string
		for _, f := range s.Finalizers {
			if f != finalizer {
				keep = append(keep, f)
			}
		}
		return asJSON(t, map[string]any{"metadata": map[string]any{"resourceVersion": s.ResourceVersion, "finalizers": keep}})
	}

	for _, cascade := range []string{"foreground", "orphan"} {
		t.Run(cascade, func(t *testing.T) {
			project := "gc-" + cascade
			name := projsecret.SecretName(project)
			mustPass(t, as("alice", []byte("s3cr3t-VALUE-1"), "projsecret", "create", project, "k", "--stdin"))
			mustPass(t, as("alice", nil, "delete", "secret", name, "--cascade="+cascade, "--wait=false"))
			s, err := get(name)
			finalizer := map[string]string{"foreground": metav1.FinalizerDeleteDependents, "orphan": metav1.FinalizerOrphanDependents}[cascade]
			if err != nil || s.DeletionTimestamp == nil || !slices.Contains(s.Finalizers, finalizer) {
				t.Fatalf("after kubectl delete --cascade=%s: want the Secret Terminating with finalizer %s: %v %+v", cascade, finalizer, err, s)
			}

			// What the garbage collector may not do on the way.
			mustBeDenied(t, as(garbageCollector, nil, "annotate", "--overwrite", "secret", name, projsecret.AnnotationOwners+"=user:"+garbageCollector),
				`user "`+garbageCollector+`" is a cleanup identity: it may delete project secrets or remove their finalizers and owner references, and change nothing else (it changes annotation projsecret.io/owners)`)
			withData := asJSON(t, map[string]any{"metadata": map[string]any{"finalizers": nil}, "stringData": map[string]string{"k": "s3cr3t-VALUE-2"}})
			mustBeDenied(t, as(garbageCollector, nil, "patch", "secret", name, "--type=merge", "-p", string(withData)), "(it changes data)")
			if after, err := get(name); err != nil || after.ResourceVersion != s.ResourceVersion {
				t.Fatalf("denied patches changed the Secret: %v", err)
			}

			// Its release: the Secret goes.
			mustPass(t, as(garbageCollector, nil, "patch", "secret", name, "--type=merge", "-p", string(removeFinalizer(s, finalizer))))
			if _, err := get(name); !apierrors.IsNotFound(err) {
				t.Fatalf("the Secret outlived the garbage collector's release: %v", err)
			}
		})
	}

	t.Run("orphaning a dependent", func(t *testing.T) {
		ctx := context.Background()
		owner, err := env.Clientset.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "owner"}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		name := projsecret.SecretName("dependent")
		mustPass(t, as("alice", []byte("s3cr3t-VALUE-3"), "projsecret", "create", "dependent", "k", "--stdin"))
		ref := map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "name": owner.Name, "uid": owner.UID, "blockOwnerDeletion": true}
		mustPass(t, as("alice", nil, "patch", "secret", name, "--type=merge", "-p", string(asJSON(t, map[string]any{"metadata": map[string]any{"ownerReferences": []any{ref}}}))))
		s, err := get(name)
		if err != nil || len(s.OwnerReferences) != 1 {
			t.Fatalf("the owner reference was not stored: %v %+v", err, s)
		}
		// (The API server itself refuses a new finalizer on a Secret being
		// deleted: this one is not.)
		hold := asJSON(t, map[string]any{"metadata": map[string]any{"finalizers": []string{"example.com/hold"}}})
		mustBeDenied(t, as(garbageCollector, nil, "patch", "secret", name, "--type=merge", "-p", string(hold)), "(it adds or reorders finalizers)")
		other := map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "name": "other", "uid": "5b4ab6e8-0000-4000-8000-000000000000"}
		mustBeDenied(t, as(garbageCollector, nil, "patch", "secret", name, "--type=merge", "-p", string(asJSON(t, map[string]any{"metadata": map[string]any{"ownerReferences": []any{ref, other}}}))),
			"(it adds, reorders or changes owner references)")
		// unblockOwnerReferencesStrategicMergePatch, as the garbage
		// collector sends it to break a cycle of foreground deletes; the
		// way back is refused.
		unblocked := maps.Clone(ref)
		unblocked["blockOwnerDeletion"] = false
		mustPass(t, as(garbageCollector, nil, "patch", "secret", name, "--type=strategic", "-p", string(asJSON(t, map[string]any{"metadata": map[string]any{"ownerReferences": []any{unblocked}, "uid": s.UID}}))))
		mustBeDenied(t, as(garbageCollector, nil, "patch", "secret", name, "--type=strategic", "-p", string(asJSON(t, map[string]any{"metadata": map[string]any{"ownerReferences": []any{ref}, "uid": s.UID}}))),
			"(it adds, reorders or changes owner references)")
		// GenerateDeleteOwnerRefStrategicMergeBytes, as orphanDependents sends it.
		orphan := asJSON(t, map[string]any{"metadata": map[string]any{"ownerReferences": []any{map[string]any{"$patch": "delete", "uid": owner.UID}}, "uid": s.UID}})
		mustPass(t, as(garbageCollector, nil, "patch", "secret", name, "--type=strategic", "-p", string(orphan)))
		if s, err := get(name); err != nil || len(s.OwnerReferences) != 0 || len(s.Data) != 1 {
			t.Fatalf("after the orphaning patch: %v %+v", err, s)
		}
	})
}

// TestOwnershipLookAlikeOwners: an owner name holding a character that
// shows as nothing, or turns the text around, is refused, with the
// character named by its code point, whether the list is written with
// kubectl or with the plugin.
func TestOwnershipLookAlikeOwners(t *testing.T) {
	StartWebhook(t)
	ns := namespace(t)
	grant(t, ns, "alice")
	mustPass(t, kubectl(t, []byte("s3cr3t-VALUE-1"), "projsecret", "-n", ns, "--as", "alice", "create", "pay", "k", "--stdin"))
	name := projsecret.SecretName("pay")
	before := secret(t, ns, "pay").ResourceVersion
	for _, tc := range []struct{ owner, quoted, code string }{
		{"user:bob\u200b", `"user:bob\u200b"`, "U+200B"},
		{"user:\u202eecila", `"user:\u202eecila"`, "U+202E"},
		{"user:bo\u00adb", `"user:bo\u00adb"`, "U+00AD"},
		{"group:team\ufeff", `"group:team\ufeff"`, "U+FEFF"},
	} {
		res := kubectl(t, nil, "-n", ns, "--as", "alice", "annotate", "--overwrite", "secret", name, projsecret.AnnotationOwners+"=user:alice,"+tc.owner)
		mustBeDenied(t, res, "owner "+tc.quoted+" holds the format character "+tc.code+", which is invisible or reorders text: owner names must be printable")
		if strings.ContainsAny(res.Stderr, "\u200b\u202e\u00ad\ufeff") {
			t.Errorf("the denial holds the character raw: %q", res.Stderr)
		}
	}
	// The plugin refuses it before sending anything.
	res := kubectl(t, nil, "projsecret", "-n", ns, "--as", "alice", "owners", "pay", "user:alice", "user:bob\u200b")
	if res.ExitCode == 0 || !strings.Contains(res.Stderr, `"user:bob\u200b"`) || !strings.Contains(res.Stderr, "U+200B") {
		t.Errorf("owners with a zero-width space: %s", res)
	}
	if after := secret(t, ns, "pay").ResourceVersion; after != before {
		t.Fatalf("refused owner lists changed the project: resourceVersion %s -> %s", before, after)
	}
}

// TestOwnershipLabelValue: where the webhook does not run, a Secret named
// for one project can carry another project's label; the plugin shows it
// as neither.
func TestOwnershipLabelValue(t *testing.T) {
	ns := namespace(t)
	odd := secretManifest(t, ns, "payments", "mallory", map[string]string{"k": "s3cr3t-VALUE-m"})
	odd.Name = projsecret.SecretName("aaa")
	if _, err := env.Clientset.CoreV1().Secrets(ns).Create(context.Background(), odd, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	mustSucceed(t, []byte("s3cr3t-VALUE-r"), "-n", ns, "create", "real", "k", "--stdin")

	res := mustSucceed(t, nil, "-n", ns, "projects")
	if strings.Contains(res.Stdout, "payments") || strings.Contains(res.Stdout, "aaa") || !strings.Contains(res.Stdout, "real") {
		t.Errorf("projects lists the mismatched Secret, or not the real project: %s", res)
	}
	if lines := strings.Split(strings.TrimSpace(res.Stderr), "\n"); len(lines) != 1 || !strings.Contains(lines[0], ns+"/proj-secrets-aaa") {
		t.Errorf("projects: want one warning line naming %s/proj-secrets-aaa: %q", ns, res.Stderr)
	}
	for _, args := range [][]string{{"owners", "payments"}, {"get", "payments"}} {
		if res := kubectl(t, nil, append([]string{"projsecret", "-n", ns}, args...)...); res.ExitCode == 0 || !strings.Contains(res.Stderr, "not found") {
			t.Errorf("%v: want not found: %s", args, res)
		}
	}
	for _, args := range [][]string{{"get", "aaa"}, {"owners", "aaa"}, {"delete", "aaa", "k"}} {
		if res := kubectl(t, nil, append([]string{"projsecret", "-n", ns}, args...)...); res.ExitCode == 0 || !strings.Contains(res.Stderr, `label says "payments"`) {
			t.Errorf("%v: want a refusal naming the label: %s", args, res)
		}
	}
}

// clusterAdmin binds user to RBAC's cluster-admin ClusterRole until the
// test ends.
func clusterAdmin(t *testing.T, user string) {
	t.Helper()
	ctx := context.Background()
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "projsecret-test-cluster-admin-"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "cluster-admin"},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: user}},
	}
	created, err := env.Clientset.RbacV1().ClusterRoleBindings().Create(ctx, binding, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = env.Clientset.RbacV1().ClusterRoleBindings().Delete(ctx, created.Name, metav1.DeleteOptions{})
	})
}
