// Command bench measures projsecret end to end on the real control plane:
// admission overhead, the webhook's cost per review, plugin speed, scale and
// contention. `make bench` runs it; it prints one Markdown table per part
// and writes them to bench-results/.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/projsecret/projsecret/internal/testenv"
	"github.com/projsecret/projsecret/store"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// Options are the knobs of a run; the defaults keep `make bench` to the
// run time the README's Benchmarks section gives, with medians that repeat.
type Options struct {
	Parts  string
	Out    string
	Plugin string
	// Webhook is the projsecret-webhook binary part 7 runs.
	Webhook string

	AdmissionRounds, AdmissionOps int
	ReviewCount                   int
	ReviewBenchtime               string
	PluginRuns, CountTrials       int
	ScaleRuns                     int
	Writers, SetsPerWriter        int
	KeysPerWriter                 int
	ContentionRounds              int
	WorkflowRuns                  int
	FloodRate, FloodWorkers       int
	FloodWrites                   int
	HistoryRuns                   int
}

func main() {
	var o Options
	flag.StringVar(&o.Parts, "parts", "1,2,3,4,5,6,7,8,9", "Which parts to run, comma-separated: 1 admission, 2 reviews, 3 plugin, 4 scale, 5 contention, 6 workflows, 7 flood, 8 history, 9 restart.")
	flag.StringVar(&o.Out, "out", "bench-results", "Folder for the results file.")
	flag.StringVar(&o.Plugin, "plugin", "bin/kubectl-projsecret", "The kubectl-projsecret binary to measure.")
	flag.IntVar(&o.AdmissionRounds, "admission-rounds", 20, "Part 1: interleaved rounds per variant and concurrency.")
	flag.IntVar(&o.AdmissionOps, "admission-ops", 64, "Part 1: writes per variant per round.")
	flag.IntVar(&o.ReviewCount, "review-count", 6, "Part 2: go test -count for the handler benchmarks (the table shows medians).")
	flag.StringVar(&o.ReviewBenchtime, "review-benchtime", "0.5s", "Part 2: go test -benchtime.")
	flag.IntVar(&o.PluginRuns, "plugin-runs", 40, "Part 3: runs of each command.")
	flag.IntVar(&o.CountTrials, "count-trials", 3, "Parts 3 and 4: trials per request count (the minimum is kept, which drops the API server's own housekeeping).")
	flag.IntVar(&o.ScaleRuns, "scale-runs", 20, "Part 4: runs of each command.")
	flag.IntVar(&o.Writers, "writers", 32, "Part 5: concurrent writers.")
	flag.IntVar(&o.SetsPerWriter, "sets", 50, "Part 5: Set calls per writer.")
	flag.IntVar(&o.KeysPerWriter, "keys", 1, "Part 5: keys of its own each writer cycles through (50 with -sets 50 gives every Set a fresh key, and the project 1,600 entries).")
	flag.IntVar(&o.WorkflowRuns, "workflow-runs", 20, "Part 6: runs of each command (import and run).")
	flag.IntVar(&o.HistoryRuns, "history-runs", 100, "Part 8: sets with and without history, interleaved.")
	flag.IntVar(&o.ContentionRounds, "contention-rounds", 2, "Part 5: interleaved rounds of one project vs spread.")
	flag.StringVar(&o.Webhook, "webhook", "bin/projsecret-webhook", "Part 7: the projsecret-webhook binary.")
	flag.IntVar(&o.FloodRate, "flood-rate", 40, "Part 7: new slow-body connections a second.")
	flag.IntVar(&o.FloodWorkers, "flood-workers", 4, "Part 7: clients posting near-limit reviews back to back.")
	flag.IntVar(&o.FloodWrites, "flood-writes", 40, "Part 7: genuine writes per row.")
	var serve serveFlags
	serving := flag.Bool("serve-webhooks", false, "Internal: serve the part 1 webhooks (the benchmark starts itself this way).")
	flag.IntVar(&serve.port, "serve-port", 0, "Internal: webhook HTTPS port.")
	flag.StringVar(&serve.certDir, "serve-cert-dir", "", "Internal: webhook tls.crt and tls.key.")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *serving {
		if err := serveWebhooks(ctx, serve); err != nil {
			fmt.Fprintf(os.Stderr, "bench webhooks: %v\n", err)
			if errors.Is(err, syscall.EADDRINUSE) {
				os.Exit(exitPortTaken)
			}
			os.Exit(1)
		}
		return
	}
	if err := run(ctx, o); err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		os.Exit(1)
	}
}

// Bench is what every part shares: one control plane, an admin client
// without client-side rate limiting, and a shell for the real binaries.
type Bench struct {
	Options
	env    *testenv.Env
	config *rest.Config
	admin  kubernetes.Interface
	user   string
	sh     *Shell
	binDir string
	report *Report
}

type part struct {
	id   string
	name string
	run  func(*Bench, context.Context) error
}

var parts = []part{
	{"1", "admission overhead", (*Bench).admission},
	{"2", "webhook cost per review", (*Bench).reviews},
	{"3", "plugin speed", (*Bench).pluginSpeed},
	{"4", "scale", (*Bench).scale},
	{"5", "contention", (*Bench).contention},
	{"6", "workflows", (*Bench).workflows},
	{"7", "webhook under flood", (*Bench).flood},
	{"8", "history", (*Bench).history},
	{"9", "restart over 500 workloads", (*Bench).restart},
}

func run(ctx context.Context, o Options) error {
	selected := strings.Split(o.Parts, ",")
	plugin, err := filepath.Abs(o.Plugin)
	if err != nil {
		return err
	}
	if o.Webhook, err = filepath.Abs(o.Webhook); err != nil {
		return err
	}
	if _, err := os.Stat(plugin); err != nil {
		return fmt.Errorf("the plugin binary is missing (run `make build`): %w", err)
	}
	dir, err := os.MkdirTemp("", "projsecret-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	b := &Bench{Options: o, binDir: filepath.Join(dir, "bin")}
	// kubectl finds the plugin on PATH; a folder holding only it keeps any
	// other installed copy out of the way.
	if err := os.MkdirAll(b.binDir, 0o755); err != nil {
		return err
	}
	if err := os.Symlink(plugin, filepath.Join(b.binDir, "kubectl-projsecret")); err != nil {
		return err
	}

	start := time.Now()
	if b.env, err = testenv.Start(dir); err != nil {
		return err
	}
	defer b.env.Stop()
	fmt.Fprintf(os.Stderr, "control plane up in %s\n", time.Since(start).Round(time.Millisecond))

	b.config = unthrottled(b.env.Config)
	if b.admin, err = kubernetes.NewForConfig(b.config); err != nil {
		return err
	}
	if b.user, err = store.WhoAmI(ctx, b.admin, ""); err != nil {
		return err
	}
	b.sh = NewShell(b.binDir, b.env.Kubeconfig, dir)

	m, err := describeMachine(ctx, b.admin)
	if err != nil {
		return err
	}
	path := filepath.Join(o.Out, "bench-"+start.Format("2006-01-02T150405")+".md")
	if b.report, err = NewReport(os.Stdout, path, m.Markdown(start)); err != nil {
		return err
	}

	var failed []error
	for _, p := range parts {
		if !slices.Contains(selected, p.id) {
			continue
		}
		fmt.Fprintf(os.Stderr, "part %s: %s...\n", p.id, p.name)
		t := time.Now()
		if err := p.run(b, ctx); err != nil {
			err = fmt.Errorf("part %s (%s): %w", p.id, p.name, err)
			failed = append(failed, err)
			if rerr := b.report.AddText(fmt.Sprintf("**Part %s failed:** %v\n", p.id, err)); rerr != nil {
				return errors.Join(err, rerr)
			}
		}
		fmt.Fprintf(os.Stderr, "part %s took %s\n", p.id, time.Since(t).Round(time.Second))
		if ctx.Err() != nil {
			break
		}
	}
	fmt.Fprintf(os.Stderr, "results written to %s (total %s)\n", path, time.Since(start).Round(time.Second))
	return errors.Join(failed...)
}

// unthrottled copies config without client-side rate limiting, so that the
// benchmark measures the server rather than client-go's default 5 QPS.
func unthrottled(config *rest.Config) *rest.Config {
	c := rest.CopyConfig(config)
	c.QPS, c.Burst = -1, 0
	return c
}
