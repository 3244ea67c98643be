package webhook

// Names of what manifests/ deploys. The certificate command and the tests
// use them; the manifests spell them out for kustomize.
const (
	Namespace         = "projsecret-system"
	ServiceName       = "projsecret-webhook"
	TLSSecretName     = "projsecret-webhook-tls"
	ConfigurationName = "projsecret-webhook"
	// WebhookName is the name the API server quotes in a denial:
	// `admission webhook "secrets.projsecret.io" denied the request: ...`.
	WebhookName = "secrets.projsecret.io"
)
