package plugin

import (
	"fmt"

	"github.com/projsecret/projsecret/internal/version"
	"github.com/projsecret/projsecret/store"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"

	// Exec, OIDC and the cloud auth providers: whatever kubectl itself can
	// log in with, the plugin can too.
	_ "k8s.io/client-go/plugin/pkg/client/auth"
)

// ClientFunc builds the client a command works through. Commands call it in
// Complete; unit tests replace it with one over a fake clientset.
type ClientFunc func() (*store.Client, error)

// clientFromFlags builds the client from kubectl's own flags and kubeconfig
// rules. The user name recorded on writes comes from the API server
// (SelfSubjectReview); --as, else the kubeconfig's basic-auth user name, is
// only the fallback for servers that cannot say.
func clientFromFlags(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) ClientFunc {
	return func() (*store.Client, error) {
		loader := flags.ToRawKubeConfigLoader()
		namespace, _, err := loader.Namespace()
		if err != nil {
			return nil, fmt.Errorf("reading the namespace from kubeconfig: %w", err)
		}
		config, err := flags.ToRESTConfig()
		if err != nil {
			return nil, fmt.Errorf("loading kubeconfig: %w", err)
		}
		config = rest.CopyConfig(config)
		config.UserAgent = fmt.Sprintf("kubectl-projsecret/%s", version.Version)
		// Server warnings (a project secret near its size limit) read like
		// kubectl's, instead of as klog lines.
		config.WarningHandler = rest.NewWarningWriter(streams.ErrOut, rest.WarningWriterOptions{Deduplicate: true})
		cs, err := kubernetes.NewForConfig(config)
		if err != nil {
			return nil, fmt.Errorf("building the Kubernetes client: %w", err)
		}
		// Listings that need no values (projects, completion) go through
		// the metadata client, so values never cross the wire for them.
		md, err := metadata.NewForConfig(config)
		if err != nil {
			return nil, fmt.Errorf("building the Kubernetes metadata client: %w", err)
		}
		fallbackUser := config.Impersonate.UserName
		if fallbackUser == "" {
			fallbackUser = config.Username
		}
		return store.NewClient(cs, namespace,
			store.WithMetadata(md),
			store.WithFallbackUser(fallbackUser, "--as or kubeconfig"),
			store.WithWarnings(func(msg string) { fmt.Fprintf(streams.ErrOut, "Warning: %s\n", msg) }),
		), nil
	}
}
