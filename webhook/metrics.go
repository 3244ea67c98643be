package webhook

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/projsecret/projsecret"
)

// RuleInvalidRequest labels denials of reviews the webhook could not read
// (wrong kind, missing object, malformed JSON), as opposed to writes that
// break a rule of the contract.
const RuleInvalidRequest = projsecret.Rule("invalid-request")

// RuleBusy labels reviews denied unread because the replica already judged
// --max-inflight reviews and none finished within --inflight-wait.
const RuleBusy = projsecret.Rule("webhook-busy")

// Rules returns every value of the denials counter's rule label.
func Rules() []projsecret.Rule {
	return []projsecret.Rule{
		projsecret.RuleKeyNaming,
		projsecret.RuleOwnership,
		projsecret.RuleMetadata,
		projsecret.RuleSize,
		RuleInvalidRequest,
		RuleBusy,
	}
}

// denials counts denied reviews by the rule they broke; a review that breaks
// two rules counts once under each. It is served with controller-runtime's
// webhook metrics from metrics.Registry, which is the process's: one
// counter per process, as controller-runtime's own webhook metrics are.
var denials = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "projsecret_webhook_denials_total",
	Help: "Admission reviews of project Secrets denied, by the rule they broke.",
}, []string{"rule"})

var denialsByRule = map[projsecret.Rule]prometheus.Counter{}

func init() {
	metrics.Registry.MustRegister(denials)
	// Every rule is a series from the start, so a rate() over a rule that
	// has never fired reads 0 rather than nothing.
	for _, r := range Rules() {
		denialsByRule[r] = denials.WithLabelValues(string(r))
	}
}

func countDenial(r projsecret.Rule) {
	if c, ok := denialsByRule[r]; ok {
		c.Inc()
		return
	}
	denials.WithLabelValues(string(r)).Inc()
}

// deniedRules lists each rule err breaks once, in the order first broken.
func deniedRules(err error) []projsecret.Rule {
	var vs projsecret.Violations
	if !errors.As(err, &vs) {
		var v *projsecret.Violation
		if errors.As(err, &v) {
			return []projsecret.Rule{v.Rule}
		}
		return []projsecret.Rule{RuleInvalidRequest}
	}
	var rules []projsecret.Rule
	seen := map[projsecret.Rule]bool{}
	for _, v := range vs {
		if !seen[v.Rule] {
			seen[v.Rule] = true
			rules = append(rules, v.Rule)
		}
	}
	return rules
}
