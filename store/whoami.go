package store

import (
	"context"
	"fmt"

	authnv1 "k8s.io/api/authentication/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// WhoAmI asks the API server for the requesting user's name, so that
// impersonation and every authentication plugin give the name the server
// (and the webhook) will see. On a server without SelfSubjectReview it
// returns fallback, and an error if there is none.
func WhoAmI(ctx context.Context, cs kubernetes.Interface, fallback string) (string, error) {
	name, _, err := whoAmI(ctx, cs, fallback, "")
	return name, err
}

// whoAmI is WhoAmI that also says whether the name is the fallback, so the
// client can tell the user which name it recorded and why; source says
// where a fallback comes from (see WithFallbackUser).
func whoAmI(ctx context.Context, cs kubernetes.Interface, fallback, source string) (name string, fellBack bool, err error) {
	review, err := cs.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authnv1.SelfSubjectReview{}, metav1.CreateOptions{})
	switch {
	case err == nil:
		return review.Status.UserInfo.Username, false, nil
	case (apierrors.IsNotFound(err) || apierrors.IsMethodNotSupported(err)) && fallback != "":
		return fallback, true, nil
	case apierrors.IsNotFound(err) || apierrors.IsMethodNotSupported(err):
		return "", false, fmt.Errorf("the API server does not support SelfSubjectReview (authentication.k8s.io/v1) and no user name is known%s: %w", from(" from ", source), err)
	default:
		return "", false, fmt.Errorf("asking the API server who the user is: %w", err)
	}
}

// from is prefix and source, for a message that says where a name came
// from, or nothing without a source.
func from(prefix, source string) string {
	if source == "" {
		return ""
	}
	return prefix + source
}
