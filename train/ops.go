package train

import (
	"fmt"
	"hash"
	"hash/fnv"

	"github.com/chewxy/hm"
	"github.com/mnistcnn/mnistcnn/internal/layout"
	"github.com/mnistcnn/mnistcnn/internal/par"
	"github.com/mnistcnn/mnistcnn/internal/simd"
	"github.com/mnistcnn/mnistcnn/model"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The training graph's ops: Gorgonia builds the graph from them and
// differentiates it through their SymDiff, which returns nodes of the
// backward ops below; the math is in layers.go and the matrix products in
// internal/simd.
//
// Every op owns its output buffer, made once when the graph is built (a
// graph has a fixed batch), and Do writes into it and returns it: a step
// allocates no tensor. That is the reuse Gorgonia's UsePreallocDoer is
// for, which these ops do not implement: the tape machine would offer an
// op the value its output register last held in the run, which is another
// node's, and may be one still read after the run (the logits, a
// gradient), so writing there could corrupt it.
//
// Forward ops keep what their backward ops need (patches, argmaxes,
// probabilities) in their own state; a backward op is always scheduled
// after its forward op because it reads the forward op's output.

// chunkImages is how many images one goroutine takes at a time in the
// convolution and pooling layers: a batch of 32 is 4 chunks, fixed by the
// batch alone, so results do not depend on GOMAXPROCS.
const chunkImages = 8

// opBase is what every op shares: its name, a number unique in its graph
// (Gorgonia merges nodes whose ops hash alike and whose inputs are the
// same; a backward op's number is its forward op's ·256 + a small tag),
// its inputs' ranks, and its output.
type opBase struct {
	name   string
	id     int
	inDims []int        // rank of each input; 0 for a scalar
	shape  tensor.Shape // output shape; nil for a scalar
	out    *tensor.Dense
	scalar *G.F32 // the output of a scalar op
}

func newBase(name string, id int, inDims []int, shape ...int) opBase {
	o := opBase{name: name, id: id, inDims: inDims}
	if len(shape) == 0 {
		o.scalar = G.NewF32(0)
		return o
	}
	o.shape = tensor.Shape(shape)
	o.out = tensor.New(tensor.WithShape(shape...), tensor.Of(tensor.Float32))
	return o
}

func tensorType(dims int) hm.Type {
	if dims == 0 {
		return tensor.Float32
	}
	return G.TensorType{Dims: dims, Of: tensor.Float32}
}

func (o *opBase) Arity() int { return len(o.inDims) }

func (o *opBase) Type() hm.Type {
	ts := make([]hm.Type, 0, len(o.inDims)+1)
	for _, d := range o.inDims {
		ts = append(ts, tensorType(d))
	}
	return hm.NewFnType(append(ts, tensorType(len(o.shape)))...)
}

func (o *opBase) InferShape(...G.DimSizer) (tensor.Shape, error) {
	if o.shape == nil {
		return tensor.ScalarShape(), nil
	}
	return o.shape.Clone(), nil
}

func (o *opBase) ReturnsPtr() bool      { return false }
func (o *opBase) CallsExtern() bool     { return false }
func (o *opBase) OverwritesInput() int  { return -1 }
func (o *opBase) String() string        { return o.name }
func (o *opBase) WriteHash(h hash.Hash) { fmt.Fprintf(h, "mnistcnn.%s#%d", o.name, o.id) }

func (o *opBase) Hashcode() uint32 {
	h := fnv.New32a()
	o.WriteHash(h)
	return h.Sum32()
}

// data is the float32 slice of the op's output.
func (o *opBase) data() []float32 { return o.out.Float32s() }

// floats is the data of a float32 tensor value, checked for length.
func floats(v G.Value, n int) ([]float32, error) {
	d, ok := v.(*tensor.Dense)
	if !ok || d.Dtype() != tensor.Float32 {
		return nil, fmt.Errorf("train: got a %T value, want a float32 tensor", v)
	}
	f := d.Float32s()
	if len(f) != n {
		return nil, fmt.Errorf("train: got %d values, want %d", len(f), n)
	}
	return f, nil
}

// scalarOf is the value of a float32 scalar (the cost's gradient).
func scalarOf(v G.Value) (float32, error) {
	switch s := v.(type) {
	case *G.F32:
		return float32(*s), nil
	case *tensor.Dense:
		if f, ok := s.Data().(float32); ok {
			return f, nil
		}
	}
	return 0, fmt.Errorf("train: got a %T value, want a float32 scalar", v)
}

// apply adds op with the given inputs to the graph.
func apply(op G.Op, inputs ...*G.Node) (*G.Node, error) {
	n, err := G.ApplyOp(op, inputs...)
	if err != nil {
		return nil, fmt.Errorf("train: adding %v: %w", op, err)
	}
	return n, nil
}

// chunks is the number of chunkImages chunks of a batch.
func chunks(batch int) int { return (batch + chunkImages - 1) / chunkImages }

// chunkRange is the images [lo, hi) of chunk c.
func chunkRange(c, batch int) (lo, hi int) {
	return c * chunkImages, min((c+1)*chunkImages, batch)
}

// ---- convolution ----

// convOp is y = act(conv(x, w) + b) for NHWC x (B, h, w, c), w as the
// checkpoint keeps it (out, in, kh, kw) and b (out): per chunk of images,
// the patches of x (im2col) times the OHWI kernel, then bias and the
// activation (linear, ReLU or ReLU6).
type convOp struct {
	opBase
	actOut
	g         geom
	batch     int
	inputGrad bool // whether x needs a gradient (not for the input image)

	wt      []float32 // the kernel as OHWI, O × K, of the current step
	patches []float32 // B·oh·ow × K, kept for the filter gradient
	x, bias []float32 // operands while running
	fwd     func(int)
}

func newConvOp(id int, g geom, batch int, act model.Activation, inputGrad bool) *convOp {
	op := &convOp{
		opBase: newBase("conv2d", id, []int{4, 4, 1}, batch, g.oh, g.ow, g.channels),
		actOut: actOut{act: act},
		g:      g, batch: batch, inputGrad: inputGrad,
		wt:      make([]float32, g.channels*g.patch()),
		patches: make([]float32, g.rows(batch)*g.patch()),
	}
	op.fwd = op.forwardChunk
	return op
}

func (op *convOp) Do(vs ...G.Value) (G.Value, error) {
	g := op.g
	x, err := floats(vs[0], op.batch*g.inSize())
	if err != nil {
		return nil, err
	}
	w, err := floats(vs[1], len(op.wt))
	if err != nil {
		return nil, err
	}
	if op.bias, err = floats(vs[2], g.channels); err != nil {
		return nil, err
	}
	layout.KernelOHWI(op.wt, w, g.channels, g.c, g.kh, g.kw)
	op.x = x
	par.For(chunks(op.batch), op.fwd)
	op.x, op.bias = nil, nil
	return op.out, nil
}

func (op *convOp) forwardChunk(c int) {
	g, k := op.g, op.g.patch()
	lo, hi := chunkRange(c, op.batch)
	r0, r1 := g.rows(lo), g.rows(hi)
	p := op.patches[r0*k : r1*k]
	im2col(g, hi-lo, op.x[lo*g.inSize():], p)
	y := op.data()[r0*g.channels : r1*g.channels]
	gemmSerial(false, true, r1-r0, g.channels, k, p, op.wt, y)
	biasAct(y, op.bias, op.act)
}

func (op *convOp) DiffWRT(int) []bool { return []bool{op.inputGrad, true, true} }

func (op *convOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	gz, err := op.gradBefore(&op.opBase, out, grad)
	if err != nil {
		return nil, err
	}
	dw, err := apply(newConvFilterGradOp(op), in[0], gz)
	if err != nil {
		return nil, err
	}
	db, err := apply(newBiasGradOp(&op.opBase, op.g.channels, op.g.rows(op.batch)), gz)
	if err != nil {
		return nil, err
	}
	var dx *G.Node
	if op.inputGrad {
		if dx, err = apply(newConvDataGradOp(op), in[1], gz); err != nil {
			return nil, err
		}
	}
	return G.Nodes{dx, dw, db}, nil
}

// gemmSerial is C = op(A)·op(B) for tightly packed row-major operands, on
// the calling goroutine.
func gemmSerial(tA, tB bool, m, n, k int, a, b, c []float32) {
	lda, ldb := k, n
	if tA {
		lda = m
	}
	if tB {
		ldb = k
	}
	simd.Gemm(tA, tB, m, n, k, a, lda, b, ldb, 0, c, n)
}

// convFilterGradOp is dL/dw of a convOp, (out, in, kh, kw), from gz, the
// gradient at the convolution's output before its activation: per chunk
// gzᵀ · patches (O × K), the chunks' sums added in chunk order.
type convFilterGradOp struct {
	opBase
	conv    *convOp
	partial []float32 // chunks × O × K
	gz      []float32
	chunk   func(int)
}

func newConvFilterGradOp(conv *convOp) *convFilterGradOp {
	g := conv.g
	op := &convFilterGradOp{
		opBase:  newBase("conv2d_filter_grad", conv.id<<8|1, []int{4, 4}, g.channels, g.c, g.kh, g.kw),
		conv:    conv,
		partial: make([]float32, chunks(conv.batch)*g.channels*g.patch()),
	}
	op.chunk = op.runChunk
	return op
}

func (op *convFilterGradOp) Do(vs ...G.Value) (G.Value, error) {
	c := op.conv
	var err error
	if op.gz, err = floats(vs[1], len(c.data())); err != nil {
		return nil, err
	}
	n := chunks(c.batch)
	par.For(n, op.chunk)
	size := len(c.wt)
	sum := op.partial[:size]
	for i := 1; i < n; i++ {
		simd.Add(sum, op.partial[i*size:(i+1)*size])
	}
	g := c.g
	layout.KernelOIHW(op.data(), sum, g.channels, g.c, g.kh, g.kw)
	op.gz = nil
	return op.out, nil
}

func (op *convFilterGradOp) runChunk(ch int) {
	c := op.conv
	g, k := c.g, c.g.patch()
	lo, hi := chunkRange(ch, c.batch)
	r0, r1 := g.rows(lo), g.rows(hi)
	size := g.channels * k
	gemmSerial(true, false, g.channels, k, r1-r0, op.gz[r0*g.channels:r1*g.channels], c.patches[r0*k:r1*k], op.partial[ch*size:(ch+1)*size])
}

// convDataGradOp is dL/dx of a convOp, NHWC like x: per chunk gz · wt
// (rows × K, the gradient of every patch), then col2im.
type convDataGradOp struct {
	opBase
	conv  *convOp
	dp    []float32 // B·oh·ow × K
	gz    []float32
	chunk func(int)
}

func newConvDataGradOp(conv *convOp) *convDataGradOp {
	g := conv.g
	op := &convDataGradOp{
		opBase: newBase("conv2d_data_grad", conv.id<<8|2, []int{4, 4}, conv.batch, g.h, g.w, g.c),
		conv:   conv,
		dp:     make([]float32, len(conv.patches)),
	}
	op.chunk = op.runChunk
	return op
}

func (op *convDataGradOp) Do(vs ...G.Value) (G.Value, error) {
	var err error
	if op.gz, err = floats(vs[1], len(op.conv.data())); err != nil {
		return nil, err
	}
	par.For(chunks(op.conv.batch), op.chunk)
	op.gz = nil
	return op.out, nil
}

func (op *convDataGradOp) runChunk(ch int) {
	c := op.conv
	g, k := c.g, c.g.patch()
	lo, hi := chunkRange(ch, c.batch)
	r0, r1 := g.rows(lo), g.rows(hi)
	dp := op.dp[r0*k : r1*k]
	gemmSerial(false, false, r1-r0, k, g.channels, op.gz[r0*g.channels:r1*g.channels], c.wt, dp)
	col2im(g, hi-lo, dp, op.data()[lo*g.inSize():])
}

// ---- shared backward ops ----

// actOut is the activation an op applies to its output, for its gradient.
type actOut struct {
	act model.Activation
	// poolMasks: the output feeds only a maxPoolOp with actBefore, whose
	// gradient already applies this activation's mask (see maxPoolOp).
	poolMasks bool
}

// gradBefore is the gradient before the activation of the op fwd whose
// output node is out, given grad, the gradient after it.
func (a actOut) gradBefore(fwd *opBase, out, grad *G.Node) (*G.Node, error) {
	if a.poolMasks {
		return grad, nil
	}
	return activationGrad(a.act, fwd, out, grad)
}

// activationGrad is the gradient before the activation act of the op
// whose output node is out: grad itself for a linear layer, an actGradOp
// for ReLU and ReLU6.
func activationGrad(act model.Activation, fwd *opBase, out, grad *G.Node) (*G.Node, error) {
	if act != model.ReLU && act != model.ReLU6 {
		return grad, nil
	}
	return apply(newActGradOp(fwd, act), out, grad)
}

// actGradOp is gy where the activation passed its input (ReLU: y > 0;
// ReLU6: 0 < y < 6), else 0, y being the activation's output.
type actGradOp struct {
	opBase
	act   model.Activation
	y, gy []float32
	chunk func(int)
}

func newActGradOp(fwd *opBase, act model.Activation) *actGradOp {
	name := "relu_grad"
	if act == model.ReLU6 {
		name = "relu6_grad"
	}
	op := &actGradOp{opBase: newBase(name, fwd.id<<8|3, []int{len(fwd.shape), len(fwd.shape)}, fwd.shape...), act: act}
	op.chunk = op.runChunk
	return op
}

// elementChunk is how many values one goroutine takes in elementwise ops.
const elementChunk = 1 << 15

func (op *actGradOp) Do(vs ...G.Value) (G.Value, error) {
	n := len(op.data())
	var err error
	if op.y, err = floats(vs[0], n); err != nil {
		return nil, err
	}
	if op.gy, err = floats(vs[1], n); err != nil {
		return nil, err
	}
	par.For((n+elementChunk-1)/elementChunk, op.chunk)
	op.y, op.gy = nil, nil
	return op.out, nil
}

func (op *actGradOp) runChunk(c int) {
	lo := c * elementChunk
	hi := min(lo+elementChunk, len(op.y))
	actGrad(op.act, op.data()[lo:hi], op.y[lo:hi], op.gy[lo:hi])
}

// biasGradOp is dL/db: the column sums of gz, rows × n. The rows are cut
// into chunks of biasRows, each summed in row order on its own, and the
// chunks' sums are added in chunk order.
type biasGradOp struct {
	opBase
	rows    int
	partial []float32 // chunks × n
	gz      []float32
	chunk   func(int)
}

// biasRows is the rows one goroutine sums in biasGradOp: 8 images of conv1.
const biasRows = 8 * 26 * 26

func newBiasGradOp(fwd *opBase, n, rows int) *biasGradOp {
	op := &biasGradOp{
		opBase:  newBase("bias_grad", fwd.id<<8|4, []int{len(fwd.shape)}, n),
		rows:    rows,
		partial: make([]float32, (rows+biasRows-1)/biasRows*n),
	}
	op.chunk = op.runChunk
	return op
}

func (op *biasGradOp) Do(vs ...G.Value) (G.Value, error) {
	n := len(op.data())
	var err error
	if op.gz, err = floats(vs[0], op.rows*n); err != nil {
		return nil, err
	}
	chunks := len(op.partial) / n
	par.For(chunks, op.chunk)
	sum := op.data()
	copy(sum, op.partial[:n])
	for c := 1; c < chunks; c++ {
		simd.Add(sum, op.partial[c*n:(c+1)*n])
	}
	op.gz = nil
	return op.out, nil
}

func (op *biasGradOp) runChunk(c int) {
	n := len(op.data())
	lo, hi := c*biasRows, min((c+1)*biasRows, op.rows)
	sum := op.partial[c*n : (c+1)*n]
	clear(sum)
	simd.SumRows(sum, op.gz[lo*n:hi*n])
}

// ---- max pool ----

// maxPoolOp is the maximum of every window of x (B, h, w, c), the cells
// of a window outside the image (SAME padding) left out; it keeps, for
// every output value, the index of the input it took.
//
// With actBefore, x is the output of a ReLU (or ReLU6) that feeds nothing
// else, and the pool's gradient is taken through that activation too: the
// gradient of z in y = max(z, 0) is gy·[y > 0] (ReLU6: gy·[0 < y < 6]),
// and the only y with a gradient are the values the pool took, which are
// its outputs. So each output's gradient goes to its argmax when the
// output passes the test, and the activation's own backward pass over the
// whole of y (the largest tensor of the net) is not needed.
type maxPoolOp struct {
	opBase
	g         geom
	batch     int
	actBefore bool
	limit     uint32 // with actBefore: gradLimit of the activation
	arg       []int32
	x         []float32
	chunk     func(int)
}

func newMaxPoolOp(id int, g geom, batch int) *maxPoolOp {
	op := &maxPoolOp{
		opBase: newBase("max_pool_2d", id, []int{4}, batch, g.oh, g.ow, g.c),
		g:      g, batch: batch,
		arg: make([]int32, batch*g.outSize()),
	}
	op.chunk = op.runChunk
	return op
}

func (op *maxPoolOp) Do(vs ...G.Value) (G.Value, error) {
	var err error
	if op.x, err = floats(vs[0], op.batch*op.g.inSize()); err != nil {
		return nil, err
	}
	par.For(chunks(op.batch), op.chunk)
	op.x = nil
	return op.out, nil
}

func (op *maxPoolOp) runChunk(c int) {
	g := op.g
	lo, hi := chunkRange(c, op.batch)
	o0, o1 := lo*g.outSize(), hi*g.outSize()
	maxPool(g, hi-lo, op.x[lo*g.inSize():], op.data()[o0:o1], op.arg[o0:o1])
}

func (op *maxPoolOp) DiffWRT(int) []bool { return []bool{true} }

func (op *maxPoolOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	gop := &maxPoolGradOp{
		opBase: newBase("max_pool_2d_grad", op.id<<8|1, []int{4, 4}, op.batch, op.g.h, op.g.w, op.g.c),
		pool:   op,
	}
	gop.chunk = gop.runChunk
	dx, err := apply(gop, out, grad)
	return G.Nodes{dx}, err
}

// maxPoolGradOp is dL/dx of a maxPoolOp: each output's gradient at the
// input its window took.
type maxPoolGradOp struct {
	opBase
	pool  *maxPoolOp
	gy    []float32
	chunk func(int)
}

func (op *maxPoolGradOp) Do(vs ...G.Value) (G.Value, error) {
	var err error
	if op.gy, err = floats(vs[1], len(op.pool.arg)); err != nil {
		return nil, err
	}
	par.For(chunks(op.pool.batch), op.chunk)
	op.gy = nil
	return op.out, nil
}

func (op *maxPoolGradOp) runChunk(c int) {
	p := op.pool
	g := p.g
	lo, hi := chunkRange(c, p.batch)
	o0, o1 := lo*g.outSize(), hi*g.outSize()
	var y []float32
	if p.actBefore {
		y = p.data()[o0:o1]
	}
	maxPoolGrad(g, hi-lo, op.gy[o0:o1], y, p.limit, p.arg[o0:o1], op.data()[lo*g.inSize():])
}

// ---- flatten ----

// flattenOp turns NHWC feature maps (B, h, w, c) into rows (B, c·h·w) in
// the checkpoint's (C, H, W) order; inverse is its gradient.
type flattenOp struct {
	opBase
	n, h, w, c int
	inverse    bool
}

func newFlattenOp(id int, n, h, w, c int, inverse bool) *flattenOp {
	op := &flattenOp{n: n, h: h, w: w, c: c, inverse: inverse}
	if inverse {
		op.opBase = newBase("unflatten", id, []int{2, 2}, n, h, w, c)
	} else {
		op.opBase = newBase("flatten", id, []int{4}, n, h*w*c)
	}
	return op
}

func (op *flattenOp) Do(vs ...G.Value) (G.Value, error) {
	src, err := floats(vs[len(vs)-1], op.n*op.h*op.w*op.c)
	if err != nil {
		return nil, err
	}
	if op.inverse {
		layout.UnflattenCHW(op.data(), src, op.n, op.h, op.w, op.c)
	} else {
		layout.FlattenCHW(op.data(), src, op.n, op.h, op.w, op.c)
	}
	return op.out, nil
}

func (op *flattenOp) DiffWRT(int) []bool { return []bool{true} }

func (op *flattenOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	dx, err := apply(newFlattenOp(op.id<<8|1, op.n, op.h, op.w, op.c, true), out, grad)
	return G.Nodes{dx}, err
}

// ---- dense ----

// denseOp is y = act(x·w + b) for x (B, in), w (in, out), b (out).
type denseOp struct {
	opBase
	batch, in, units int
	act              model.Activation
	inputGrad        bool // whether x needs a gradient (not when no weight comes before)
	mm               *gemm
}

func newDenseOp(id int, batch, in, units int, act model.Activation, inputGrad bool) *denseOp {
	return &denseOp{
		opBase: newBase("dense", id, []int{2, 2, 1}, batch, units),
		batch:  batch, in: in, units: units, act: act, inputGrad: inputGrad,
		mm: newGemm(false, false, batch, units, in),
	}
}

func (op *denseOp) Do(vs ...G.Value) (G.Value, error) {
	x, err := floats(vs[0], op.batch*op.in)
	if err != nil {
		return nil, err
	}
	w, err := floats(vs[1], op.in*op.units)
	if err != nil {
		return nil, err
	}
	b, err := floats(vs[2], op.units)
	if err != nil {
		return nil, err
	}
	op.mm.run(x, w, op.data())
	biasAct(op.data(), b, op.act)
	return op.out, nil
}

func (op *denseOp) DiffWRT(int) []bool { return []bool{op.inputGrad, true, true} }

func (op *denseOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	gz, err := activationGrad(op.act, &op.opBase, out, grad)
	if err != nil {
		return nil, err
	}
	// dx = gz·wᵀ (B × in), dw = xᵀ·gz (in × out).
	var dx *G.Node
	if op.inputGrad {
		if dx, err = apply(newMatMulOp("dense_data_grad", op.id<<8|1, false, true, op.batch, op.in, op.units), gz, in[1]); err != nil {
			return nil, err
		}
	}
	dw, err := apply(newMatMulOp("dense_filter_grad", op.id<<8|2, true, false, op.in, op.units, op.batch), in[0], gz)
	if err != nil {
		return nil, err
	}
	db, err := apply(newBiasGradOp(&op.opBase, op.units, op.batch), gz)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx, dw, db}, nil
}

// matMulOp is op(A)·op(B) (m × n) for its two inputs.
type matMulOp struct {
	opBase
	mm *gemm
}

func newMatMulOp(name string, id int, tA, tB bool, m, n, k int) *matMulOp {
	return &matMulOp{opBase: newBase(name, id, []int{2, 2}, m, n), mm: newGemm(tA, tB, m, n, k)}
}

func (op *matMulOp) Do(vs ...G.Value) (G.Value, error) {
	g := op.mm
	a, err := floats(vs[0], g.m*g.k)
	if err != nil {
		return nil, err
	}
	b, err := floats(vs[1], g.k*g.n)
	if err != nil {
		return nil, err
	}
	g.run(a, b, op.data())
	return op.out, nil
}

// ---- loss ----

// softmaxCEOp is the mean softmax cross-entropy of logits (B, classes)
// against one-hot labels (B, classes), a scalar; it keeps the softmax.
type softmaxCEOp struct {
	opBase
	batch, classes int
	prob           []float32
}

func newSoftmaxCEOp(id int, batch, classes int) *softmaxCEOp {
	return &softmaxCEOp{
		opBase: newBase("softmax_cross_entropy", id, []int{2, 2}),
		batch:  batch, classes: classes,
		prob: make([]float32, batch*classes),
	}
}

func (op *softmaxCEOp) Do(vs ...G.Value) (G.Value, error) {
	z, err := floats(vs[0], len(op.prob))
	if err != nil {
		return nil, err
	}
	y, err := floats(vs[1], len(op.prob))
	if err != nil {
		return nil, err
	}
	*op.scalar = G.F32(softmaxCE(z, y, op.prob, op.classes))
	return op.scalar, nil
}

func (op *softmaxCEOp) DiffWRT(int) []bool { return []bool{true, false} }

func (op *softmaxCEOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	gop := &softmaxCEGradOp{opBase: newBase("softmax_cross_entropy_grad", op.id<<8|1, []int{2, 2, 0}, op.batch, op.classes), ce: op}
	dz, err := apply(gop, in[0], in[1], grad)
	return G.Nodes{dz, nil}, err
}

// softmaxCEGradOp is dL/dlogits = g·(softmax − labels)/B.
type softmaxCEGradOp struct {
	opBase
	ce *softmaxCEOp
}

func (op *softmaxCEGradOp) Do(vs ...G.Value) (G.Value, error) {
	y, err := floats(vs[1], len(op.ce.prob))
	if err != nil {
		return nil, err
	}
	g, err := scalarOf(vs[2])
	if err != nil {
		return nil, err
	}
	s := g / float32(op.ce.batch)
	dz := op.data()
	for i, p := range op.ce.prob {
		dz[i] = (p - y[i]) * s
	}
	return op.out, nil
}
