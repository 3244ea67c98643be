package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"k8s.io/client-go/kubernetes"
)

// requestMetric is the API server's count of the requests it served, by
// verb, resource and response code.
const requestMetric = "apiserver_request_total"

// Requests counts API requests by "VERB resource[/subresource]".
type Requests map[string]int

// Total is the number of requests counted.
func (r Requests) Total() int {
	n := 0
	for _, v := range r {
		n += v
	}
	return n
}

// Of sums the requests whose key ends in resource, whatever the verb.
func (r Requests) Of(resource string) int {
	n := 0
	for k, v := range r {
		if strings.HasSuffix(k, " "+resource) {
			n += v
		}
	}
	return n
}

func (r Requests) String() string {
	if len(r) == 0 {
		return "none"
	}
	parts := make([]string, 0, len(r))
	for _, k := range slices.Sorted(maps.Keys(r)) {
		parts = append(parts, fmt.Sprintf("%s ×%d", k, r[k]))
	}
	return strings.Join(parts, ", ")
}

// scrapeRequests reads requestMetric from the API server's /metrics.
func scrapeRequests(ctx context.Context, cs kubernetes.Interface) (Requests, error) {
	raw, err := cs.CoreV1().RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return nil, fmt.Errorf("scraping the API server's /metrics: %w", err)
	}
	return parseRequests(raw)
}

// parseRequests keeps only requestMetric's lines before parsing: the full
// exposition is megabytes of histograms nobody here reads.
func parseRequests(raw []byte) (Requests, error) {
	var kept bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if bytes.HasPrefix(line, []byte(requestMetric)) ||
			bytes.HasPrefix(line, []byte("# TYPE "+requestMetric+" ")) {
			kept.Write(line)
			kept.WriteByte('\n')
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading /metrics: %w", err)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(&kept)
	if err != nil {
		return nil, fmt.Errorf("parsing %s: %w", requestMetric, err)
	}
	out := Requests{}
	family, ok := families[requestMetric]
	if !ok {
		return out, nil
	}
	for _, m := range family.GetMetric() {
		out[requestKey(m.GetLabel())] += int(m.GetCounter().GetValue())
	}
	return out, nil
}

func requestKey(labels []*dto.LabelPair) string {
	l := map[string]string{}
	for _, p := range labels {
		l[p.GetName()] = p.GetValue()
	}
	resource := l["resource"]
	if resource == "" {
		resource = "(non-resource)"
	}
	if l["subresource"] != "" {
		resource += "/" + l["subresource"]
	}
	return l["verb"] + " " + resource
}

// Sub is what r counted beyond before.
func (r Requests) Sub(before Requests) Requests {
	out := Requests{}
	for k, v := range r {
		if d := v - before[k]; d > 0 {
			out[k] = d
		}
	}
	return out
}

// minRequests keeps, for every key, the smallest count over all trials. The
// API server's own housekeeping (leases, endpoints) adds requests at random
// moments; a command's own requests are in every trial.
func minRequests(trials []Requests) Requests {
	if len(trials) == 0 {
		return Requests{}
	}
	out := maps.Clone(trials[0])
	for _, t := range trials[1:] {
		for k, v := range out {
			out[k] = min(v, t[k])
		}
	}
	maps.DeleteFunc(out, func(_ string, v int) bool { return v == 0 })
	return out
}

// settle is how long the API server gets to record a finished request: it
// counts a request after the response is written, so a scrape right after
// the command exits can miss the last one.
const settle = 300 * time.Millisecond

// CountRequests runs fn trials times between two scrapes each and returns
// the requests seen in every trial. fn gets the trial number so that it can
// use fresh names.
func CountRequests(ctx context.Context, cs kubernetes.Interface, trials int, fn func(trial int) error) (Requests, error) {
	var seen []Requests
	for t := range trials {
		before, err := scrapeRequests(ctx, cs)
		if err != nil {
			return nil, err
		}
		if err := fn(t); err != nil {
			return nil, err
		}
		time.Sleep(settle)
		after, err := scrapeRequests(ctx, cs)
		if err != nil {
			return nil, err
		}
		seen = append(seen, after.Sub(before))
	}
	return minRequests(seen), nil
}
