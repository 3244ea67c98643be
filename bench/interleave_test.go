package main

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
)

func TestInterleavedOrderAndCounts(t *testing.T) {
	var (
		mu    sync.Mutex
		order []string
		seqs  = map[string][]int{}
	)
	op := func(name string) func(context.Context, int, int) error {
		return func(_ context.Context, _, seq int) error {
			mu.Lock()
			defer mu.Unlock()
			order = append(order, name)
			seqs[name] = append(seqs[name], seq)
			return nil
		}
	}
	res, err := Interleaved(context.Background(), 2, 2, 1, []Variant{{"A", op("A")}, {"B", op("B")}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(order, ""), "AABBAABB"; got != want {
		t.Errorf("order = %s, want %s", got, want)
	}
	for _, name := range []string{"A", "B"} {
		if got := seqs[name]; len(got) != 4 || got[0] != 0 || got[3] != 3 {
			t.Errorf("%s got sequence numbers %v, want 0..3", name, got)
		}
	}
	for _, r := range res {
		if r.Ops != 4 || len(r.Latency) != 4 {
			t.Errorf("%s: %d ops, %d samples, want 4 and 4", r.Name, r.Ops, len(r.Latency))
		}
	}
}

func TestInterleavedStopsOnError(t *testing.T) {
	boom := errors.New("boom")
	fail := func(_ context.Context, _, seq int) error {
		if seq == 3 {
			return boom
		}
		return nil
	}
	_, err := Interleaved(context.Background(), 1, 10, 4, []Variant{{"A", fail}})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want it to wrap %v", err, boom)
	}
	if !strings.Contains(err.Error(), "operation 3") {
		t.Errorf("err = %v, want it to name the failing operation", err)
	}
}
