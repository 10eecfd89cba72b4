package train

import (
	"fmt"
	"math"

	"github.com/mnistcnn/mnistcnn/internal/par"
	"github.com/mnistcnn/mnistcnn/internal/simd"
	"github.com/mnistcnn/mnistcnn/model"
)

// This file holds the math of the training graph's layers as plain
// functions over row-major []float32, knowing nothing of Gorgonia (ops.go
// wraps them). Activations are NHWC: an (h, w, c) feature map is h·w rows
// of c values, so a batch is a (B·h·w) × c matrix and a convolution is one
// matrix product with its patches, with no transpose.

// geom is the geometry of a sliding window (convolution or pooling) over
// NHWC feature maps of h×w pixels and c channels.
type geom struct {
	h, w, c  int // input
	kh, kw   int // window
	sh, sw   int // strides
	pt, pl   int // zero padding above and to the left (SAME), 0 for VALID
	oh, ow   int // output pixels
	channels int // output channels (conv) or c (pool)
}

// newGeom is the geometry of a kh×kw window at strides (sh, sw), padded as
// TensorFlow pads: VALID gives ⌊(h−kh)/sh⌋+1 rows; SAME gives ⌈h/sh⌉ rows
// with max((oh−1)·sh+kh−h, 0) zero rows in all, the smaller half above.
func newGeom(h, w, c, kh, kw, sh, sw int, same bool, channels int) (geom, error) {
	g := geom{h: h, w: w, c: c, kh: kh, kw: kw, sh: sh, sw: sw, channels: channels}
	if h < 1 || w < 1 || c < 1 || kh < 1 || kw < 1 || sh < 1 || sw < 1 || channels < 1 {
		return g, fmt.Errorf("train: window %dx%d stride %dx%d over %dx%dx%d to %d channels", kh, kw, sh, sw, h, w, c, channels)
	}
	if same {
		g.oh, g.ow = (h+sh-1)/sh, (w+sw-1)/sw
		g.pt = max((g.oh-1)*sh+kh-h, 0) / 2
		g.pl = max((g.ow-1)*sw+kw-w, 0) / 2
	} else {
		if kh > h || kw > w {
			return g, fmt.Errorf("train: %dx%d window larger than its %dx%d input", kh, kw, h, w)
		}
		g.oh, g.ow = (h-kh)/sh+1, (w-kw)/sw+1
	}
	return g, nil
}

func (g geom) inSize() int    { return g.h * g.w * g.c }          // values of one input image
func (g geom) outSize() int   { return g.oh * g.ow * g.channels } // values of one output image
func (g geom) patch() int     { return g.kh * g.kw * g.c }        // values of one patch (K)
func (g geom) rows(n int) int { return n * g.oh * g.ow }          // output pixels of n images

// im2col writes the patches of the n images of x into p: one row of
// g.patch() values per output pixel, in (ky, kx, c) order, zeros where the
// window leaves the image. A window row inside the image is kw·c values in
// a row of x, copied at once; when those runs are short (conv1: 3 values),
// a window inside the image is gathered value by value through a table of
// offsets instead.
func im2col(g geom, n int, x, p []float32) {
	k := g.patch()
	run := g.kw * g.c
	var offs [64]int32 // offsets of a patch's values from its window's corner
	gather := run < 16 && k <= len(offs)
	if gather {
		i := 0
		for ky := 0; ky < g.kh; ky++ {
			for j := 0; j < run; j++ {
				offs[i] = int32(ky*g.w*g.c + j)
				i++
			}
		}
	}
	r := 0
	for b := 0; b < n; b++ {
		img := x[b*g.inSize() : (b+1)*g.inSize()]
		for oy := 0; oy < g.oh; oy++ {
			y0 := oy*g.sh - g.pt
			for ox := 0; ox < g.ow; ox++ {
				row := p[r*k : (r+1)*k]
				r++
				x0 := ox*g.sw - g.pl
				inside := x0 >= 0 && x0+g.kw <= g.w
				if gather && inside && y0 >= 0 && y0+g.kh <= g.h {
					win := img[(y0*g.w+x0)*g.c:]
					for i, o := range offs[:k] {
						row[i] = win[o]
					}
					continue
				}
				for ky := 0; ky < g.kh; ky++ {
					dst := row[ky*run : (ky+1)*run : (ky+1)*run]
					y := y0 + ky
					switch {
					case y < 0 || y >= g.h:
						clear(dst)
					case inside:
						copy(dst, img[(y*g.w+x0)*g.c:][:run])
					default:
						for kx := 0; kx < g.kw; kx++ {
							d := dst[kx*g.c : (kx+1)*g.c]
							if xx := x0 + kx; xx < 0 || xx >= g.w {
								clear(d)
							} else {
								copy(d, img[(y*g.w+xx)*g.c:])
							}
						}
					}
				}
			}
		}
	}
}

// col2im is the adjoint of im2col: it sets the n images of dx to the sum,
// over every patch row of dp, of each value at the pixel it was read from.
// A window row inside the image is kw·c values added to a row of dx at
// once.
func col2im(g geom, n int, dp, dx []float32) {
	clear(dx[:n*g.inSize()])
	k := g.patch()
	run := g.kw * g.c
	r := 0
	for b := 0; b < n; b++ {
		img := dx[b*g.inSize() : (b+1)*g.inSize()]
		for oy := 0; oy < g.oh; oy++ {
			for ox := 0; ox < g.ow; ox++ {
				row := dp[r*k : (r+1)*k]
				r++
				x0 := ox*g.sw - g.pl
				inside := x0 >= 0 && x0+g.kw <= g.w
				for ky := 0; ky < g.kh; ky++ {
					y := oy*g.sh + ky - g.pt
					if y < 0 || y >= g.h {
						continue
					}
					src := row[ky*run : (ky+1)*run]
					if inside {
						simd.Add(img[(y*g.w+x0)*g.c:][:run], src)
						continue
					}
					for kx := 0; kx < g.kw; kx++ {
						if xx := x0 + kx; xx >= 0 && xx < g.w {
							simd.Add(img[(y*g.w+xx)*g.c:][:g.c], src[kx*g.c:(kx+1)*g.c])
						}
					}
				}
			}
		}
	}
}

// biasAct adds bias to every row of y (rows of len(bias) values) and
// applies act: ReLU sets negative results to 0 (max(v, 0): a NaN stays
// NaN), ReLU6 clamps them to [0, 6], Linear leaves them.
func biasAct(y, bias []float32, act model.Activation) {
	switch act {
	case model.ReLU:
		simd.AddReLURows(y, bias)
	case model.ReLU6:
		simd.BiasClamp(y, len(bias), bias, 0, 6)
	default:
		simd.AddRows(y, bias)
	}
}

// gradLimit is what passes an activation's gradient, as a test on the bits
// b of its output y: the gradient passes where uint32(int32(b)−1) < limit.
// For ReLU (y > 0) that is b in [1, 0x7f800000], +Inf included, NaN and
// −0 not; for ReLU6 (0 < y < 6) b in [1, bits(6)−1]. Positive floats order
// as their bits, and negative ones (sign bit set) wrap past any limit.
func gradLimit(act model.Activation) uint32 {
	if act == model.ReLU6 {
		return math.Float32bits(6) - 1
	}
	return 0x7f800000
}

// actGrad sets gz[i] = gy[i] where the activation act let y[i] through
// with slope 1 (ReLU: y > 0; ReLU6: 0 < y < 6) and 0 elsewhere, y being
// the activation's output.
func actGrad(act model.Activation, gz, y, gy []float32) {
	if act == model.ReLU {
		simd.ReLUGrad(gz, y, gy)
		return
	}
	limit := gradLimit(act)
	y, gy = y[:len(gz)], gy[:len(gz)]
	for i, v := range y {
		var mask uint32
		if uint32(int32(math.Float32bits(v))-1) < limit {
			mask = ^uint32(0)
		}
		gz[i] = math.Float32frombits(math.Float32bits(gy[i]) & mask)
	}
}

// window is the part of the window of output pixel (oy, ox) that lies in
// the image: rows y0+ky for ky in [ky0, ky1), columns x0+kx for kx in
// [kx0, kx1). With SAME padding a window may hang over the border; it
// always keeps at least one pixel.
func (g geom) window(oy, ox int) (y0, x0, ky0, ky1, kx0, kx1 int) {
	y0, x0 = oy*g.sh-g.pt, ox*g.sw-g.pl
	ky0, ky1 = max(0, -y0), min(g.kh, g.h-y0)
	kx0, kx1 = max(0, -x0), min(g.kw, g.w-x0)
	return
}

// maxPool writes into y the maximum of every window of the n NHWC images
// of x and into arg the index, within its image, of the value it took: the
// first largest in row-major window order (a NaN is never taken over a
// number that came before it in the window). Cells of a window outside the
// image (SAME padding) are not looked at: padding never wins.
func maxPool(g geom, n int, x, y []float32, arg []int32) {
	c := g.c
	o := 0
	for b := 0; b < n; b++ {
		img := x[b*g.inSize() : (b+1)*g.inSize()]
		for oy := 0; oy < g.oh; oy++ {
			for ox := 0; ox < g.ow; ox++ {
				y0, x0, ky0, ky1, kx0, kx1 := g.window(oy, ox)
				base := ((y0+ky0)*g.w + x0 + kx0) * c
				best, at := y[o:o+c:o+c], arg[o:o+c:o+c]
				copy(best, img[base:base+c])
				for ch := range at {
					at[ch] = int32(base + ch)
				}
				for ky := ky0; ky < ky1; ky++ {
					for kx := kx0; kx < kx1; kx++ {
						if ky == ky0 && kx == kx0 {
							continue
						}
						i := ((y0+ky)*g.w + x0 + kx) * c
						simd.MaxArg(best, at, img[i:i+c], int32(i))
					}
				}
				o += c
			}
		}
	}
}

// maxPoolGrad sets the n images of gx to the gradient of maxPool: each
// value of gy added at the position arg says its window took; where y (the
// pool's output) is given, only where the activation before the pool
// passes a gradient, as gradLimit's limit says (see maxPoolOp), tested
// without a branch.
func maxPoolGrad(g geom, n int, gy, y []float32, limit uint32, arg []int32, gx []float32) {
	clear(gx[:n*g.inSize()])
	per := g.outSize()
	for b := 0; b < n; b++ {
		img := gx[b*g.inSize() : (b+1)*g.inSize()]
		gyb, argb := gy[b*per:(b+1)*per], arg[b*per:(b+1)*per]
		if y == nil {
			for i, v := range gyb {
				img[argb[i]] += v
			}
			continue
		}
		yb := y[b*per : (b+1)*per]
		for i, v := range gyb {
			var mask uint32
			if uint32(int32(math.Float32bits(yb[i]))-1) < limit {
				mask = ^uint32(0)
			}
			img[argb[i]] += math.Float32frombits(math.Float32bits(v) & mask)
		}
	}
}

// avgPool writes into y the mean of every window of the n NHWC images of
// x over the cells of the window inside the image, as TFLite's
// AVERAGE_POOL_2D does: with SAME padding a window that hangs over the
// border divides its sum by the cells it covers, not by kh·kw. The sum
// runs in row-major window order, then is divided.
func avgPool(g geom, n int, x, y []float32) {
	c := g.c
	o := 0
	for b := 0; b < n; b++ {
		img := x[b*g.inSize() : (b+1)*g.inSize()]
		for oy := 0; oy < g.oh; oy++ {
			for ox := 0; ox < g.ow; ox++ {
				y0, x0, ky0, ky1, kx0, kx1 := g.window(oy, ox)
				dst := y[o : o+c : o+c]
				clear(dst)
				for ky := ky0; ky < ky1; ky++ {
					row := img[((y0+ky)*g.w+x0+kx0)*c:]
					for kx := range kx1 - kx0 {
						simd.Add(dst, row[kx*c:(kx+1)*c])
					}
				}
				divide(dst, float32((ky1-ky0)*(kx1-kx0)))
				o += c
			}
		}
	}
}

// avgPoolGrad sets the n images of gx to the gradient of avgPool: each
// value of gy divided by its window's count and added to every cell of
// the window inside the image. tmp holds c values.
func avgPoolGrad(g geom, n int, gy, gx, tmp []float32) {
	clear(gx[:n*g.inSize()])
	c := g.c
	o := 0
	for b := 0; b < n; b++ {
		img := gx[b*g.inSize() : (b+1)*g.inSize()]
		for oy := 0; oy < g.oh; oy++ {
			for ox := 0; ox < g.ow; ox++ {
				y0, x0, ky0, ky1, kx0, kx1 := g.window(oy, ox)
				copy(tmp, gy[o:o+c])
				divide(tmp[:c], float32((ky1-ky0)*(kx1-kx0)))
				for ky := ky0; ky < ky1; ky++ {
					row := img[((y0+ky)*g.w+x0+kx0)*c:]
					for kx := range kx1 - kx0 {
						simd.Add(row[kx*c:(kx+1)*c], tmp[:c])
					}
				}
				o += c
			}
		}
	}
}

// divide sets v[i] /= d.
func divide(v []float32, d float32) {
	for i := range v {
		v[i] /= d
	}
}

// globalAvgPool writes into y (n rows of c) the mean over the h·w pixels
// of each channel of the n NHWC images of x (h·w·c values each): the
// pixels summed in order, then divided by h·w.
func globalAvgPool(pixels, c, n int, x, y []float32) {
	for b := 0; b < n; b++ {
		dst := y[b*c : (b+1)*c]
		clear(dst)
		simd.SumRows(dst, x[b*pixels*c:(b+1)*pixels*c])
		divide(dst, float32(pixels))
	}
}

// globalAvgPoolGrad sets every pixel of the n images of gx to its image's
// row of gy divided by the pixel count.
func globalAvgPoolGrad(pixels, c, n int, gy, gx []float32) {
	for b := 0; b < n; b++ {
		img := gx[b*pixels*c : (b+1)*pixels*c]
		first := img[:c]
		copy(first, gy[b*c:(b+1)*c])
		divide(first, float32(pixels))
		for p := 1; p < pixels; p++ {
			copy(img[p*c:(p+1)*c], first)
		}
	}
}

// The depthwise convolution: input channel ch of an (h, w, c) map feeds
// the m output channels ch·m … ch·m+m−1 (m = the multiplier, g.channels =
// c·m), each through its own kh×kw filter. wt holds the filters tap-major,
// as TFLite's depthwise filter (1, kh, kw, c·m): tap (ky, kx) of output
// channel o at wt[(ky·kw+kx)·c·m + o]. With m = 1 every tap is one
// elementwise multiply-add of a pixel's channels (simd.MulAddF32); with
// m > 1 a pixel's channels are first repeated m times each into rep
// (c·m values).

// expand writes into rep each of the c values of px m times: rep[ch·m+j] =
// px[ch]. With m = 1 it returns px itself.
func expand(px, rep []float32, m int) []float32 {
	if m == 1 {
		return px
	}
	for ch, v := range px {
		r := rep[ch*m : (ch+1)*m]
		for j := range r {
			r[j] = v
		}
	}
	return rep
}

// depthwise writes into y (n·oh·ow rows of c·m) the depthwise convolution
// of the n images of x with the tap-major filters wt, before bias.
func depthwise(g geom, n int, x, wt, y, rep []float32) {
	c, cm := g.c, g.channels
	m := cm / c
	clear(y[:n*g.outSize()])
	o := 0
	for b := 0; b < n; b++ {
		img := x[b*g.inSize() : (b+1)*g.inSize()]
		for oy := 0; oy < g.oh; oy++ {
			for ox := 0; ox < g.ow; ox++ {
				y0, x0, ky0, ky1, kx0, kx1 := g.window(oy, ox)
				dst := y[o : o+cm : o+cm]
				for ky := ky0; ky < ky1; ky++ {
					for kx := kx0; kx < kx1; kx++ {
						px := img[((y0+ky)*g.w+x0+kx)*c:][:c]
						simd.MulAddF32(dst, expand(px, rep, m), wt[(ky*g.kw+kx)*cm:])
					}
				}
				o += cm
			}
		}
	}
}

// depthwiseFilterGrad adds to dwt (tap-major, as wt) the gradient of the
// filters for the n images of x given gz, the gradient at the output
// before the activation (n·oh·ow rows of c·m).
func depthwiseFilterGrad(g geom, n int, x, gz, dwt, rep []float32) {
	c, cm := g.c, g.channels
	m := cm / c
	o := 0
	for b := 0; b < n; b++ {
		img := x[b*g.inSize() : (b+1)*g.inSize()]
		for oy := 0; oy < g.oh; oy++ {
			for ox := 0; ox < g.ow; ox++ {
				y0, x0, ky0, ky1, kx0, kx1 := g.window(oy, ox)
				grad := gz[o : o+cm : o+cm]
				for ky := ky0; ky < ky1; ky++ {
					for kx := kx0; kx < kx1; kx++ {
						px := img[((y0+ky)*g.w+x0+kx)*c:][:c]
						simd.MulAddF32(dwt[(ky*g.kw+kx)*cm:][:cm], grad, expand(px, rep, m))
					}
				}
				o += cm
			}
		}
	}
}

// depthwiseDataGrad sets the n images of dx to the gradient of the input
// given gz: every output pixel's gradient times each tap's filters, added
// at the input pixel the tap read (summed over the m outputs of a
// channel).
func depthwiseDataGrad(g geom, n int, gz, wt, dx, rep []float32) {
	c, cm := g.c, g.channels
	m := cm / c
	clear(dx[:n*g.inSize()])
	o := 0
	for b := 0; b < n; b++ {
		img := dx[b*g.inSize() : (b+1)*g.inSize()]
		for oy := 0; oy < g.oh; oy++ {
			for ox := 0; ox < g.ow; ox++ {
				y0, x0, ky0, ky1, kx0, kx1 := g.window(oy, ox)
				grad := gz[o : o+cm : o+cm]
				for ky := ky0; ky < ky1; ky++ {
					for kx := kx0; kx < kx1; kx++ {
						px := img[((y0+ky)*g.w+x0+kx)*c:][:c]
						w := wt[(ky*g.kw+kx)*cm:][:cm]
						if m == 1 {
							simd.MulAddF32(px, grad, w)
							continue
						}
						prod := rep[:cm]
						clear(prod)
						simd.MulAddF32(prod, grad, w)
						for ch := range px {
							s := px[ch]
							for _, v := range prod[ch*m : (ch+1)*m] {
								s += v
							}
							px[ch] = s
						}
					}
				}
				o += cm
			}
		}
	}
}

// softmaxCE is the mean softmax cross-entropy of the rows of logits
// against the one-hot rows of labels, −(1/B)·Σ labels ⊙ log softmax(logits),
// computed in float64; it writes each row's softmax into prob.
func softmaxCE(logits, labels, prob []float32, classes int) float64 {
	var lp [64]float64
	l := lp[:min(classes, len(lp))]
	if classes > len(lp) {
		l = make([]float64, classes)
	}
	rows := len(logits) / classes
	var sum float64
	for r := 0; r < rows; r++ {
		z := logits[r*classes : (r+1)*classes]
		logSoftmax(z, l)
		for c, v := range l {
			prob[r*classes+c] = float32(math.Exp(v))
			sum += float64(labels[r*classes+c]) * v
		}
	}
	return -sum / float64(rows)
}

// gemm is one matrix product of fixed shape, C = op(A)·op(B), split into
// tiles of C that are fixed by the shape alone, so the result does not
// depend on how many goroutines compute it. Tiles split the longer of C's
// two sides, into at most gemmTiles pieces, whole micro-tiles of 16 columns
// or 8 rows, and only when the product is worth it.
type gemm struct {
	tA, tB        bool
	m, n, k       int
	lda, ldb, ldc int
	cols          bool // tiles are column ranges (else row ranges)
	step, tiles   int  // tile width (or height) and count
	a, b, c       []float32
	tile          func(int) // g.runTile, bound once
}

const (
	gemmTiles   = 4
	gemmMinWork = 1 << 17 // m·n·k below which one goroutine does the product
)

func newGemm(tA, tB bool, m, n, k int) *gemm {
	g := &gemm{tA: tA, tB: tB, m: m, n: n, k: k, tiles: 1}
	g.lda, g.ldb, g.ldc = k, n, n
	if tA {
		g.lda = m
	}
	if tB {
		g.ldb = k
	}
	g.cols = n >= m
	side, unit := m, 8
	if g.cols {
		side, unit = n, 16
	}
	g.step = side
	if m*n*k >= gemmMinWork && side >= 2*unit {
		g.step = (side/unit + gemmTiles - 1) / gemmTiles * unit
		g.tiles = (side + g.step - 1) / g.step
	}
	g.tile = g.runTile
	return g
}

// run computes C = op(A)·op(B) into c.
func (g *gemm) run(a, b, c []float32) {
	g.a, g.b, g.c = a, b, c
	if g.tiles == 1 {
		g.runTile(0)
	} else {
		par.For(g.tiles, g.tile)
	}
	g.a, g.b, g.c = nil, nil, nil
}

func (g *gemm) runTile(t int) {
	lo := t * g.step
	if g.cols {
		hi := min(lo+g.step, g.n)
		var b []float32 // columns lo.. of op(B)
		if g.tB {
			b = g.b[lo*g.ldb:]
		} else {
			b = g.b[lo:]
		}
		simd.Gemm(g.tA, g.tB, g.m, hi-lo, g.k, g.a, g.lda, b, g.ldb, 0, g.c[lo:], g.ldc)
		return
	}
	hi := min(lo+g.step, g.m)
	var a []float32 // rows lo.. of op(A)
	if g.tA {
		a = g.a[lo:]
	} else {
		a = g.a[lo*g.lda:]
	}
	simd.Gemm(g.tA, g.tB, hi-lo, g.n, g.k, a, g.lda, g.b, g.ldb, 0, g.c[lo*g.ldc:], g.ldc)
}

// With multiplier 1 and stride 1 along the width, the depthwise functions
// take a row of output pixels at once: one tap of a row is one
// multiply-add of a run of input pixels by the tap's filters repeated along
// the row (wrep: kh·kw taps of ow·c values, wrep[(ky·kw+kx)·ow·c + ox·c +
// ch] = wt[(ky·kw+kx)·c + ch]). dwRowsMax bounds wrep and the filter
// gradient's accumulators.
const dwRowsMax = 1 << 18

// dwRows reports whether g's depthwise convolution takes rows at once.
func dwRows(g geom) bool {
	return g.channels == g.c && g.sw == 1 && g.kh*g.kw*g.ow*g.c <= dwRowsMax
}

// repeatTaps writes wrep from the tap-major filters wt (dwRows).
func repeatTaps(g geom, wt, wrep []float32) {
	c, row := g.c, g.ow*g.c
	for t := 0; t < g.kh*g.kw; t++ {
		for ox := 0; ox < g.ow; ox++ {
			copy(wrep[t*row+ox*c:t*row+(ox+1)*c], wt[t*c:(t+1)*c])
		}
	}
}

// cols is the output columns [lo, hi) whose tap kx reads a pixel inside
// the image, at stride 1: ox − pl + kx in [0, w).
func (g geom) cols(kx int) (lo, hi int) {
	return max(0, g.pl-kx), min(g.ow, g.w+g.pl-kx)
}

// depthwiseRows is depthwise for dwRows geometries. Each output value sums
// its taps in the order depthwise does, but may round otherwise: a value
// of a long run is in simd.MulAddF32's vector body (a fused multiply-add)
// where that of a short pixel may be in its Go tail.
func depthwiseRows(g geom, n int, x, wrep, y []float32) {
	c, row := g.c, g.ow*g.c
	clear(y[:n*g.outSize()])
	for b := 0; b < n; b++ {
		img := x[b*g.inSize() : (b+1)*g.inSize()]
		for oy := 0; oy < g.oh; oy++ {
			y0 := oy*g.sh - g.pt
			dst := y[(b*g.oh+oy)*row : (b*g.oh+oy+1)*row]
			for ky := max(0, -y0); ky < min(g.kh, g.h-y0); ky++ {
				src := img[(y0+ky)*g.w*c:]
				for kx := 0; kx < g.kw; kx++ {
					if lo, hi := g.cols(kx); lo < hi {
						t := ky*g.kw + kx
						simd.MulAddF32(dst[lo*c:hi*c], src[(lo-g.pl+kx)*c:], wrep[t*row+lo*c:])
					}
				}
			}
		}
	}
}

// depthwiseFilterGradRows is depthwiseFilterGrad for dwRows geometries:
// the products are added into acc (kh·kw taps of ow·c values, cleared
// here) along the rows, then each tap's ow columns are summed into dwt.
func depthwiseFilterGradRows(g geom, n int, x, gz, dwt, acc []float32) {
	c, row := g.c, g.ow*g.c
	taps := g.kh * g.kw
	clear(acc[:taps*row])
	for b := 0; b < n; b++ {
		img := x[b*g.inSize() : (b+1)*g.inSize()]
		for oy := 0; oy < g.oh; oy++ {
			y0 := oy*g.sh - g.pt
			grad := gz[(b*g.oh+oy)*row : (b*g.oh+oy+1)*row]
			for ky := max(0, -y0); ky < min(g.kh, g.h-y0); ky++ {
				src := img[(y0+ky)*g.w*c:]
				for kx := 0; kx < g.kw; kx++ {
					if lo, hi := g.cols(kx); lo < hi {
						t := ky*g.kw + kx
						simd.MulAddF32(acc[t*row+lo*c:t*row+hi*c], grad[lo*c:], src[(lo-g.pl+kx)*c:])
					}
				}
			}
		}
	}
	for t := 0; t < taps; t++ {
		simd.SumRows(dwt[t*c:(t+1)*c], acc[t*row:(t+1)*row])
	}
}

// depthwiseDataGradRows is depthwiseDataGrad for dwRows geometries.
func depthwiseDataGradRows(g geom, n int, gz, wrep, dx []float32) {
	c, row := g.c, g.ow*g.c
	clear(dx[:n*g.inSize()])
	for b := 0; b < n; b++ {
		img := dx[b*g.inSize() : (b+1)*g.inSize()]
		for oy := 0; oy < g.oh; oy++ {
			y0 := oy*g.sh - g.pt
			grad := gz[(b*g.oh+oy)*row : (b*g.oh+oy+1)*row]
			for ky := max(0, -y0); ky < min(g.kh, g.h-y0); ky++ {
				dst := img[(y0+ky)*g.w*c:]
				for kx := 0; kx < g.kw; kx++ {
					if lo, hi := g.cols(kx); lo < hi {
						t := ky*g.kw + kx
						simd.MulAddF32(dst[(lo-g.pl+kx)*c:(hi-g.pl+kx)*c], grad[lo*c:], wrep[t*row+lo*c:])
					}
				}
			}
		}
	}
}
