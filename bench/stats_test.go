package main

import (
	"testing"
	"time"
)

func TestQuantile(t *testing.T) {
	hundred := make(Samples, 100)
	for i := range hundred {
		// Reversed, so the test also shows the input is sorted first.
		hundred[i] = time.Duration(100-i) * time.Millisecond
	}
	tests := []struct {
		name string
		s    Samples
		q    float64
		want time.Duration
	}{
		{"empty", nil, 0.5, 0},
		{"one sample is every quantile", Samples{7}, 0.99, 7},
		{"median of odd count is the middle", Samples{3, 1, 2}, 0.5, 2},
		{"median of even count is the lower middle", Samples{4, 1, 3, 2}, 0.5, 2},
		{"p99 of 100 is the 99th", hundred, 0.99, 99 * time.Millisecond},
		{"p100 is the maximum", hundred, 1, 100 * time.Millisecond},
		{"p0 is the minimum", hundred, 0, time.Millisecond},
		{"p99 of 10 is the maximum", hundred[:10], 0.99, 100 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.s.Quantile(tt.q); got != tt.want {
				t.Errorf("Quantile(%v) = %v, want %v", tt.q, got, tt.want)
			}
		})
	}
}

func TestFormatting(t *testing.T) {
	tests := []struct{ got, want string }{
		{ratio(3*time.Millisecond, 2*time.Millisecond), "1.50×"},
		{ratio(time.Second, 0), "n/a"},
		{ms(1500 * time.Microsecond), "1.50 ms"},
		{ms(12345 * time.Microsecond), "12.3 ms"},
		{ms(1234 * time.Millisecond), "1234 ms"},
		{perSecond(100, 2*time.Second), "50/s"},
		{perSecond(1, 0), "n/a"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
