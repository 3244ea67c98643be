//go:build !unix

package webhook

// processCPU is unknown here; benchmarks then report wall time only.
func processCPU() int64 { return 0 }
