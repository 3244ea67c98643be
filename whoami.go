package projsecret

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
	review, err := cs.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authnv1.SelfSubjectReview{}, metav1.CreateOptions{})
	switch {
	case err == nil:
		return review.Status.UserInfo.Username, nil
	case (apierrors.IsNotFound(err) || apierrors.IsMethodNotSupported(err)) && fallback != "":
		return fallback, nil
	case apierrors.IsNotFound(err) || apierrors.IsMethodNotSupported(err):
		return "", fmt.Errorf("the API server does not support SelfSubjectReview (authentication.k8s.io/v1) and no user name is known from kubeconfig or --as: %w", err)
	default:
		return "", fmt.Errorf("asking the API server who the user is: %w", err)
	}
}
