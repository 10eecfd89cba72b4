package train

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mnistcnn/mnistcnn/internal/distance"
	"github.com/mnistcnn/mnistcnn/internal/mnisttest"
	"github.com/mnistcnn/mnistcnn/internal/simd"
	"github.com/mnistcnn/mnistcnn/model"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The ops are checked two ways: each op alone on small random tensors of
// awkward shapes, forward against a direct float64 loop and backward
// against central finite differences of that loop; and the whole training
// step on the real model and real images against the graph of Gorgonia's
// stock ops (stock_test.go).

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(2*r.Float64() - 1)
	}
	return s
}

func dense(shape []int, data []float32) *tensor.Dense {
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(data))
}

// close32 fails unless got is within tol of want relative to want's
// largest magnitude (at least 1).
func close32(t *testing.T, what string, got []float32, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	scale := 1.0
	for _, w := range want {
		scale = max(scale, math.Abs(w))
	}
	for i := range got {
		if d := math.Abs(float64(got[i]) - want[i]); !(d <= tol*scale) {
			t.Fatalf("%s[%d] = %v, want %v (|diff| %.2g > %.2g)", what, i, got[i], want[i], d, tol*scale)
		}
	}
}

// checkGrad compares got, the gradient of f for v, with central
// differences (f(v+h) − f(v−h))/2h in float64, at up to 256 elements of v
// spread over it (every element when v is short), within tol relative to
// the largest magnitude among them (at least 1).
func checkGrad(t *testing.T, what string, got []float32, v []float64, f func() float64, tol float64) {
	t.Helper()
	const h = 1e-4
	if len(got) != len(v) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(v))
	}
	stride := max(1, len(v)/256)
	var idx []int
	var want []float64
	for i := 0; i < len(v); i += stride {
		old := v[i]
		v[i] = old + h
		up := f()
		v[i] = old - h
		down := f()
		v[i] = old
		idx = append(idx, i)
		want = append(want, (up-down)/(2*h))
	}
	sub := make([]float32, len(idx))
	for j, i := range idx {
		sub[j] = got[i]
	}
	close32(t, what, sub, want, tol)
}

func to64(s []float32) []float64 {
	d := make([]float64, len(s))
	for i, v := range s {
		d[i] = float64(v)
	}
	return d
}

// naiveConv is the convolution of NHWC x with the OIHW kernel w, plus b,
// then ReLU if relu, in float64, straight from the definition.
func naiveConv(g geom, n int, x, w, b []float64, relu bool) []float64 {
	y := make([]float64, n*g.outSize())
	for i := 0; i < n; i++ {
		for oy := 0; oy < g.oh; oy++ {
			for ox := 0; ox < g.ow; ox++ {
				for o := 0; o < g.channels; o++ {
					s := b[o]
					for c := 0; c < g.c; c++ {
						for ky := 0; ky < g.kh; ky++ {
							for kx := 0; kx < g.kw; kx++ {
								yy, xx := oy*g.sh+ky-g.pt, ox*g.sw+kx-g.pl
								if yy < 0 || yy >= g.h || xx < 0 || xx >= g.w {
									continue
								}
								s += x[((i*g.h+yy)*g.w+xx)*g.c+c] * w[((o*g.c+c)*g.kh+ky)*g.kw+kx]
							}
						}
					}
					if relu && s < 0 {
						s = 0
					}
					y[((i*g.oh+oy)*g.ow+ox)*g.channels+o] = s
				}
			}
		}
	}
	return y
}

// TestConvOp checks convOp and its three gradients on small shapes a
// vectorised or chunked path can get wrong: 1, 3 and 7 channels, 1×1, 3×3
// and 5×5 kernels, stride 2, SAME padding, batches of 1, 3 and 10 (one
// partial chunk of 8, and two chunks). Forward within 1e-5 of float64;
// gradients of L = Σ r ⊙ y (r random) within 1e-3 of finite differences
// (h = 1e-4 on a float64 loop: truncation error ~1e-8, but float32
// rounding of the op's sums of up to 175 terms is ~1e-6 relative).
func TestConvOp(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		h, w, c, k, s, out, batch int
		same, relu                bool
	}{
		{5, 5, 1, 3, 1, 2, 1, false, true},
		{7, 6, 3, 3, 1, 5, 3, false, true},
		{7, 7, 7, 5, 2, 17, 10, true, false},
		{6, 9, 3, 3, 2, 4, 3, true, true},
		{4, 4, 3, 1, 1, 7, 2, false, false},
		{9, 8, 2, 4, 2, 3, 2, true, true}, // even kernel, odd size: SAME pads 0 above and 1 below, 1 left and 1 right
	} {
		g, err := newGeom(tc.h, tc.w, tc.c, tc.k, tc.k, tc.s, tc.s, tc.same, tc.out)
		if err != nil {
			t.Fatal(err)
		}
		x := randSlice(r, tc.batch*g.inSize())
		w := randSlice(r, tc.out*tc.c*tc.k*tc.k)
		b := randSlice(r, tc.out)
		act := model.Linear
		if tc.relu {
			act = model.ReLU
		}
		op := newConvOp(1, g, tc.batch, act, true)
		yv, err := op.Do(dense([]int{tc.batch, tc.h, tc.w, tc.c}, x), dense([]int{tc.out, tc.c, tc.k, tc.k}, w), dense([]int{tc.out}, b))
		if err != nil {
			t.Fatal(err)
		}
		y := yv.(*tensor.Dense).Float32s()
		x64, w64, b64 := to64(x), to64(w), to64(b)
		close32(t, "conv", y, naiveConv(g, tc.batch, x64, w64, b64, tc.relu), 1e-5)

		rr := to64(randSlice(r, len(y)))
		gy := make([]float32, len(y))
		for i := range gy {
			gy[i] = float32(rr[i])
		}
		gz := make([]float32, len(y))
		if tc.relu {
			simd.ReLUGrad(gz, y, gy)
		} else {
			copy(gz, gy)
		}
		gzv := dense(op.shape, gz)
		dw, err := newConvFilterGradOp(op).Do(dense([]int{tc.batch, tc.h, tc.w, tc.c}, x), gzv)
		if err != nil {
			t.Fatal(err)
		}
		dx, err := newConvDataGradOp(op).Do(dense([]int{tc.out, tc.c, tc.k, tc.k}, w), gzv)
		if err != nil {
			t.Fatal(err)
		}
		db, err := newBiasGradOp(&op.opBase, tc.out, g.rows(tc.batch)).Do(gzv)
		if err != nil {
			t.Fatal(err)
		}
		loss := func() float64 {
			s := 0.0
			for i, v := range naiveConv(g, tc.batch, x64, w64, b64, tc.relu) {
				s += v * rr[i]
			}
			return s
		}
		checkGrad(t, "dL/dw", dw.(*tensor.Dense).Float32s(), w64, loss, 1e-3)
		checkGrad(t, "dL/dx", dx.(*tensor.Dense).Float32s(), x64, loss, 1e-3)
		checkGrad(t, "dL/db", db.(*tensor.Dense).Float32s(), b64, loss, 1e-3)
	}
}

// TestMaxPoolOp checks the pool and its gradient by hand on one 3×3 image of
// two channels, then against finite differences with overlapping windows.
func TestMaxPoolOp(t *testing.T) {
	g, err := newGeom(3, 3, 2, 2, 2, 2, 2, false, 2)
	if err != nil {
		t.Fatal(err)
	}
	if g.oh != 1 || g.ow != 1 {
		t.Fatalf("3×3 pooled by 2 gives %d×%d, want 1×1 (the last row and column are dropped)", g.oh, g.ow)
	}
	// Channel 0 holds 1..9 row by row, channel 1 holds 9..1; the window is
	// the top-left 2×2: channel 0 takes 5 (pixel (1,1)), channel 1 takes 9
	// (pixel (0,0)).
	x := make([]float32, 18)
	for i := range 9 {
		x[2*i], x[2*i+1] = float32(i+1), float32(9-i)
	}
	op := newMaxPoolOp(1, g, 1)
	y, err := op.Do(dense([]int{1, 3, 3, 2}, x))
	if err != nil {
		t.Fatal(err)
	}
	if got := y.(*tensor.Dense).Float32s(); got[0] != 5 || got[1] != 9 {
		t.Fatalf("pool = %v, want [5 9]", got)
	}
	sym, err := newMaxPoolGradFor(op).Do(y, dense([]int{1, 1, 1, 2}, []float32{10, 20}))
	if err != nil {
		t.Fatal(err)
	}
	want := make([]float64, 18)
	want[(1*3+1)*2+0], want[1] = 10, 20
	close32(t, "pool grad", sym.(*tensor.Dense).Float32s(), want, 0)

	// Overlapping 3×3 windows at stride 2 on 7×7×3, batch 9 (two chunks).
	r := rand.New(rand.NewPCG(3, 4))
	g, _ = newGeom(7, 7, 3, 3, 3, 2, 2, false, 3)
	const batch = 9
	xs := randSlice(r, batch*g.inSize())
	op = newMaxPoolOp(1, g, batch)
	yv, err := op.Do(dense([]int{batch, 7, 7, 3}, xs))
	if err != nil {
		t.Fatal(err)
	}
	rr := randSlice(r, len(op.arg))
	dx, err := newMaxPoolGradFor(op).Do(yv, dense(op.shape, rr))
	if err != nil {
		t.Fatal(err)
	}
	x64 := to64(xs)
	pool := func() float64 {
		s := 0.0
		for i := 0; i < batch; i++ {
			for oy := 0; oy < g.oh; oy++ {
				for ox := 0; ox < g.ow; ox++ {
					for c := 0; c < 3; c++ {
						m := math.Inf(-1)
						for ky := 0; ky < 3; ky++ {
							for kx := 0; kx < 3; kx++ {
								m = max(m, x64[((i*7+oy*2+ky)*7+ox*2+kx)*3+c])
							}
						}
						s += m * float64(rr[((i*g.oh+oy)*g.ow+ox)*3+c])
					}
				}
			}
		}
		return s
	}
	checkGrad(t, "overlapping pool grad", dx.(*tensor.Dense).Float32s(), x64, pool, 1e-6)

	// With reluBefore the pool takes y = max(z, 0) and its gradient is
	// that of z: L(z) = Σ r ⊙ pool(max(z, 0)). z is in [−1.7, 0.3), so
	// about a quarter of the windows hold no positive value and must pass
	// no gradient.
	relu := make([]float32, len(xs))
	for i := range xs {
		xs[i] -= 0.7
		relu[i] = max(xs[i], 0)
	}
	op = newMaxPoolOp(1, g, batch)
	op.actBefore, op.limit = true, gradLimit(model.ReLU)
	yv, err = op.Do(dense([]int{batch, 7, 7, 3}, relu))
	if err != nil {
		t.Fatal(err)
	}
	dz, err := newMaxPoolGradFor(op).Do(yv, dense(op.shape, rr))
	if err != nil {
		t.Fatal(err)
	}
	z64 := to64(xs)
	reluPool := func() float64 {
		copy(x64, z64)
		for i, v := range x64 {
			x64[i] = max(v, 0)
		}
		return pool()
	}
	checkGrad(t, "pool grad through its ReLU", dz.(*tensor.Dense).Float32s(), z64, reluPool, 1e-6)
}

func newMaxPoolGradFor(op *maxPoolOp) *maxPoolGradOp {
	gop := &maxPoolGradOp{opBase: newBase("max_pool_2d_grad", 2, []int{4, 4}, op.batch, op.g.h, op.g.w, op.g.c), pool: op}
	gop.chunk = gop.runChunk
	return gop
}

// TestDenseAndLoss checks a dense layer with ReLU followed by the softmax
// cross-entropy: forward against float64, gradients of the loss for x, w
// and b against finite differences, on 3 images of 17 inputs and 7 classes.
func TestDenseAndLoss(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	const batch, in, units = 3, 17, 7
	x, w, b := randSlice(r, batch*in), randSlice(r, in*units), randSlice(r, units)
	labels := make([]float32, batch*units)
	for i := range batch {
		labels[i*units+r.IntN(units)] = 1
	}
	x64, w64, b64 := to64(x), to64(w), to64(b)
	forward := func() (z []float64, loss float64) {
		z = make([]float64, batch*units)
		for i := range batch {
			for u := range units {
				s := b64[u]
				for k := range in {
					s += x64[i*in+k] * w64[k*units+u]
				}
				z[i*units+u] = max(s, 0)
			}
			m, sum := math.Inf(-1), 0.0
			for _, v := range z[i*units : (i+1)*units] {
				m = max(m, v)
			}
			for _, v := range z[i*units : (i+1)*units] {
				sum += math.Exp(v - m)
			}
			for u := range units {
				loss -= float64(labels[i*units+u]) * (z[i*units+u] - m - math.Log(sum)) / batch
			}
		}
		return z, loss
	}
	op := newDenseOp(1, batch, in, units, model.ReLU, true)
	zv, err := op.Do(dense([]int{batch, in}, x), dense([]int{in, units}, w), dense([]int{units}, b))
	if err != nil {
		t.Fatal(err)
	}
	want, wantLoss := forward()
	close32(t, "dense", zv.(*tensor.Dense).Float32s(), want, 1e-6)
	ce := newSoftmaxCEOp(2, batch, units)
	lv, err := ce.Do(zv, dense([]int{batch, units}, labels))
	if err != nil {
		t.Fatal(err)
	}
	if got := float64(*lv.(*G.F32)); math.Abs(got-wantLoss) > 1e-6 {
		t.Fatalf("loss %v, want %v", got, wantLoss)
	}
	gop := &softmaxCEGradOp{opBase: newBase("g", 3, []int{2, 2, 0}, batch, units), ce: ce}
	dz, err := gop.Do(zv, dense([]int{batch, units}, labels), G.NewF32(1))
	if err != nil {
		t.Fatal(err)
	}
	gz := make([]float32, batch*units)
	simd.ReLUGrad(gz, zv.(*tensor.Dense).Float32s(), dz.(*tensor.Dense).Float32s())
	gzv := dense([]int{batch, units}, gz)
	dx, err := newMatMulOp("dx", 4, false, true, batch, in, units).Do(gzv, dense([]int{in, units}, w))
	if err != nil {
		t.Fatal(err)
	}
	dw, err := newMatMulOp("dw", 5, true, false, in, units, batch).Do(dense([]int{batch, in}, x), gzv)
	if err != nil {
		t.Fatal(err)
	}
	db, err := newBiasGradOp(&op.opBase, units, batch).Do(gzv)
	if err != nil {
		t.Fatal(err)
	}
	loss := func() float64 { _, l := forward(); return l }
	checkGrad(t, "dL/dx", dx.(*tensor.Dense).Float32s(), x64, loss, 1e-4)
	checkGrad(t, "dL/dw", dw.(*tensor.Dense).Float32s(), w64, loss, 1e-4)
	checkGrad(t, "dL/db", db.(*tensor.Dense).Float32s(), b64, loss, 1e-4)
}

// TestStepMatchesStock runs one forward and backward pass of the real
// model on 32 real training images with newNet and with the graph of
// Gorgonia's stock ops, from the same weights after 20 training steps (so
// that no ReLU is dead by chance of the initialisation), and compares the
// loss, the logits and every gradient. They sum in other orders in float32,
// so they agree to a relative L2 error of about 1e-7; the test allows 1e-5.
func TestStepMatchesStock(t *testing.T) {
	d := mnisttest.Data(t)
	c := DefaultConfig()
	c.Batch = 32
	ck := newCk(t, c)
	fit := d.Train.Slice(0, 32*21)
	ours, err := newNet(model.Reference(), ck.Weights, 32, true)
	if err != nil {
		t.Fatal(err)
	}
	defer ours.close()
	perm := permutation(1, 0, fit.N)
	for s := range 20 {
		ours.load(fit, perm[s*32:(s+1)*32], nil)
		if err := ours.run(); err != nil {
			t.Fatal(err)
		}
		ck.OptStep++
		step(ck.Optimizer, ck.OptStep, ck.Weights, ck.OptState, ours.grad)
	}
	stock, err := newStockNet(ck.Weights, 32, true)
	if err != nil {
		t.Fatal(err)
	}
	defer stock.close()
	batch := perm[20*32 : 21*32]
	for _, n := range []*net{ours, stock} {
		n.load(fit, batch, nil)
		if err := n.run(); err != nil {
			t.Fatal(err)
		}
	}
	if a, b := ours.loss(), stock.loss(); math.Abs(a-b) > 1e-5*math.Abs(b) {
		t.Errorf("loss %v, stock graph %v", a, b)
	}
	compare := func(what string, a, b []float32) {
		t.Helper()
		var s distance.Sum
		s.AddSlices(b, a)
		t.Logf("%-16s rel L2 %.2g, max |diff| %.2g", what, s.RelL2(), s.MaxAbs())
		if !(s.RelL2() <= 1e-5) {
			t.Errorf("%s: relative L2 error %.3g against the stock graph", what, s.RelL2())
		}
	}
	compare("logits", ours.logitsData(), stock.logitsData())
	for i, w := range ck.Weights {
		compare("d/d "+w.Name, ours.grad(i), stock.grad(i))
	}
}
