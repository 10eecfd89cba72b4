package train

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/mnistcnn/mnistcnn/model"
	"gorgonia.org/tensor"
)

// The ops of ops_arch.go and the activations and pool paddings added for
// architectures, each alone on small awkward shapes: forward against a
// float64 loop within 1e-5, gradients of L = Σ r ⊙ y (r random) against
// central finite differences within 1e-3, as ops_test.go does.

// act64 applies act in float64.
func act64(act model.Activation, v float64) float64 {
	switch act {
	case model.ReLU:
		return max(v, 0)
	case model.ReLU6:
		return min(max(v, 0), 6)
	}
	return v
}

// inside reports whether pixel (y, x) is in g's input.
func (g geom) inside(y, x int) bool { return y >= 0 && y < g.h && x >= 0 && x < g.w }

// weighted is Σ r ⊙ y.
func weighted(y, r []float64) float64 {
	s := 0.0
	for i, v := range y {
		s += v * r[i]
	}
	return s
}

// gradAfter is the gradient before the activation act whose output is y,
// given r, the gradient after it, as the graph computes it.
func gradAfter(act model.Activation, y []float32, r []float64) []float32 {
	gy := make([]float32, len(y))
	for i := range gy {
		gy[i] = float32(r[i])
	}
	gz := make([]float32, len(y))
	actGrad(act, gz, y, gy)
	if act == model.Linear {
		copy(gz, gy)
	}
	return gz
}

func floatsOf(v any) []float32 { return v.(*tensor.Dense).Float32s() }

// TestActGrad checks the activations' masks on their edges: ReLU passes
// y > 0 (+Inf too), ReLU6 0 < y < 6; neither passes NaN, −0, 0 or a
// negative value.
func TestActGrad(t *testing.T) {
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	y := []float32{-1, float32(math.Copysign(0, -1)), 0, 1e-40, 1, 5.9999995, 6, 6.0000005, 7, inf, nan, float32(math.Inf(-1))}
	relu := []float32{0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 0, 0}
	relu6 := []float32{0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0}
	gy := make([]float32, len(y))
	for i := range gy {
		gy[i] = 1
	}
	for _, tc := range []struct {
		act  model.Activation
		want []float32
	}{{model.ReLU, relu}, {model.ReLU6, relu6}} {
		gz := make([]float32, len(y))
		actGrad(tc.act, gz, y, gy)
		for i := range y {
			if gz[i] != tc.want[i] {
				t.Errorf("%v: gradient at y = %v is %v, want %v", tc.act, y[i], gz[i], tc.want[i])
			}
		}
		// The pool's fused test is the same.
		gx := make([]float32, len(y))
		arg := make([]int32, len(y))
		for i := range arg {
			arg[i] = int32(i)
		}
		g := geom{h: 1, w: len(y), c: 1, oh: 1, ow: len(y), channels: 1}
		maxPoolGrad(g, 1, gy, y, gradLimit(tc.act), arg, gx)
		for i := range y {
			if gx[i] != tc.want[i] {
				t.Errorf("%v: pool gradient at y = %v is %v, want %v", tc.act, y[i], gx[i], tc.want[i])
			}
		}
	}
}

// TestConvActivations checks convOp and denseOp with ReLU6 and linear
// outputs. The weights are scaled so that some ReLU6 outputs exceed 6.
func TestConvActivations(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, act := range []model.Activation{model.ReLU6, model.Linear} {
		g, err := newGeom(6, 7, 3, 3, 3, 1, 2, true, 5)
		if err != nil {
			t.Fatal(err)
		}
		const batch = 9
		x, w, b := randSlice(r, batch*g.inSize()), randSlice(r, 5*3*3*3), randSlice(r, 5)
		for i := range w {
			w[i] *= 3
		}
		op := newConvOp(1, g, batch, act, true)
		yv, err := op.Do(dense([]int{batch, 6, 7, 3}, x), dense([]int{5, 3, 3, 3}, w), dense([]int{5}, b))
		if err != nil {
			t.Fatal(err)
		}
		y := floatsOf(yv)
		x64, w64, b64 := to64(x), to64(w), to64(b)
		fwd := func() []float64 {
			z := naiveConv(g, batch, x64, w64, b64, false)
			for i, v := range z {
				z[i] = act64(act, v)
			}
			return z
		}
		close32(t, act.String()+" conv", y, fwd(), 1e-5)
		if act == model.ReLU6 {
			over := 0
			for _, v := range y {
				if v == 6 {
					over++
				}
			}
			if over == 0 {
				t.Fatal("no output clamped at 6: the test does not reach the upper edge")
			}
		}
		rr := to64(randSlice(r, len(y)))
		gzv := dense(op.shape, gradAfter(act, y, rr))
		dw, err := newConvFilterGradOp(op).Do(dense([]int{batch, 6, 7, 3}, x), gzv)
		if err != nil {
			t.Fatal(err)
		}
		dx, err := newConvDataGradOp(op).Do(dense([]int{5, 3, 3, 3}, w), gzv)
		if err != nil {
			t.Fatal(err)
		}
		loss := func() float64 { return weighted(fwd(), rr) }
		checkGrad(t, act.String()+" dL/dw", floatsOf(dw), w64, loss, 1e-3)
		checkGrad(t, act.String()+" dL/dx", floatsOf(dx), x64, loss, 1e-3)

		// Dense, 5 images of 13 inputs to 6 units.
		const in, units = 13, 6
		xd, wd, bd := randSlice(r, 5*in), randSlice(r, in*units), randSlice(r, units)
		for i := range wd {
			wd[i] *= 4
		}
		dop := newDenseOp(2, 5, in, units, act, true)
		zv, err := dop.Do(dense([]int{5, in}, xd), dense([]int{in, units}, wd), dense([]int{units}, bd))
		if err != nil {
			t.Fatal(err)
		}
		xd64, wd64, bd64 := to64(xd), to64(wd), to64(bd)
		dfwd := func() []float64 {
			z := make([]float64, 5*units)
			for i := range 5 {
				for u := range units {
					s := bd64[u]
					for k := range in {
						s += xd64[i*in+k] * wd64[k*units+u]
					}
					z[i*units+u] = act64(act, s)
				}
			}
			return z
		}
		close32(t, act.String()+" dense", floatsOf(zv), dfwd(), 1e-5)
		rd := to64(randSlice(r, 5*units))
		gd := dense([]int{5, units}, gradAfter(act, floatsOf(zv), rd))
		ddx, err := newMatMulOp("dx", 3, false, true, 5, in, units).Do(gd, dense([]int{in, units}, wd))
		if err != nil {
			t.Fatal(err)
		}
		dloss := func() float64 { return weighted(dfwd(), rd) }
		checkGrad(t, act.String()+" dense dL/dx", floatsOf(ddx), xd64, dloss, 1e-3)
	}
}

// naiveDepthwise is the depthwise convolution of NHWC x with the
// (c·m, 1, kh, kw) kernel w, plus b, then act, in float64.
func naiveDepthwise(g geom, n int, x, w, b []float64, act model.Activation) []float64 {
	m := g.channels / g.c
	y := make([]float64, n*g.outSize())
	for i := 0; i < n; i++ {
		for oy := 0; oy < g.oh; oy++ {
			for ox := 0; ox < g.ow; ox++ {
				for o := 0; o < g.channels; o++ {
					c := o / m
					s := b[o]
					for ky := 0; ky < g.kh; ky++ {
						for kx := 0; kx < g.kw; kx++ {
							yy, xx := oy*g.sh+ky-g.pt, ox*g.sw+kx-g.pl
							if g.inside(yy, xx) {
								s += x[((i*g.h+yy)*g.w+xx)*g.c+c] * w[(o*g.kh+ky)*g.kw+kx]
							}
						}
					}
					y[((i*g.oh+oy)*g.ow+ox)*g.channels+o] = act64(act, s)
				}
			}
		}
	}
	return y
}

// TestDepthwiseOp checks depthwiseOp and its three gradients: 1, 3 and 5
// channels, multipliers 1, 2 and 3, kernels 1×1 to 5×5 (even too), strides
// 1 and 2, VALID and SAME, batches of 1, 3 and 10, each activation.
func TestDepthwiseOp(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for _, tc := range []struct {
		h, w, c, m, k, s, batch int
		same                    bool
		act                     model.Activation
	}{
		{5, 5, 1, 1, 3, 1, 1, false, model.ReLU},
		{7, 6, 3, 1, 3, 1, 3, true, model.Linear},
		{7, 7, 5, 2, 5, 2, 10, true, model.Linear},
		{6, 5, 3, 2, 3, 1, 3, true, model.ReLU6},
		{6, 9, 3, 3, 3, 2, 3, false, model.ReLU},
		{4, 4, 3, 2, 1, 1, 2, false, model.Linear},
		{9, 8, 2, 1, 4, 2, 2, true, model.ReLU6}, // even kernel, odd size: SAME pads 0 above and 1 below
		{3, 3, 17, 1, 3, 1, 9, true, model.ReLU}, // 17 channels: a vector body and a tail
	} {
		cm := tc.c * tc.m
		g, err := newGeom(tc.h, tc.w, tc.c, tc.k, tc.k, tc.s, tc.s, tc.same, cm)
		if err != nil {
			t.Fatal(err)
		}
		x := randSlice(r, tc.batch*g.inSize())
		w := randSlice(r, cm*tc.k*tc.k)
		b := randSlice(r, cm)
		if tc.act == model.ReLU6 {
			for i := range w {
				w[i] *= 4 // some outputs above 6
			}
		}
		xs, ws := []int{tc.batch, tc.h, tc.w, tc.c}, []int{cm, 1, tc.k, tc.k}
		op := newDepthwiseOp(1, g, tc.batch, tc.act, true)
		yv, err := op.Do(dense(xs, x), dense(ws, w), dense([]int{cm}, b))
		if err != nil {
			t.Fatal(err)
		}
		y := floatsOf(yv)
		x64, w64, b64 := to64(x), to64(w), to64(b)
		close32(t, "depthwise", y, naiveDepthwise(g, tc.batch, x64, w64, b64, tc.act), 1e-5)
		if tc.act == model.ReLU6 && !slices.Contains(y, 6) {
			t.Fatalf("%+v: no output clamped at 6: the test does not reach the upper edge", tc)
		}

		rr := to64(randSlice(r, len(y)))
		gzv := dense(op.shape, gradAfter(tc.act, y, rr))
		dw, err := newDepthwiseFilterGradOp(op).Do(dense(xs, x), gzv)
		if err != nil {
			t.Fatal(err)
		}
		dx, err := newDepthwiseDataGradOp(op).Do(dense(ws, w), gzv)
		if err != nil {
			t.Fatal(err)
		}
		db, err := newBiasGradOp(&op.opBase, cm, g.rows(tc.batch)).Do(gzv)
		if err != nil {
			t.Fatal(err)
		}
		loss := func() float64 { return weighted(naiveDepthwise(g, tc.batch, x64, w64, b64, tc.act), rr) }
		checkGrad(t, "dL/dw", floatsOf(dw), w64, loss, 1e-3)
		checkGrad(t, "dL/dx", floatsOf(dx), x64, loss, 1e-3)
		checkGrad(t, "dL/db", floatsOf(db), b64, loss, 1e-3)
	}
}

// poolCase is a pool's shape for the pool tests.
type poolCase struct {
	h, w, c, k, s, batch int
	same                 bool
}

var poolCases = []poolCase{
	{7, 7, 3, 3, 2, 9, false}, // overlapping windows, two chunks
	{7, 5, 2, 2, 2, 3, true},  // SAME: the last row and column hang over
	{6, 6, 3, 3, 1, 2, true},  // SAME, stride 1: pads on every side
	{9, 8, 4, 2, 3, 2, false}, // stride larger than the window
	{5, 7, 9, 3, 2, 1, true},  // 9 channels: a vector body and a tail
	{3, 3, 2, 5, 1, 1, true},  // a window larger than the image
	{8, 8, 1, 4, 3, 2, true},  // SAME, stride 3 over 8: pads 1 before
}

// naivePool is the max (or mean) of every window of NHWC x over the cells
// inside the image, in float64.
func naivePool(g geom, n int, x []float64, mean bool) []float64 {
	y := make([]float64, n*g.outSize())
	for i := 0; i < n; i++ {
		for oy := 0; oy < g.oh; oy++ {
			for ox := 0; ox < g.ow; ox++ {
				for c := 0; c < g.c; c++ {
					m, s, cnt := math.Inf(-1), 0.0, 0
					for ky := 0; ky < g.kh; ky++ {
						for kx := 0; kx < g.kw; kx++ {
							yy, xx := oy*g.sh+ky-g.pt, ox*g.sw+kx-g.pl
							if g.inside(yy, xx) {
								v := x[((i*g.h+yy)*g.w+xx)*g.c+c]
								m, s, cnt = max(m, v), s+v, cnt+1
							}
						}
					}
					if mean {
						m = s / float64(cnt)
					}
					y[((i*g.oh+oy)*g.ow+ox)*g.c+c] = m
				}
			}
		}
	}
	return y
}

// TestMaxPoolPadding checks maxPoolOp with SAME padding and strides other
// than the window, forward and gradient, on inputs below zero so that a
// padding cell counted as 0 would win; then through a fused ReLU6.
func TestMaxPoolPadding(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for _, tc := range poolCases {
		g, err := newGeom(tc.h, tc.w, tc.c, tc.k, tc.k, tc.s, tc.s, tc.same, tc.c)
		if err != nil {
			t.Fatal(err)
		}
		x := randSlice(r, tc.batch*g.inSize())
		for i := range x {
			x[i] -= 1.5
		}
		op := newMaxPoolOp(1, g, tc.batch)
		yv, err := op.Do(dense([]int{tc.batch, tc.h, tc.w, tc.c}, x))
		if err != nil {
			t.Fatal(err)
		}
		x64 := to64(x)
		close32(t, "max pool", floatsOf(yv), naivePool(g, tc.batch, x64, false), 0)
		rr := randSlice(r, len(op.arg))
		dx, err := newMaxPoolGradFor(op).Do(yv, dense(op.shape, rr))
		if err != nil {
			t.Fatal(err)
		}
		loss := func() float64 { return weighted(naivePool(g, tc.batch, x64, false), to64(rr)) }
		checkGrad(t, "max pool grad", floatsOf(dx), x64, loss, 1e-6)

		// Through a ReLU6: z in [−1.5, 10.5), y = min(max(z, 0), 6) is
		// pooled, and the gradient is that of z.
		z := randSlice(r, len(x))
		y6 := make([]float32, len(z))
		for i := range z {
			z[i] = z[i]*6 + 4.5
			y6[i] = min(max(z[i], 0), 6)
		}
		op = newMaxPoolOp(1, g, tc.batch)
		op.actBefore, op.limit = true, gradLimit(model.ReLU6)
		yv, err = op.Do(dense([]int{tc.batch, tc.h, tc.w, tc.c}, y6))
		if err != nil {
			t.Fatal(err)
		}
		dz, err := newMaxPoolGradFor(op).Do(yv, dense(op.shape, rr))
		if err != nil {
			t.Fatal(err)
		}
		z64 := to64(z)
		act := make([]float64, len(z64))
		loss6 := func() float64 {
			for i, v := range z64 {
				act[i] = act64(model.ReLU6, v)
			}
			return weighted(naivePool(g, tc.batch, act, false), to64(rr))
		}
		checkGrad(t, "max pool grad through ReLU6", floatsOf(dz), z64, loss6, 1e-6)
	}
}

// TestAvgPoolOp checks avgPoolOp by hand on a 3×3 image pooled 2×2 at
// stride 2 with SAME padding, whose windows hang over the border and
// divide by the cells they cover (as TFLite's AVERAGE_POOL_2D), then
// against float64 and finite differences.
func TestAvgPoolOp(t *testing.T) {
	g, err := newGeom(3, 3, 1, 2, 2, 2, 2, true, 1)
	if err != nil {
		t.Fatal(err)
	}
	op := newAvgPoolOp(1, g, 1)
	y, err := op.Do(dense([]int{1, 3, 3, 1}, []float32{1, 2, 3, 4, 5, 6, 7, 8, 9}))
	if err != nil {
		t.Fatal(err)
	}
	// Windows: {1,2,4,5} → 3, {3,6} → 4.5, {7,8} → 7.5, {9} → 9.
	close32(t, "3×3 SAME average", floatsOf(y), []float64{3, 4.5, 7.5, 9}, 0)

	r := rand.New(rand.NewPCG(17, 18))
	for _, tc := range poolCases {
		g, err := newGeom(tc.h, tc.w, tc.c, tc.k, tc.k, tc.s, tc.s, tc.same, tc.c)
		if err != nil {
			t.Fatal(err)
		}
		x := randSlice(r, tc.batch*g.inSize())
		op := newAvgPoolOp(1, g, tc.batch)
		yv, err := op.Do(dense([]int{tc.batch, tc.h, tc.w, tc.c}, x))
		if err != nil {
			t.Fatal(err)
		}
		x64 := to64(x)
		close32(t, "average pool", floatsOf(yv), naivePool(g, tc.batch, x64, true), 1e-6)
		rr := randSlice(r, len(floatsOf(yv)))
		dx, err := newAvgPoolGradOp(op).Do(yv, dense(op.shape, rr))
		if err != nil {
			t.Fatal(err)
		}
		loss := func() float64 { return weighted(naivePool(g, tc.batch, x64, true), to64(rr)) }
		checkGrad(t, "average pool grad", floatsOf(dx), x64, loss, 1e-5)
	}
}

// TestGAPOp checks the global average pool on 1×1, 3×5 and 7×7 maps.
func TestGAPOp(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 20))
	for _, tc := range []struct{ h, w, c, batch int }{{1, 1, 3, 2}, {3, 5, 9, 10}, {7, 7, 16, 3}} {
		x := randSlice(r, tc.batch*tc.h*tc.w*tc.c)
		op := newGAPOp(1, tc.batch, tc.h, tc.w, tc.c, false)
		yv, err := op.Do(dense([]int{tc.batch, tc.h, tc.w, tc.c}, x))
		if err != nil {
			t.Fatal(err)
		}
		x64 := to64(x)
		fwd := func() []float64 {
			y := make([]float64, tc.batch*tc.c)
			for i := range x64 {
				b, c := i/(tc.h*tc.w*tc.c), i%tc.c
				y[b*tc.c+c] += x64[i] / float64(tc.h*tc.w)
			}
			return y
		}
		close32(t, "global average pool", floatsOf(yv), fwd(), 1e-6)
		rr := randSlice(r, tc.batch*tc.c)
		dx, err := newGAPOp(2, tc.batch, tc.h, tc.w, tc.c, true).Do(yv, dense([]int{tc.batch, tc.c}, rr))
		if err != nil {
			t.Fatal(err)
		}
		loss := func() float64 { return weighted(fwd(), to64(rr)) }
		checkGrad(t, "global average pool grad", floatsOf(dx), x64, loss, 1e-5)
	}
}

// TestDropout checks the masks (a function of seed, epoch and step; the
// rate of dropped values; kept ones scaled by 1/(1−rate)) and that the op
// and its gradient multiply by the mask.
func TestDropout(t *testing.T) {
	const rate, n = 0.3, 100_001 // odd: the last value takes half a draw
	mask := func(seed uint64, e, s int) []float32 {
		m := make([]float32, n)
		drawMask(dropoutRand(seed, e, s), rate, m)
		return m
	}
	a := mask(1, 2, 3)
	same := func(x, y []float32) bool {
		for i := range x {
			if x[i] != y[i] {
				return false
			}
		}
		return true
	}
	if !same(a, mask(1, 2, 3)) {
		t.Fatal("the same (seed, epoch, step) draws another mask")
	}
	for _, o := range [][3]int{{2, 2, 3}, {1, 3, 3}, {1, 2, 4}} {
		if same(a, mask(uint64(o[0]), o[1], o[2])) {
			t.Errorf("(seed, epoch, step) %v draws the mask of (1, 2, 3)", o)
		}
	}
	keep := float32(1 / (1 - rate))
	dropped := 0
	for _, v := range a {
		switch v {
		case 0:
			dropped++
		case keep:
		default:
			t.Fatalf("mask value %v, want 0 or %v", v, keep)
		}
	}
	// Binomial(100001, 0.3): σ = 145; 5σ is 725.
	if d := dropped - n*3/10; d < -725 || d > 725 {
		t.Errorf("%d of %d dropped, want about %d", dropped, n, n*3/10)
	}

	r := rand.New(rand.NewPCG(21, 22))
	shape := []int{3, 5, 4, 7}
	op := newDropoutOp(1, rate, shape)
	drawMask(dropoutRand(1, 0, 0), rate, op.mask)
	x := randSlice(r, len(op.mask))
	yv, err := op.Do(dense(shape, x))
	if err != nil {
		t.Fatal(err)
	}
	gy := randSlice(r, len(op.mask))
	gop := &dropoutOp{opBase: newBase("g", 2, []int{4, 4}, shape...), mask: op.mask, grad: true}
	gop.chunk = gop.runChunk
	gx, err := gop.Do(yv, dense(shape, gy))
	if err != nil {
		t.Fatal(err)
	}
	y, g := floatsOf(yv), floatsOf(gx)
	for i, m := range op.mask {
		if y[i] != x[i]*m || g[i] != gy[i]*m {
			t.Fatalf("value %d: mask %v, x %v → %v, gy %v → %v", i, m, x[i], y[i], gy[i], g[i])
		}
	}
}

// TestDepthwiseRows checks that the row-at-a-time depthwise convolution
// (multiplier 1, stride 1 along the width) and its gradients agree with
// the pixel-at-a-time ones to float32 rounding (they may fuse other
// multiply-adds), on SAME and VALID windows, channels below and above a
// vector of 8.
func TestDepthwiseRows(t *testing.T) {
	r := rand.New(rand.NewPCG(25, 26))
	for _, tc := range []struct {
		h, w, c, k, sh int
		same           bool
	}{{7, 9, 16, 3, 1, true}, {8, 6, 5, 4, 2, true}, {6, 7, 9, 3, 1, false}, {5, 5, 3, 5, 1, true}} {
		g, err := newGeom(tc.h, tc.w, tc.c, tc.k, tc.k, tc.sh, 1, tc.same, tc.c)
		if err != nil {
			t.Fatal(err)
		}
		if !dwRows(g) {
			t.Fatalf("%+v: not a row geometry", tc)
		}
		const n = 3
		x, wt, gz := randSlice(r, n*g.inSize()), randSlice(r, tc.k*tc.k*tc.c), randSlice(r, n*g.outSize())
		wrep := make([]float32, tc.k*tc.k*g.ow*tc.c)
		repeatTaps(g, wt, wrep)
		rep := make([]float32, tc.c)
		a, b := make([]float32, n*g.outSize()), make([]float32, n*g.outSize())
		depthwise(g, n, x, wt, a, rep)
		depthwiseRows(g, n, x, wrep, b)
		close32(t, "output by rows", b, to64(a), 1e-6)
		dwa, dwb := make([]float32, len(wt)), make([]float32, len(wt))
		depthwiseFilterGrad(g, n, x, gz, dwa, rep)
		depthwiseFilterGradRows(g, n, x, gz, dwb, make([]float32, len(wrep)))
		close32(t, "filter gradient by rows", dwb, to64(dwa), 1e-5)
		dxa, dxb := make([]float32, len(x)), make([]float32, len(x))
		depthwiseDataGrad(g, n, gz, wt, dxa, rep)
		depthwiseDataGradRows(g, n, gz, wrep, dxb)
		close32(t, "data gradient by rows", dxb, to64(dxa), 1e-5)
	}
}
