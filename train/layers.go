package train

import (
	"fmt"
	"math"

	"github.com/mnistcnn/mnistcnn/internal/par"
	"github.com/mnistcnn/mnistcnn/internal/simd"
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

// biasAct adds bias to every row of y (rows of len(bias) values) and, if
// relu, sets negative results to 0 (max(v, 0): a NaN stays NaN).
func biasAct(y, bias []float32, relu bool) {
	if relu {
		simd.AddReLURows(y, bias)
	} else {
		simd.AddRows(y, bias)
	}
}

// maxPool writes into y the maximum of every window of the n NHWC images of
// x (no padding) and into arg the index, within its image, of the value it
// took: the first largest in row-major window order (a NaN is never taken
// over a number that came before it in the window).
func maxPool(g geom, n int, x, y []float32, arg []int32) {
	c := g.c
	o := 0
	for b := 0; b < n; b++ {
		img := x[b*g.inSize() : (b+1)*g.inSize()]
		for oy := 0; oy < g.oh; oy++ {
			for ox := 0; ox < g.ow; ox++ {
				base := (oy*g.sh*g.w + ox*g.sw) * c
				best, at := y[o:o+c:o+c], arg[o:o+c:o+c]
				copy(best, img[base:base+c])
				for ch := range at {
					at[ch] = int32(base + ch)
				}
				for ky := 0; ky < g.kh; ky++ {
					for kx := 0; kx < g.kw; kx++ {
						if ky == 0 && kx == 0 {
							continue
						}
						i := base + (ky*g.w+kx)*c
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
// pool's output) is given, only for outputs y > 0 (see maxPoolOp), tested
// as simd.ReLUGrad does, without a branch.
func maxPoolGrad(g geom, n int, gy, y []float32, arg []int32, gx []float32) {
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
			var mask uint32 // all ones when yb[i] > 0: its bits lie in [1, +Inf]
			if uint32(int32(math.Float32bits(yb[i]))-1) < 0x7f800000 {
				mask = ^uint32(0)
			}
			img[argb[i]] += math.Float32frombits(math.Float32bits(v) & mask)
		}
	}
}

// softmaxCE is the mean softmax cross-entropy of the rows of logits
// against the one-hot rows of labels, −(1/B)·Σ labels ⊙ log softmax(logits),
// computed in float64; it writes each row's softmax into prob.
func softmaxCE(logits, labels, prob []float32, classes int) float64 {
	var lp [64]float64
	rows := len(logits) / classes
	var sum float64
	for r := 0; r < rows; r++ {
		z := logits[r*classes : (r+1)*classes]
		l := lp[:classes]
		if classes > len(lp) {
			l = make([]float64, classes)
		}
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
