package webhook

import (
	"errors"

	"github.com/go-logr/logr"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
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
	metrics.Registry.MustRegister(denials, dropped, openConnections)

	for _, r := range []string{dropSlow, dropNoRoom, dropEvicted} {
		dropped.WithLabelValues(r)
	}
	// Every rule is a series from the start, so a rate() over a rule that
	// has never fired reads 0 rather than nothing.
	for _, r := range Rules() {
		denialsByRule[r] = denials.WithLabelValues(string(r))
	}
}

// Why a connection or request was dropped before it was judged.
const (
	dropSlow    = "slow-body"    // the body missed its deadline or rate
	dropNoRoom  = "no-room"      // the byte budget stayed full (answered busy)
	dropEvicted = "idle-evicted" // an idle keep-alive connection closed for a new one
)

// dropped counts requests and connections the webhook let go unjudged, by
// why, so a flood shows in the metrics before it shows as busy denials.
var dropped = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "projsecret_webhook_dropped_total",
	Help: "Requests and connections dropped before a review was judged, by reason.",
}, []string{"reason"})

// openConnections is how many connections the webhook port holds open.
var openConnections = prometheus.NewGauge(prometheus.GaugeOpts{
	Name: "projsecret_webhook_open_connections",
	Help: "Connections open on the webhook port.",
})

// registerRuntimeMetrics adds the Go runtime's and the process's metrics,
// heap and resident memory among them, which the webhook's bounds are for.
// controller-runtime registers its own only with its controllers, which
// the webhook does not run; if it ever does, theirs are kept and these
// are dropped, since two Go collectors cannot share one registry.
func registerRuntimeMetrics(log logr.Logger) {
	for _, c := range []prometheus.Collector{collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})} {
		if err := metrics.Registry.Register(c); err != nil && !errors.As(err, new(prometheus.AlreadyRegisteredError)) {
			log.V(1).Info("runtime metrics not registered", "reason", err.Error())
		}
	}
}

func countDropped(reason string) { dropped.WithLabelValues(reason).Inc() }

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
