package tflite

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"unsafe"
)

var le = binary.LittleEndian

// Decode reads a .tflite flatbuffer. It checks the bytes before it trusts
// them: every offset, vtable and vector must lie inside b and be aligned to
// what it holds, strings must end in NUL, the file identifier must be "TFL3"
// (a file without it is refused) and the schema version 3. The result is then
// checked with Validate. Decode never panics, and what it allocates is bounded
// (16×len(b) + 64 KiB of decoded data and structs) however the bytes claim
// otherwise. The Model does not share memory with b: buffer data is copied.
//
// Fields Model does not hold (signature defs, custom options, sparsity, ...)
// are skipped. Builtin options of a kind Model does not hold decode to nil
// Options. Buffers stored outside the flatbuffer (offset and size, as large
// models do) are read from b at that offset, relative to the start of the file.
func Decode(b []byte) (*Model, error) {
	if len(b) < 16 {
		return nil, fmt.Errorf("tflite: file of %d bytes is too short to be a model", len(b))
	}
	if id := string(b[4:8]); id != FileIdentifier {
		return nil, fmt.Errorf("tflite: file identifier is %q, want %q", id, FileIdentifier)
	}
	d := decoder{b: b, budget: 16*len(b) + 1<<16}
	root, err := d.root()
	if err != nil {
		return nil, fmt.Errorf("tflite: model: %w", err)
	}
	m, err := d.model(root)
	if err != nil {
		return nil, err
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return m, nil
}

// decoder reads verified parts of a flatbuffer. budget is how many bytes the
// decoded model may still take; shared offsets could otherwise make a small
// file decode to a huge model.
type decoder struct {
	b      []byte
	budget int
	codes  []OperatorCode // the model's, once read
}

// table is a verified table: its inline data starts at pos and is size bytes
// long; its vtable at vt is vtSize bytes long.
type table struct {
	pos, size, vt, vtSize int
}

var errBudget = errors.New("the file refers to the same data too often")

func (d *decoder) charge(n int) error {
	if n < 0 || n > d.budget {
		d.budget = 0
		return errBudget
	}
	d.budget -= n
	return nil
}

func (d *decoder) root() (table, error) {
	off := le.Uint32(d.b)
	if uint64(off) >= uint64(len(d.b)) || off < 8 {
		return table{}, fmt.Errorf("root offset %d out of range (file is %d bytes)", off, len(d.b))
	}
	return d.table(int(off))
}

// table verifies the table at pos.
func (d *decoder) table(pos int) (table, error) {
	n := len(d.b)
	if pos < 0 || pos%4 != 0 || pos > n-4 {
		return table{}, fmt.Errorf("table at %d out of range or misaligned", pos)
	}
	vt := int64(pos) - int64(int32(le.Uint32(d.b[pos:])))
	if vt < 0 || vt%2 != 0 || vt > int64(n-4) {
		return table{}, fmt.Errorf("vtable of table at %d: offset %d out of range or misaligned", pos, vt)
	}
	t := table{pos: pos, vt: int(vt)}
	t.vtSize = int(le.Uint16(d.b[t.vt:]))
	t.size = int(le.Uint16(d.b[t.vt+2:]))
	if t.vtSize < 4 || t.vtSize%2 != 0 || t.vtSize > n-t.vt {
		return table{}, fmt.Errorf("vtable at %d: size %d out of range", t.vt, t.vtSize)
	}
	if t.size < 4 || t.size > n-pos {
		return table{}, fmt.Errorf("table at %d: size %d out of range", pos, t.size)
	}
	return t, nil
}

// field returns the position of field id of t, which is size bytes wide, or
// 0 if the field is absent.
func (d *decoder) field(t table, id, size int) (int, error) {
	vo := 4 + 2*id
	if vo+2 > t.vtSize {
		return 0, nil
	}
	off := int(le.Uint16(d.b[t.vt+vo:]))
	if off == 0 {
		return 0, nil
	}
	if off < 4 || off+size > t.size {
		return 0, fmt.Errorf("field %d of table at %d lies outside the table", id, t.pos)
	}
	p := t.pos + off
	if p%size != 0 {
		return 0, fmt.Errorf("field %d of table at %d is misaligned", id, t.pos)
	}
	return p, nil
}

func (d *decoder) u8(t table, id int, def uint8) (uint8, error) {
	p, err := d.field(t, id, 1)
	if p == 0 || err != nil {
		return def, err
	}
	return d.b[p], nil
}

func (d *decoder) i8(t table, id int, def int8) (int8, error) {
	v, err := d.u8(t, id, uint8(def))
	return int8(v), err
}

func (d *decoder) u32(t table, id int, def uint32) (uint32, error) {
	p, err := d.field(t, id, 4)
	if p == 0 || err != nil {
		return def, err
	}
	return le.Uint32(d.b[p:]), nil
}

func (d *decoder) i32(t table, id int, def int32) (int32, error) {
	v, err := d.u32(t, id, uint32(def))
	return int32(v), err
}

func (d *decoder) u64(t table, id int) (uint64, error) {
	p, err := d.field(t, id, 8)
	if p == 0 || err != nil {
		return 0, err
	}
	return le.Uint64(d.b[p:]), nil
}

// ref follows the offset in field id of t; it returns 0 if the field is
// absent.
func (d *decoder) ref(t table, id int) (int, error) {
	p, err := d.field(t, id, 4)
	if p == 0 || err != nil {
		return 0, err
	}
	off := le.Uint32(d.b[p:])
	if off == 0 || uint64(off) >= uint64(len(d.b)-p) {
		return 0, fmt.Errorf("field %d of table at %d: offset %d out of range", id, t.pos, off)
	}
	return p + int(off), nil
}

// subtable returns the table that field id of t refers to; ok is false if the
// field is absent.
func (d *decoder) subtable(t table, id int) (sub table, ok bool, err error) {
	p, err := d.ref(t, id)
	if p == 0 || err != nil {
		return table{}, false, err
	}
	sub, err = d.table(p)
	return sub, err == nil, err
}

// vector returns where the elements of the vector in field id of t start and
// how many there are, after checking they lie inside the file. An absent
// vector has no elements.
func (d *decoder) vector(t table, id, elemSize int) (start, n int, err error) {
	p, err := d.ref(t, id)
	if p == 0 || err != nil {
		return 0, 0, err
	}
	if p%4 != 0 || p > len(d.b)-4 {
		return 0, 0, fmt.Errorf("vector at %d out of range or misaligned", p)
	}
	count := uint64(le.Uint32(d.b[p:]))
	start = p + 4
	if count*uint64(elemSize) > uint64(len(d.b)-start) {
		return 0, 0, fmt.Errorf("vector at %d of %d elements runs past the end of the file (%d bytes)", p, count, len(d.b))
	}
	if err := d.charge(int(count) * elemSize); err != nil {
		return 0, 0, err
	}
	return start, int(count), nil
}

func (d *decoder) str(t table, id int) (string, error) {
	start, n, err := d.vector(t, id, 1)
	if err != nil || n == 0 {
		return "", err
	}
	if start+n >= len(d.b) || d.b[start+n] != 0 {
		return "", fmt.Errorf("string at %d does not end in NUL", start-4)
	}
	return string(d.b[start : start+n]), nil
}

func (d *decoder) int32s(t table, id int) ([]int32, error) {
	start, n, err := d.vector(t, id, 4)
	if err != nil || n == 0 {
		return nil, err
	}
	v := make([]int32, n)
	for i := range v {
		v[i] = int32(le.Uint32(d.b[start+4*i:]))
	}
	return v, nil
}

func (d *decoder) float32s(t table, id int) ([]float32, error) {
	start, n, err := d.vector(t, id, 4)
	if err != nil || n == 0 {
		return nil, err
	}
	v := make([]float32, n)
	for i := range v {
		v[i] = math.Float32frombits(le.Uint32(d.b[start+4*i:]))
	}
	return v, nil
}

func (d *decoder) int64s(t table, id int) ([]int64, error) {
	start, n, err := d.vector(t, id, 8)
	if err != nil || n == 0 {
		return nil, err
	}
	if start%8 != 0 {
		return nil, fmt.Errorf("vector of int64 at %d is misaligned", start-4)
	}
	v := make([]int64, n)
	for i := range v {
		v[i] = int64(le.Uint64(d.b[start+8*i:]))
	}
	return v, nil
}

// tables calls f for each table of the vector of tables in field id of t,
// after charging the budget for n elements of elemSize bytes each.
func (d *decoder) tables(t table, id int, elemSize uintptr, f func(i int, t table) error) (int, error) {
	start, n, err := d.vector(t, id, 4)
	if err != nil {
		return 0, err
	}
	if err := d.charge(n * int(elemSize)); err != nil {
		return 0, err
	}
	for i := 0; i < n; i++ {
		p := start + 4*i
		off := le.Uint32(d.b[p:])
		if off == 0 || uint64(off) >= uint64(len(d.b)-p) {
			return 0, fmt.Errorf("element %d: offset %d out of range", i, off)
		}
		et, err := d.table(p + int(off))
		if err != nil {
			return 0, fmt.Errorf("element %d: %w", i, err)
		}
		if err := f(i, et); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// count returns the number of elements of a vector of tables without
// charging for it (the elements are charged when tables visits them).
func (d *decoder) count(t table, id int) (int, error) {
	p, err := d.ref(t, id)
	if p == 0 || err != nil {
		return 0, err
	}
	if p%4 != 0 || p > len(d.b)-4 {
		return 0, fmt.Errorf("vector at %d out of range or misaligned", p)
	}
	n := uint64(le.Uint32(d.b[p:]))
	if n*4 > uint64(len(d.b)-p-4) {
		return 0, fmt.Errorf("vector at %d of %d elements runs past the end of the file (%d bytes)", p, n, len(d.b))
	}
	return int(n), nil
}

func (d *decoder) model(t table) (*Model, error) {
	m := &Model{}
	var err error
	wrap := func(what string, err error) error { return fmt.Errorf("tflite: %s: %w", what, err) }
	if m.Version, err = d.u32(t, modelVersion, 0); err != nil {
		return nil, wrap("version", err)
	}
	if m.Version != SchemaVersion {
		return nil, fmt.Errorf("tflite: schema version %d, want %d", m.Version, SchemaVersion)
	}
	if m.Description, err = d.str(t, modelDescription); err != nil {
		return nil, wrap("description", err)
	}

	n, err := d.count(t, modelOperatorCodes)
	if err != nil {
		return nil, wrap("operator codes", err)
	}
	m.OperatorCodes = make([]OperatorCode, n)
	_, err = d.tables(t, modelOperatorCodes, unsafe.Sizeof(OperatorCode{}), func(i int, t table) error {
		oc, err := d.opcode(t)
		m.OperatorCodes[i] = oc
		return err
	})
	if err != nil {
		return nil, wrap("operator codes", err)
	}
	d.codes = m.OperatorCodes

	if n, err = d.count(t, modelSubgraphs); err != nil {
		return nil, wrap("subgraphs", err)
	}
	m.Subgraphs = make([]Subgraph, n)
	_, err = d.tables(t, modelSubgraphs, unsafe.Sizeof(Subgraph{}), func(i int, t table) error {
		if err := d.subgraph(t, &m.Subgraphs[i]); err != nil {
			return fmt.Errorf("subgraph %d %w", i, err) // "subgraph 0 operator 3: ..."
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("tflite: %w", err)
	}

	if n, err = d.count(t, modelBuffers); err != nil {
		return nil, wrap("buffers", err)
	}
	m.Buffers = make([]Buffer, n)
	_, err = d.tables(t, modelBuffers, unsafe.Sizeof(Buffer{}), func(i int, t table) error {
		data, err := d.buffer(t)
		if err != nil {
			return fmt.Errorf("buffer %d: %w", i, err)
		}
		m.Buffers[i].Data = data
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("tflite: %w", err)
	}

	if n, err = d.count(t, modelMetadata); err != nil {
		return nil, wrap("metadata", err)
	}
	if n > 0 {
		m.Metadata = make([]Metadata, n)
	}
	_, err = d.tables(t, modelMetadata, unsafe.Sizeof(Metadata{}), func(i int, t table) error {
		md := &m.Metadata[i]
		var err error
		if md.Name, err = d.str(t, metadataName); err == nil {
			md.Buffer, err = d.u32(t, metadataBuffer, 0)
		}
		if err != nil {
			return fmt.Errorf("metadata %d: %w", i, err)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("tflite: %w", err)
	}
	return m, nil
}

func (d *decoder) opcode(t table) (OperatorCode, error) {
	var oc OperatorCode
	dep, err := d.i8(t, opcodeDeprecatedBuiltin, 0)
	if err != nil {
		return oc, err
	}
	code, err := d.i32(t, opcodeBuiltin, 0)
	if err != nil {
		return oc, err
	}
	// Files from before builtin_code existed only have the deprecated field;
	// newer ones hold 127 there for codes above 126.
	oc.Builtin = BuiltinOperator(max(int32(dep), code))
	if oc.Custom, err = d.str(t, opcodeCustom); err != nil {
		return oc, err
	}
	oc.Version, err = d.i32(t, opcodeVersion, 1)
	return oc, err
}

func (d *decoder) subgraph(t table, sg *Subgraph) error {
	var err error
	if sg.Name, err = d.str(t, subgraphName); err != nil {
		return fmt.Errorf("name: %w", err)
	}
	if sg.Inputs, err = d.int32s(t, subgraphInputs); err != nil {
		return fmt.Errorf("inputs: %w", err)
	}
	if sg.Outputs, err = d.int32s(t, subgraphOutputs); err != nil {
		return fmt.Errorf("outputs: %w", err)
	}
	n, err := d.count(t, subgraphTensors)
	if err != nil {
		return fmt.Errorf("tensors: %w", err)
	}
	sg.Tensors = make([]Tensor, n)
	_, err = d.tables(t, subgraphTensors, unsafe.Sizeof(Tensor{}), func(i int, t table) error {
		if err := d.tensor(t, &sg.Tensors[i]); err != nil {
			return fmt.Errorf("tensor %d: %w", i, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if n, err = d.count(t, subgraphOperators); err != nil {
		return fmt.Errorf("operators: %w", err)
	}
	sg.Operators = make([]Operator, n)
	_, err = d.tables(t, subgraphOperators, unsafe.Sizeof(Operator{}), func(i int, t table) error {
		if err := d.operator(t, &sg.Operators[i]); err != nil {
			return fmt.Errorf("operator %d: %w", i, err)
		}
		return nil
	})
	return err
}

func (d *decoder) tensor(t table, ts *Tensor) error {
	var err error
	if ts.Name, err = d.str(t, tensorName); err != nil {
		return fmt.Errorf("name: %w", err)
	}
	if ts.Shape, err = d.int32s(t, tensorShape); err != nil {
		return fmt.Errorf("shape: %w", err)
	}
	if ts.ShapeSignature, err = d.int32s(t, tensorShapeSignature); err != nil {
		return fmt.Errorf("shape_signature: %w", err)
	}
	typ, err := d.i8(t, tensorType, 0)
	if err != nil {
		return fmt.Errorf("type: %w", err)
	}
	ts.Type = TensorType(typ)
	if ts.Buffer, err = d.u32(t, tensorBuffer, 0); err != nil {
		return fmt.Errorf("buffer: %w", err)
	}
	v, err := d.u8(t, tensorIsVariable, 0)
	if err != nil {
		return fmt.Errorf("is_variable: %w", err)
	}
	ts.IsVariable = v != 0
	qt, ok, err := d.subtable(t, tensorQuant)
	if err != nil {
		return fmt.Errorf("quantization: %w", err)
	}
	if ok {
		if err := d.charge(int(unsafe.Sizeof(Quantization{}))); err != nil {
			return err
		}
		q := &Quantization{}
		if q.Min, err = d.float32s(qt, quantMin); err == nil {
			if q.Max, err = d.float32s(qt, quantMax); err == nil {
				if q.Scale, err = d.float32s(qt, quantScale); err == nil {
					if q.ZeroPoint, err = d.int64s(qt, quantZeroPoint); err == nil {
						q.QuantizedDimension, err = d.i32(qt, quantDimension, 0)
					}
				}
			}
		}
		if err != nil {
			return fmt.Errorf("quantization: %w", err)
		}
		// The converter writes an empty table for a float tensor.
		if !q.empty() {
			ts.Quant = q
		}
	}
	return nil
}

func (d *decoder) operator(t table, op *Operator) error {
	var err error
	if op.OpcodeIndex, err = d.u32(t, operatorOpcode, 0); err != nil {
		return fmt.Errorf("opcode_index: %w", err)
	}
	if op.Inputs, err = d.int32s(t, operatorInputs); err != nil {
		return fmt.Errorf("inputs: %w", err)
	}
	if op.Outputs, err = d.int32s(t, operatorOutputs); err != nil {
		return fmt.Errorf("outputs: %w", err)
	}
	typ, err := d.u8(t, operatorOptionsType, 0)
	if err != nil {
		return fmt.Errorf("builtin_options_type: %w", err)
	}
	ot, ok, err := d.subtable(t, operatorOptions)
	if err != nil {
		return fmt.Errorf("builtin_options: %w", err)
	}
	switch {
	case typ == 0 && ok:
		return errors.New("builtin_options present but its type is NONE")
	case typ != 0 && !ok:
		return fmt.Errorf("builtin_options_type %d but no options table", typ)
	case typ == 0:
		return nil
	}
	// Options of a kind Model does not hold decode to nil, which Validate
	// cannot tell from absent options: check the kind against the operator
	// here.
	if int64(op.OpcodeIndex) < int64(len(d.codes)) {
		code := d.codes[op.OpcodeIndex].Builtin
		if a, ok := arities[code]; ok && a.options != 0 && BuiltinOptionsType(typ) != a.options {
			return fmt.Errorf("%v has options of type %d, want %d", code, typ, a.options)
		}
	}
	if op.Options, err = d.options(BuiltinOptionsType(typ), ot); err != nil {
		return fmt.Errorf("builtin options (type %d): %w", typ, err)
	}
	return nil
}

// options decodes one builtin options table; kinds Model does not hold give
// nil.
func (d *decoder) options(typ BuiltinOptionsType, t table) (Options, error) {
	if err := d.charge(64); err != nil {
		return nil, err
	}
	var err error
	i32 := func(id int, def int32) int32 {
		var v int32
		if err == nil {
			v, err = d.i32(t, id, def)
		}
		return v
	}
	i8 := func(id int) int8 {
		var v int8
		if err == nil {
			v, err = d.i8(t, id, 0)
		}
		return v
	}
	var o Options
	switch typ {
	case OptionsConv2D:
		o = &Conv2DOptions{Padding: Padding(i8(0)), StrideW: i32(1, 0), StrideH: i32(2, 0),
			Activation: Activation(i8(3)), DilationW: i32(4, 1), DilationH: i32(5, 1)}
	case OptionsDepthwiseConv2D:
		o = &DepthwiseConv2DOptions{Padding: Padding(i8(0)), StrideW: i32(1, 0), StrideH: i32(2, 0),
			DepthMultiplier: i32(3, 0), Activation: Activation(i8(4)), DilationW: i32(5, 1), DilationH: i32(6, 1)}
	case OptionsPool2D:
		o = &Pool2DOptions{Padding: Padding(i8(0)), StrideW: i32(1, 0), StrideH: i32(2, 0),
			FilterWidth: i32(3, 0), FilterHeight: i32(4, 0), Activation: Activation(i8(5))}
	case OptionsFullyConnected:
		fc := &FullyConnectedOptions{Activation: Activation(i8(0)), KeepNumDims: i8(2) != 0}
		if f := i8(1); err == nil && f != 0 {
			return nil, fmt.Errorf("FullyConnectedOptions weights_format %d not supported", f)
		}
		o = fc
	case OptionsSoftmax:
		var p int
		if p, err = d.field(t, 0, 4); p != 0 {
			o = &SoftmaxOptions{Beta: math.Float32frombits(le.Uint32(d.b[p:]))}
		} else {
			o = &SoftmaxOptions{}
		}
	case OptionsReshape:
		r := &ReshapeOptions{}
		r.NewShape, err = d.int32s(t, 0)
		o = r
	case OptionsQuantize:
		o = &QuantizeOptions{}
	case OptionsDequantize:
		o = &DequantizeOptions{}
	}
	if err != nil {
		return nil, err
	}
	return o, nil
}

func (d *decoder) buffer(t table) ([]byte, error) {
	start, n, err := d.vector(t, bufferData, 1)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	off, err := d.u64(t, bufferOffset)
	if err != nil {
		return nil, fmt.Errorf("offset: %w", err)
	}
	size, err := d.u64(t, bufferSize)
	if err != nil {
		return nil, fmt.Errorf("size: %w", err)
	}
	if off > 1 { // the schema: offset is only valid if > 1
		if n > 0 {
			return nil, errors.New("has both data and an offset")
		}
		if off > uint64(len(d.b)) || size > uint64(len(d.b))-off {
			return nil, fmt.Errorf("offset %d size %d lies outside the file (%d bytes)", off, size, len(d.b))
		}
		start, n = int(off), int(size)
		if err := d.charge(n); err != nil {
			return nil, err
		}
	}
	if n == 0 {
		return nil, nil
	}
	return append([]byte(nil), d.b[start:start+n]...), nil
}
