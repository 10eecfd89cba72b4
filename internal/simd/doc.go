// Package simd is the project's SIMD compute package: a packed, blocked
// single-precision matrix product (GEMM) with hand-written AVX2+FMA and
// AVX-512 micro-kernels and a pure-Go fallback. It also holds the
// vector kernels of vec.go that training uses (Add, AddReLU, AddRows,
// AddReLURows, SumRows, ReLUGrad, MaxArg, RMSprop),
// which use their AVX2 bodies whenever the chosen kernel set is not the
// generic one. The TFLite interpreter's kernels are in f32.go (BiasClamp,
// MaxF32: AVX2) and i8.go (DotU8I8 and RequantI8: AVX-512 VNNI, or AVX2
// on the other assembly sets; exact int8 dot products and TFLite's
// requantization; MaxI8: AVX2), dw.go (MulAddF32, MulAddI8: AVX2, for
// DEPTHWISE_CONV_2D) and pool8.go (AddI8I32, RoundDivI8, DivClampF32: AVX2,
// for AVERAGE_POOL_2D).
// softmax.go holds SOFTMAX's: SoftmaxF32 (AVX-512 or AVX2+FMA, polynomial
// exp) and SoftmaxI8Sum, SoftmaxI8Scale (AVX2; the exact integer passes).
// [Gemv], in gemv.go, is the matrix-vector product of the interpreter's
// single-row FULLY_CONNECTED, eight outputs at a time with AVX-512 or
// AVX2+FMA as the kernel set is.
//
// # Conventions
//
// Every matrix is a []float32 in row-major order with a leading dimension:
// element (i, j) of a matrix with leading dimension ld is s[i*ld+j], and
// ld is at least the number of columns. [Gemm] computes
//
//	C = op(A)·op(B) + beta·C,   op(X) = X or Xᵀ,
//
// with op(A) m×k, op(B) k×n and C m×n. There is no alpha. beta == 0 means
// that C is only written, never read (NaNs or garbage in C do not leak
// into the result); any other beta scales C, so beta 1 accumulates. m, n or
// k may be 0 (k == 0 gives C = beta·C). A slice too short for its shape, a
// leading dimension smaller than its row, or a negative dimension panics.
// Elements of C's slice outside the m×n matrix (the padding between n and
// ldc) are never touched.
//
// Each call runs on the calling goroutine only and allocates nothing in
// steady state: its scratch buffers (a packed block of B, a padded panel of
// A, an edge tile) come from a sync.Pool. Calls on disjoint C may run
// concurrently; parallelism is the caller's business.
//
// # Algorithm
//
// Gemm follows the Goto/BLIS scheme: the columns of C are taken nc at a
// time, the depth kc at a time, the rows mc at a time; within a block, the
// mr×nr register tile of the micro-kernel walks nr-wide panels of B and
// mr-high strips of A. B is packed into zero-padded nr-wide panels when it
// is transposed (or for its ragged last panel) and read in place otherwise;
// A is always read in place through a row and a column stride. Edge tiles
// are computed in full into a small buffer and only their valid part is
// written to C; a ragged last strip of rows is computed as the full tile
// ending at the last row (overlapping the one before it), or, when m < mr,
// from a zero-padded copy. A small cost model may instead compute
// Cᵀ = op(B)ᵀ·op(A)ᵀ (accumulating it in a scratch buffer and writing it
// transposed once) when that avoids packing a large transposed B or
// wasting most of a tile on a narrow C, as for the conv1 filter gradient
// (n = 9), the first dense layer's data gradient and the last one's
// filter gradient.
//
// # Determinism
//
// For given shapes, flags, kernel set and inputs the result is
// bit-identical on every call, whatever the alignment or padding of the
// slices and whatever runs concurrently. Every element of C is one
// accumulator summing its k products in increasing order of p with one
// fused multiply-add each (the generic kernel: a multiply and an add), in
// blocks of depth ≤ kc whose split depends only on k; each block's sum is
// added to C (the first block: beta·C). Nothing depends on addresses, on
// the pool's buffers or on timing.
//
// # Kernel sets
//
// At start-up the package picks the best kernel set that the CPU and OS
// support (through golang.org/x/sys/cpu, which also checks that the OS
// saves the YMM/ZMM registers):
//
//	avx512   AVX-512F, 8×32 tile (16 ZMM accumulators), mr=8 nr=32 kc=256
//	avx2     AVX2 + FMA, 6×16 tile (12 YMM accumulators), mr=6 nr=16 kc=256
//	generic  pure Go, 2×4 tile; also the only set on other architectures
//	         and with the purego build tag
//
// [Impl] names the chosen set. The environment variable MNISTCNN_SIMD,
// read once at start-up, restricts the choice: "generic" forces the pure-Go
// kernels, "avx2" forbids AVX-512 (and falls back to generic without
// AVX2+FMA). Any other value, including "avx512" and unknown ones, selects
// the best available set, as if the variable were unset.
//
// On a CPU without AVX2 and FMA the generic path is used: it is 15–30×
// slower than the assembly kernels (about half of gonum's speed), and its
// results may differ from the AVX2/AVX-512 ones in the last bits, because
// the assembly kernels round each multiply-add once (FMA) while the Go
// compiler for amd64 below GOAMD64=v3 rounds the product and the sum
// separately (on arm64 or with GOAMD64=v3 it fuses them too). The
// avx512 and avx2 sets agree with each other to the same order, since
// their tiles and blocking differ slightly. All sets are tested against a
// float64 triple loop and against each other in gemm_test.go.
//
// # Measured figures
//
// AMD EPYC (Zen 5, family 26, 2 cores, full-width 512-bit FMA units),
// Go 1.26, BenchmarkGemm in gemm_bench_test.go with -benchtime 0.2s. The
// machine was shared with another engineer's tests and benchmarks, so the
// figures are the best of two or three runs; the one-core ones repeat
// within about 10%, the two-core ones are less reliable (while the other
// job held a core they fell to the one-core rate). GFLOP/s counts 2·m·n·k per call, Bᵀ and Aᵀ mark transB and
// transA, c8 the chunks of 8 images. One core: GOMAXPROCS 1, which also
// keeps gonum's Sgemm (blas32's default, gonum's native Go code) from
// splitting large products across goroutines. Two cores: GOMAXPROCS 2,
// two goroutines each running its own products on its own buffers,
// combined rate.
//
//	                                    one core                      two cores
//	shape            m×n×k             generic avx2 avx512 gonum   generic avx2 avx512 gonum
//	conv2fwd         3872×32×288 Bᵀ        7   106   194    10      11   198   384    21
//	conv2bwdData     3872×288×32           6   109   211    10      12   166   379    19
//	conv2bwdFilter   Aᵀ 32×288×3872        6    89   217     9      12   169   371    18
//	conv1fwd         21632×32×9 Bᵀ         5   100   182     2      11   203   306     4
//	conv1bwdFilter   Aᵀ 32×9×21632         6    70   109     3      10   141   196     4
//	dense1fwd        32×200×800            7    85   170    12      13   140   311    22
//	dense1bwdData    32×800×200 Bᵀ         7    92   149    10      12   174   258    22
//	dense1bwdFilter  Aᵀ 800×200×32         6    98   174    10      12   194   317    19
//	dense2fwd        32×50×200             7    61   115    11      12   133   232    21
//	dense2bwdData    32×200×50 Bᵀ          7    59    83    11      12   113   140    20
//	dense2bwdFilter  Aᵀ 200×50×32          7    75   109     8      11   129   200    17
//	dense3fwd        32×10×50              3    24    29     2       6    46    45     5
//	dense3bwdData    32×50×10 Bᵀ           4    21    28     3       4    21    27     6
//	dense3bwdFilter  Aᵀ 50×10×32           6    22    25     3       5    32    53     8
//	c8conv2fwd       968×32×288 Bᵀ         6   106   204    11       7   190   366    21
//	c8conv2bwdData   968×288×32            5   107   194     9      12   212   410    18
//	c8conv2bwdFilter Aᵀ 32×288×968         5    75   208    12      12   180   384    20
//	c8conv1fwd       5408×32×9 Bᵀ          7   108   183     3      10   208   386     4
//	c8conv1bwdFilter Aᵀ 32×9×5408          5    74   113     1      10   146   222     6
//
// On this CPU AVX-512 pays: the 8×32 kernel reaches about 200 GFLOP/s on
// one core at the large conv shapes, twice the 6×16 AVX2 kernel (about
// 105), and 15–20× gonum. Two FMA pipes give 64 flop per cycle with
// AVX-512 and 32 with AVX2; the figures imply a clock of at least 3.4 GHz
// (the VM reports 2.6), so both kernels run near the FMA units' limit. Unlike Zen 4, which splits 512-bit
// operations into two 256-bit halves, this Zen 5 part executes them at
// full width, so avx512 is the default here; on a Zen 4 machine
// MNISTCNN_SIMD=avx2 may be worth measuring. The conv1 filter gradient
// (n = 9) is computed transposed and uses 9 of the 16 rows of its two
// tiles, hence about 110; the smallest dense products (tens of kflop) are
// dominated by call overhead and packing.
package simd
