//go:build !amd64 || purego

package simd

// platformSets returns the assembly kernel sets usable here: none.
func platformSets() []*kernelSet { return nil }

func runKernel(id, nt, k int, a *float32, rsa, csa int, b *float32, ldb int, c *float32, ldc int, beta float32) {
	kernGeneric2x4(nt, k, a, rsa, csa, b, ldb, c, ldc, beta)
}
