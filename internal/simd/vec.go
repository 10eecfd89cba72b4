package simd

import (
	"fmt"
	"math"
)

// The vector kernels the layers need, each with a plain Go loop that is
// its definition and the tests' oracle. The assembly computes exactly the
// same values (no arithmetic is reordered), so both give the same bits.
// Lengths are taken from the first slice; the others must be at least as
// long (a shorter one panics).

// Add sets dst[i] += src[i].
func Add(dst, src []float32) {
	src = src[:len(dst)]
	n := vecBody(len(dst))
	if n > 0 {
		addAVX2(&dst[0], &src[0], n)
	}
	addGo(dst[n:], src[n:])
}

func addGo(dst, src []float32) {
	src = src[:len(dst)]
	for i := range dst {
		dst[i] += src[i]
	}
}

// AddReLU sets dst[i] = max(dst[i] + src[i], 0), with Go's max: a NaN stays
// NaN, −0 becomes +0.
func AddReLU(dst, src []float32) {
	src = src[:len(dst)]
	n := vecBody(len(dst))
	if n > 0 {
		addReLUAVX2(&dst[0], &src[0], n)
	}
	addReLUGo(dst[n:], src[n:])
}

func addReLUGo(dst, src []float32) {
	src = src[:len(dst)]
	for i := range dst {
		dst[i] = max(dst[i]+src[i], 0)
	}
}

// ReLUGrad sets gz[i] = gy[i] where y[i] > 0 and 0 elsewhere (also where
// y[i] is NaN or −0): the gradient through a ReLU whose output is y.
func ReLUGrad(gz, y, gy []float32) {
	y, gy = y[:len(gz)], gy[:len(gz)]
	n := vecBody(len(gz))
	if n > 0 {
		reluGradAVX2(&gz[0], &y[0], &gy[0], n)
	}
	reluGradGo(gz[n:], y[n:], gy[n:])
}

func reluGradGo(gz, y, gy []float32) {
	y, gy = y[:len(gz)], gy[:len(gz)]
	for i, v := range y {
		// y > 0 exactly when its bits b, as an int32, lie in
		// [1, 0x7f800000] (+Inf included, NaN and −0 not): one unsigned
		// compare, which the compiler makes a conditional move, not a
		// branch mispredicted half the time.
		var mask uint32
		if uint32(int32(math.Float32bits(v))-1) < 0x7f800000 {
			mask = ^uint32(0)
		}
		gz[i] = math.Float32frombits(math.Float32bits(gy[i]) & mask)
	}
}

// MaxArg sets, where src[i] > best[i], best[i] = src[i] and at[i] = base+i:
// one step of a max-pool that keeps its argmax. A NaN in src never wins; a
// NaN in best is never replaced.
func MaxArg(best []float32, at []int32, src []float32, base int32) {
	at, src = at[:len(best)], src[:len(best)]
	n := vecBody(len(best))
	if n > 0 {
		maxArgAVX2(&best[0], &at[0], &src[0], base, n)
	}
	maxArgGo(best[n:], at[n:], src[n:], base+int32(n))
}

func maxArgGo(best []float32, at []int32, src []float32, base int32) {
	at, src = at[:len(best)], src[:len(best)]
	for i, v := range src {
		var sel uint32
		if v > best[i] {
			sel = ^uint32(0)
		}
		best[i] = math.Float32frombits(math.Float32bits(best[i])&^sel | math.Float32bits(v)&sel)
		at[i] = int32(uint32(at[i])&^sel | uint32(base+int32(i))&sel)
	}
}

// vecBody is how many of n elements the assembly takes: the largest
// multiple of 8 when the active kernel set has AVX2, else none.
func vecBody(n int) int {
	if active.id == kernGeneric {
		return 0
	}
	return n &^ 7
}

// AddRows adds bias to every row of y, a matrix of len(bias) columns:
// y[r·n+j] += bias[j].
func AddRows(y, bias []float32) {
	n := len(bias)
	rows := rowsOf(y, n)
	if n%8 == 0 && vecBody(n) == n && rows > 0 {
		addRowsAVX2(&y[0], &bias[0], rows, n)
		return
	}
	for r := 0; r < rows; r++ {
		addGo(y[r*n:(r+1)*n], bias)
	}
}

// AddReLURows is AddRows followed by max(·, 0), as AddReLU.
func AddReLURows(y, bias []float32) {
	n := len(bias)
	rows := rowsOf(y, n)
	if n%8 == 0 && vecBody(n) == n && rows > 0 {
		addReLURowsAVX2(&y[0], &bias[0], rows, n)
		return
	}
	for r := 0; r < rows; r++ {
		AddReLU(y[r*n:(r+1)*n], bias)
	}
}

// SumRows adds to sum the column sums of m, a matrix of len(sum) columns,
// each column summed in row order: sum[j] += m[0·n+j] + m[1·n+j] + ….
func SumRows(sum, m []float32) {
	n := len(sum)
	rows := rowsOf(m, n)
	if n%8 == 0 && vecBody(n) == n && rows > 0 {
		sumRowsAVX2(&sum[0], &m[0], rows, n)
		return
	}
	sumRowsGo(sum, m[:rows*n])
}

func sumRowsGo(sum, m []float32) {
	n := len(sum)
	for r := 0; r+n <= len(m); r += n {
		addGo(sum, m[r:r+n])
	}
}

// rowsOf is the number of rows of n values in m; it panics unless m holds
// whole rows.
func rowsOf(m []float32, n int) int {
	if n == 0 {
		return 0
	}
	if len(m)%n != 0 {
		panic(fmt.Sprintf("simd: a matrix of %d values is not rows of %d", len(m), n))
	}
	return len(m) / n
}

// RMSprop applies Keras's RMSprop update to every element of w, with v its
// moving average of squared gradients and g the gradient:
//
//	v ← ρ·v + (1−ρ)·g·g
//	w ← w − lr·g / √(v + ε)
//
// in float32, each operation rounded on its own, left to right (the
// conversions below keep the compiler from fusing a multiply and an add,
// which it may do for GOAMD64=v3 and other architectures), so the
// assembly gives the same bits.
func RMSprop(w, v, g []float32, lr, rho, eps float32) {
	v, g = v[:len(w)], g[:len(w)]
	n := vecBody(len(w))
	if n > 0 {
		rmspropAVX2(&w[0], &v[0], &g[0], n, lr, 1-rho, rho, eps)
	}
	rmspropGo(w[n:], v[n:], g[n:], lr, rho, eps)
}

func rmspropGo(w, v, g []float32, lr, rho, eps float32) {
	v, g = v[:len(w)], g[:len(w)]
	c := 1 - rho
	for j := range w {
		v[j] = float32(rho*v[j]) + float32(float32(c*g[j])*g[j])
		w[j] -= float32(lr*g[j]) / float32(math.Sqrt(float64(v[j]+eps)))
	}
}
