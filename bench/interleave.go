package main

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Variant is one side of a comparison. Op performs operation seq of the
// variant; worker tells concurrent callers apart.
type Variant struct {
	Name string
	Op   func(ctx context.Context, worker, seq int) error
}

// Result is what one variant measured over all its rounds.
type Result struct {
	Name    string
	Latency Samples
	Ops     int
	// Wall is the summed wall time of the variant's batches, for throughput.
	Wall time.Duration
}

// Throughput is operations per second over the variant's own batches.
func (r Result) Throughput() string { return perSecond(r.Ops, r.Wall) }

// Interleaved runs rounds of A B C … A B C …: in each round every variant
// performs a batch of perRound operations with the given concurrency. Noise
// on a shared machine then falls on all variants alike, instead of on
// whichever ran during a busy minute. The first error stops everything.
func Interleaved(ctx context.Context, rounds, perRound, concurrency int, variants []Variant) ([]Result, error) {
	results := make([]Result, len(variants))
	seq := make([]int, len(variants))
	for i, v := range variants {
		results[i].Name = v.Name
	}
	for round := 0; round < rounds; round++ {
		for i, v := range variants {
			lat, wall, err := batch(ctx, v, seq[i], perRound, concurrency)
			if err != nil {
				return nil, fmt.Errorf("%s, round %d: %w", v.Name, round+1, err)
			}
			seq[i] += perRound
			results[i].Latency = append(results[i].Latency, lat...)
			results[i].Ops += perRound
			results[i].Wall += wall
		}
	}
	return results, nil
}

// batch runs n operations numbered from first, spread over concurrency
// workers, and times each one and the whole.
func batch(ctx context.Context, v Variant, first, n, concurrency int) (Samples, time.Duration, error) {
	lat := make(Samples, n)
	next := make(chan int, n)
	for i := range n {
		next <- i
	}
	close(next)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range min(concurrency, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if ctx.Err() != nil {
					return
				}
				t := time.Now()
				if err := v.Op(ctx, w, first+i); err != nil {
					cancel(fmt.Errorf("operation %d: %w", first+i, err))
					return
				}
				lat[i] = time.Since(t)
			}
		}()
	}
	wg.Wait()
	wall := time.Since(start)
	if err := context.Cause(ctx); err != nil {
		return nil, 0, err
	}
	return lat, wall, nil
}
