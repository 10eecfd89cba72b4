package kernels

import "testing"

// benchConvFloat runs ConvFloat on the reference CNN's conv shapes (VALID,
// stride 1, 3×3): conv1 is 28×28×1 → 26×26×32, conv2 13×13×32 → 11×11×32.
func benchConvFloat(b *testing.B, h, cin int) {
	inS := Shape4{1, h, h, cin}
	fS := Shape4{32, 3, 3, cin}
	outS := Shape4{1, h - 2, h - 2, 32}
	in, f, bias := seqF32(inS.Len(), 0), seqF32(fS.Len(), -10), seqF32(32, 0)
	out := make([]float32, outS.Len())
	p := ConvParams{StrideW: 1, StrideH: 1, DilationW: 1, DilationH: 1, FloatMin: 0, FloatMax: noHiF32}
	for b.Loop() {
		ConvFloat(&p, inS, in, fS, f, bias, outS, out)
	}
	b.ReportMetric(float64(outS.Len()*fS.H*fS.W*cin)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GMAC/s")
}

func BenchmarkConvFloatConv1(b *testing.B) { benchConvFloat(b, 28, 1) }
func BenchmarkConvFloatConv2(b *testing.B) { benchConvFloat(b, 13, 32) }

// BenchmarkFullyConnectedFloat800x200 is the reference CNN's first dense layer.
func BenchmarkFullyConnectedFloat800x200(b *testing.B) {
	in, w, bias := seqF32(800, 0), seqF32(800*200, 0), seqF32(200, 0)
	out := make([]float32, 200)
	p := FullyConnectedParams{FloatMin: 0, FloatMax: noHiF32}
	for b.Loop() {
		FullyConnectedFloat(&p, 1, 800, 200, in, w, bias, out)
	}
	b.ReportMetric(800*200*float64(b.N)/b.Elapsed().Seconds()/1e9, "GMAC/s")
}
