package train

import (
	"github.com/mnistcnn/mnistcnn/internal/layout"
	"github.com/mnistcnn/mnistcnn/internal/par"
	"github.com/mnistcnn/mnistcnn/internal/simd"
	"github.com/mnistcnn/mnistcnn/model"
	G "gorgonia.org/gorgonia"
)

// The ops of the layers beyond the reference CNN's: depthwise convolution,
// average and global average pooling, dropout. Same conventions as ops.go:
// own buffers, NHWC, work cut into chunks of chunkImages images fixed by the
// batch alone.

// ---- depthwise convolution ----

// depthwiseOp is y = act(depthwise(x, w) + b) for NHWC x (B, h, w, c), w as
// the checkpoint keeps it (c·m, 1, kh, kw) and b (c·m); output channel
// ch·m+j reads input channel ch (layers.go: depthwise).
type depthwiseOp struct {
	opBase
	actOut
	g         geom
	batch     int
	inputGrad bool

	wt      []float32 // the filters tap-major (1, kh, kw, c·m), of the current step
	rows    bool      // whole rows of output pixels at once (layers.go: dwRows)
	wrep    []float32 // with rows: the filters repeated along a row (repeatTaps)
	rep     []float32 // chunks × c·m: each chunk's repeated pixel (multiplier > 1)
	x, bias []float32 // operands while running
	fwd     func(int)
}

func newDepthwiseOp(id int, g geom, batch int, act model.Activation, inputGrad bool) *depthwiseOp {
	op := &depthwiseOp{
		opBase: newBase("depthwise_conv2d", id, []int{4, 4, 1}, batch, g.oh, g.ow, g.channels),
		actOut: actOut{act: act},
		g:      g, batch: batch, inputGrad: inputGrad,
		wt:   make([]float32, g.kh*g.kw*g.channels),
		rows: dwRows(g),
		rep:  make([]float32, chunks(batch)*g.channels),
	}
	if op.rows {
		op.wrep = make([]float32, g.kh*g.kw*g.ow*g.c)
	}
	op.fwd = op.forwardChunk
	return op
}

// chunkRep is chunk c's scratch row of c·m values.
func (op *depthwiseOp) chunkRep(c int) []float32 {
	return op.rep[c*op.g.channels : (c+1)*op.g.channels]
}

func (op *depthwiseOp) Do(vs ...G.Value) (G.Value, error) {
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
	layout.DepthwiseKernel1HWO(op.wt, w, g.channels, g.kh, g.kw)
	if op.rows {
		repeatTaps(g, op.wt, op.wrep)
	}
	op.x = x
	par.For(chunks(op.batch), op.fwd)
	op.x, op.bias = nil, nil
	return op.out, nil
}

func (op *depthwiseOp) forwardChunk(c int) {
	g := op.g
	lo, hi := chunkRange(c, op.batch)
	y := op.data()[lo*g.outSize() : hi*g.outSize()]
	if op.rows {
		depthwiseRows(g, hi-lo, op.x[lo*g.inSize():], op.wrep, y)
	} else {
		depthwise(g, hi-lo, op.x[lo*g.inSize():], op.wt, y, op.chunkRep(c))
	}
	biasAct(y, op.bias, op.act)
}

func (op *depthwiseOp) DiffWRT(int) []bool { return []bool{op.inputGrad, true, true} }

func (op *depthwiseOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	gz, err := op.gradBefore(&op.opBase, out, grad)
	if err != nil {
		return nil, err
	}
	dw, err := apply(newDepthwiseFilterGradOp(op), in[0], gz)
	if err != nil {
		return nil, err
	}
	db, err := apply(newBiasGradOp(&op.opBase, op.g.channels, op.g.rows(op.batch)), gz)
	if err != nil {
		return nil, err
	}
	var dx *G.Node
	if op.inputGrad {
		if dx, err = apply(newDepthwiseDataGradOp(op), in[1], gz); err != nil {
			return nil, err
		}
	}
	return G.Nodes{dx, dw, db}, nil
}

// depthwiseFilterGradOp is dL/dw of a depthwiseOp, (c·m, 1, kh, kw), from
// gz, the gradient before the activation: per chunk of images the sum over
// its output pixels of gz times the input each tap read, the chunks' sums
// added in chunk order.
type depthwiseFilterGradOp struct {
	opBase
	dw      *depthwiseOp
	partial []float32 // chunks × kh·kw·c·m, tap-major
	acc     []float32 // with rows: chunks × kh·kw·ow·c (depthwiseFilterGradRows)
	x, gz   []float32
	chunk   func(int)
}

func newDepthwiseFilterGradOp(dw *depthwiseOp) *depthwiseFilterGradOp {
	g := dw.g
	op := &depthwiseFilterGradOp{
		opBase:  newBase("depthwise_conv2d_filter_grad", dw.id<<8|1, []int{4, 4}, g.channels, 1, g.kh, g.kw),
		dw:      dw,
		partial: make([]float32, chunks(dw.batch)*len(dw.wt)),
	}
	if dw.rows {
		op.acc = make([]float32, chunks(dw.batch)*len(dw.wrep))
	}
	op.chunk = op.runChunk
	return op
}

func (op *depthwiseFilterGradOp) Do(vs ...G.Value) (G.Value, error) {
	d := op.dw
	var err error
	if op.x, err = floats(vs[0], d.batch*d.g.inSize()); err != nil {
		return nil, err
	}
	if op.gz, err = floats(vs[1], len(d.data())); err != nil {
		return nil, err
	}
	n := chunks(d.batch)
	par.For(n, op.chunk)
	size := len(d.wt)
	sum := op.partial[:size]
	for i := 1; i < n; i++ {
		simd.Add(sum, op.partial[i*size:(i+1)*size])
	}
	layout.DepthwiseKernelO1HW(op.data(), sum, d.g.channels, d.g.kh, d.g.kw)
	op.x, op.gz = nil, nil
	return op.out, nil
}

func (op *depthwiseFilterGradOp) runChunk(c int) {
	d := op.dw
	g := d.g
	lo, hi := chunkRange(c, d.batch)
	size := len(d.wt)
	part := op.partial[c*size : (c+1)*size]
	clear(part)
	x, gz := op.x[lo*g.inSize():], op.gz[lo*g.outSize():hi*g.outSize()]
	if d.rows {
		n := len(d.wrep)
		depthwiseFilterGradRows(g, hi-lo, x, gz, part, op.acc[c*n:(c+1)*n])
		return
	}
	depthwiseFilterGrad(g, hi-lo, x, gz, part, d.chunkRep(c))
}

// depthwiseDataGradOp is dL/dx of a depthwiseOp, NHWC like x.
type depthwiseDataGradOp struct {
	opBase
	dw    *depthwiseOp
	rep   []float32 // chunks × c·m
	gz    []float32
	chunk func(int)
}

func newDepthwiseDataGradOp(dw *depthwiseOp) *depthwiseDataGradOp {
	g := dw.g
	op := &depthwiseDataGradOp{
		opBase: newBase("depthwise_conv2d_data_grad", dw.id<<8|2, []int{4, 4}, dw.batch, g.h, g.w, g.c),
		dw:     dw,
		rep:    make([]float32, len(dw.rep)),
	}
	op.chunk = op.runChunk
	return op
}

func (op *depthwiseDataGradOp) Do(vs ...G.Value) (G.Value, error) {
	var err error
	if op.gz, err = floats(vs[1], len(op.dw.data())); err != nil {
		return nil, err
	}
	par.For(chunks(op.dw.batch), op.chunk)
	op.gz = nil
	return op.out, nil
}

func (op *depthwiseDataGradOp) runChunk(c int) {
	d := op.dw
	g := d.g
	lo, hi := chunkRange(c, d.batch)
	gz, dx := op.gz[lo*g.outSize():hi*g.outSize()], op.data()[lo*g.inSize():]
	if d.rows {
		depthwiseDataGradRows(g, hi-lo, gz, d.wrep, dx)
		return
	}
	depthwiseDataGrad(g, hi-lo, gz, d.wt, dx, op.rep[c*g.channels:(c+1)*g.channels])
}

// ---- average pool ----

// avgPoolOp is the mean of every window of x (B, h, w, c) over its cells
// inside the image (layers.go: avgPool).
type avgPoolOp struct {
	opBase
	g     geom
	batch int
	x     []float32
	chunk func(int)
}

func newAvgPoolOp(id int, g geom, batch int) *avgPoolOp {
	op := &avgPoolOp{opBase: newBase("average_pool_2d", id, []int{4}, batch, g.oh, g.ow, g.c), g: g, batch: batch}
	op.chunk = op.runChunk
	return op
}

func (op *avgPoolOp) Do(vs ...G.Value) (G.Value, error) {
	var err error
	if op.x, err = floats(vs[0], op.batch*op.g.inSize()); err != nil {
		return nil, err
	}
	par.For(chunks(op.batch), op.chunk)
	op.x = nil
	return op.out, nil
}

func (op *avgPoolOp) runChunk(c int) {
	g := op.g
	lo, hi := chunkRange(c, op.batch)
	avgPool(g, hi-lo, op.x[lo*g.inSize():], op.data()[lo*g.outSize():hi*g.outSize()])
}

func (op *avgPoolOp) DiffWRT(int) []bool { return []bool{true} }

func (op *avgPoolOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	dx, err := apply(newAvgPoolGradOp(op), out, grad)
	return G.Nodes{dx}, err
}

// avgPoolGradOp is dL/dx of an avgPoolOp.
type avgPoolGradOp struct {
	opBase
	pool  *avgPoolOp
	tmp   []float32 // chunks × c
	gy    []float32
	chunk func(int)
}

func newAvgPoolGradOp(p *avgPoolOp) *avgPoolGradOp {
	op := &avgPoolGradOp{
		opBase: newBase("average_pool_2d_grad", p.id<<8|1, []int{4, 4}, p.batch, p.g.h, p.g.w, p.g.c),
		pool:   p,
		tmp:    make([]float32, chunks(p.batch)*p.g.c),
	}
	op.chunk = op.runChunk
	return op
}

func (op *avgPoolGradOp) Do(vs ...G.Value) (G.Value, error) {
	var err error
	if op.gy, err = floats(vs[1], len(op.pool.data())); err != nil {
		return nil, err
	}
	par.For(chunks(op.pool.batch), op.chunk)
	op.gy = nil
	return op.out, nil
}

func (op *avgPoolGradOp) runChunk(c int) {
	p := op.pool
	g := p.g
	lo, hi := chunkRange(c, p.batch)
	avgPoolGrad(g, hi-lo, op.gy[lo*g.outSize():hi*g.outSize()], op.data()[lo*g.inSize():], op.tmp[c*g.c:(c+1)*g.c])
}

// ---- global average pool ----

// gapOp is the mean over the pixels of each channel of x (B, h, w, c):
// (B, c).
type gapOp struct {
	opBase
	batch, pixels, c int
	inverse          bool // the gradient: (B, c) back to (B, h, w, c)
	h, w             int
	x                []float32
	chunk            func(int)
}

func newGAPOp(id int, batch, h, w, c int, inverse bool) *gapOp {
	op := &gapOp{batch: batch, pixels: h * w, c: c, inverse: inverse, h: h, w: w}
	if inverse {
		op.opBase = newBase("global_average_pool_grad", id, []int{2, 2}, batch, h, w, c)
	} else {
		op.opBase = newBase("global_average_pool", id, []int{4}, batch, c)
	}
	op.chunk = op.runChunk
	return op
}

func (op *gapOp) Do(vs ...G.Value) (G.Value, error) {
	n := op.batch * op.c
	if !op.inverse {
		n *= op.pixels
	}
	var err error
	if op.x, err = floats(vs[len(vs)-1], n); err != nil {
		return nil, err
	}
	par.For(chunks(op.batch), op.chunk)
	op.x = nil
	return op.out, nil
}

func (op *gapOp) runChunk(c int) {
	lo, hi := chunkRange(c, op.batch)
	img, row := op.pixels*op.c, op.c
	if op.inverse {
		globalAvgPoolGrad(op.pixels, op.c, hi-lo, op.x[lo*row:hi*row], op.data()[lo*img:hi*img])
		return
	}
	globalAvgPool(op.pixels, op.c, hi-lo, op.x[lo*img:hi*img], op.data()[lo*row:hi*row])
}

func (op *gapOp) DiffWRT(int) []bool { return []bool{true} }

func (op *gapOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	dx, err := apply(newGAPOp(op.id<<8|1, op.batch, op.h, op.w, op.c, true), out, grad)
	return G.Nodes{dx}, err
}

// ---- dropout ----

// dropoutOp is inverted dropout, y = x ⊙ mask, where mask holds 0 for a
// dropped value and 1/(1−rate) for a kept one; the net draws the mask
// before every step (dropout.go). Its gradient is gy ⊙ mask. Evaluation
// graphs have no dropout op.
type dropoutOp struct {
	opBase
	rate  float64
	mask  []float32
	x     []float32
	chunk func(int)
	grad  bool // the gradient op: x is gy
}

func newDropoutOp(id int, rate float64, shape []int) *dropoutOp {
	op := &dropoutOp{opBase: newBase("dropout", id, []int{len(shape)}, shape...), rate: rate}
	op.mask = make([]float32, len(op.data()))
	op.chunk = op.runChunk
	return op
}

func (op *dropoutOp) Do(vs ...G.Value) (G.Value, error) {
	var err error
	if op.x, err = floats(vs[len(vs)-1], len(op.mask)); err != nil {
		return nil, err
	}
	par.For((len(op.mask)+elementChunk-1)/elementChunk, op.chunk)
	op.x = nil
	return op.out, nil
}

func (op *dropoutOp) runChunk(c int) {
	lo := c * elementChunk
	hi := min(lo+elementChunk, len(op.mask))
	y, x, m := op.data()[lo:hi], op.x[lo:hi], op.mask[lo:hi]
	for i, v := range x {
		y[i] = v * m[i]
	}
}

func (op *dropoutOp) DiffWRT(int) []bool { return []bool{true} }

func (op *dropoutOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	gop := &dropoutOp{
		opBase: newBase("dropout_grad", op.id<<8|1, []int{len(op.shape), len(op.shape)}, op.shape...),
		rate:   op.rate, mask: op.mask, grad: true,
	}
	gop.chunk = gop.runChunk
	dx, err := apply(gop, out, grad)
	return G.Nodes{dx}, err
}
