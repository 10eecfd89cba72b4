//go:build amd64 && !purego

package simd

import "golang.org/x/sys/cpu"

// gemmKernAVX2 is the AVX2+FMA micro-kernel, mr = 6, nr = 16; see the kernel
// contract beside kernelSet and the comment in gemm_amd64.s.
//
//go:noescape
func gemmKernAVX2(nt, k int, a *float32, rsa, csa int, b *float32, ldb int, c *float32, ldc int, beta float32)

// gemmKernAVX512 is the AVX-512F micro-kernel, mr = 8, nr = 32.
//
//go:noescape
func gemmKernAVX512(nt, k int, a *float32, rsa, csa int, b *float32, ldb int, c *float32, ldc int, beta float32)

var avx2Set = &kernelSet{
	name: "avx2",
	mr:   6, nr: 16,
	kc: 256, mc: 144, nc: 1024,
	id: kernAVX2,
}

var avx512Set = &kernelSet{
	name: "avx512",
	mr:   8, nr: 32,
	kc: 256, mc: 128, nc: 1024,
	id: kernAVX512,
}

// platformSets returns the assembly kernel sets this CPU and OS support,
// best first. x/sys/cpu reports AVX2 and AVX-512 only when the OS saves
// the YMM/ZMM state (XCR0).
func platformSets() []*kernelSet {
	var s []*kernelSet
	if !cpu.X86.HasAVX2 || !cpu.X86.HasFMA {
		return nil
	}
	if cpu.X86.HasAVX512F {
		s = append(s, avx512Set)
	}
	return append(s, avx2Set)
}

func runKernel(id, nt, k int, a *float32, rsa, csa int, b *float32, ldb int, c *float32, ldc int, beta float32) {
	switch id {
	case kernAVX512:
		gemmKernAVX512(nt, k, a, rsa, csa, b, ldb, c, ldc, beta)
	case kernAVX2:
		gemmKernAVX2(nt, k, a, rsa, csa, b, ldb, c, ldc, beta)
	default:
		kernGeneric2x4(nt, k, a, rsa, csa, b, ldb, c, ldc, beta)
	}
}
