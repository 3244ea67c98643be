package store

import (
	"context"
	"strings"
	"testing"

	authnv1 "k8s.io/api/authentication/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

func TestWhoAmI(t *testing.T) {
	t.Parallel()
	notServed := apierrors.NewNotFound(schema.GroupResource{Group: "authentication.k8s.io", Resource: "selfsubjectreviews"}, "")
	for _, tc := range []struct {
		name                        string
		server                      func(k8stesting.Action) (bool, runtime.Object, error)
		fallback                    string
		wantUser, wantWarn, wantErr string
	}{
		{
			name: "the server names the user",
			server: func(k8stesting.Action) (bool, runtime.Object, error) {
				return true, &authnv1.SelfSubjectReview{Status: authnv1.SelfSubjectReviewStatus{UserInfo: authnv1.UserInfo{Username: "oidc:alice"}}}, nil
			},
			fallback: "alice", wantUser: "oidc:alice",
		},
		{
			name:     "an old server: the fallback, said out loud",
			server:   func(k8stesting.Action) (bool, runtime.Object, error) { return true, nil, notServed },
			fallback: "alice", wantUser: "alice", wantWarn: `recording the user as "alice", from --as or kubeconfig`,
		},
		{
			name:    "an old server and no fallback",
			server:  func(k8stesting.Action) (bool, runtime.Object, error) { return true, nil, notServed },
			wantErr: "no user name is known from --as or kubeconfig:",
		},
		{
			name: "any other failure is an error, not a fallback",
			server: func(k8stesting.Action) (bool, runtime.Object, error) {
				return true, nil, apierrors.NewUnauthorized("token expired")
			},
			fallback: "alice", wantErr: "asking the API server who the user is",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs := fake.NewClientset()
			cs.PrependReactor("create", "selfsubjectreviews", tc.server)
			var warned string
			c := NewClient(cs, "ns", WithFallbackUser(tc.fallback, "--as or kubeconfig"), WithWarnings(func(m string) { warned = m }))
			user, err := c.User(context.Background())
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || user != tc.wantUser {
				t.Fatalf("user %q, %v; want %q", user, err, tc.wantUser)
			}
			if (tc.wantWarn == "") != (warned == "") || !strings.Contains(warned, tc.wantWarn) {
				t.Fatalf("warning %q, want one containing %q", warned, tc.wantWarn)
			}
		})
	}
}
