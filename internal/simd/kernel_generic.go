package simd

import "unsafe"

// genericSet is the pure-Go kernel set: always available, used on CPUs
// without AVX2+FMA, on other architectures, with the purego build tag, or
// when MNISTCNN_SIMD=generic.
var genericSet = &kernelSet{
	name: "generic",
	mr:   2, nr: 4,
	kc: 256, mc: 128, nc: 1024,
	id: kernGeneric,
}

// kernGeneric2x4 is the pure-Go micro-kernel (mr = 2, nr = 4); see the
// kernel contract beside kernelSet. Eight scalar accumulators (few enough
// to stay in registers on amd64), products summed in order of increasing p.
func kernGeneric2x4(nt, k int, a *float32, rsa, csa int, b *float32, ldb int, c *float32, ldc int, beta float32) {
	const mr, nr = 2, 4
	ap, bp, cp := unsafe.Pointer(a), unsafe.Pointer(b), unsafe.Pointer(c)
	for t := 0; t < nt; t++ {
		a0 := unsafe.Add(ap, 4*(t*mr)*rsa)
		a1 := unsafe.Add(a0, 4*rsa)
		var c00, c01, c02, c03 float32
		var c10, c11, c12, c13 float32
		for p := 0; p < k; p++ {
			bv := (*[nr]float32)(unsafe.Add(bp, 4*ldb*p))
			b0, b1, b2, b3 := bv[0], bv[1], bv[2], bv[3]
			x := *(*float32)(unsafe.Add(a0, 4*csa*p))
			c00 += x * b0
			c01 += x * b1
			c02 += x * b2
			c03 += x * b3
			x = *(*float32)(unsafe.Add(a1, 4*csa*p))
			c10 += x * b0
			c11 += x * b1
			c12 += x * b2
			c13 += x * b3
		}
		r0 := (*[nr]float32)(unsafe.Add(cp, 4*(t*mr)*ldc))
		r1 := (*[nr]float32)(unsafe.Add(cp, 4*(t*mr+1)*ldc))
		if beta == 0 {
			*r0 = [nr]float32{c00, c01, c02, c03}
			*r1 = [nr]float32{c10, c11, c12, c13}
			continue
		}
		*r0 = [nr]float32{c00 + beta*r0[0], c01 + beta*r0[1], c02 + beta*r0[2], c03 + beta*r0[3]}
		*r1 = [nr]float32{c10 + beta*r1[0], c11 + beta*r1[1], c12 + beta*r1[2], c13 + beta*r1[3]}
	}
}
