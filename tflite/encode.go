package tflite

import (
	"errors"
	"fmt"

	flatbuffers "github.com/google/flatbuffers/go"
)

// SchemaVersion is the TFLite schema version Encode writes and Decode accepts.
const SchemaVersion = 3

// FileIdentifier is the flatbuffer file identifier of a .tflite file.
const FileIdentifier = "TFL3"

// dataAlign is the alignment of Buffer.data (schema.fbs: force_align: 16),
// relative to the start of the file.
const dataAlign = 16

// maxFile is the largest flatbuffer the Go builder can make (2 GiB); larger
// models need buffers outside the flatbuffer, which Encode does not write.
const maxFile = 1<<31 - 1

// Field slots (the order of the fields in schema.fbs; a union takes two, its
// type first).
const (
	modelVersion, modelOperatorCodes, modelSubgraphs, modelDescription, modelBuffers = 0, 1, 2, 3, 4
	modelMetadata                                                                    = 6
	modelFields                                                                      = 7

	opcodeDeprecatedBuiltin, opcodeCustom, opcodeVersion, opcodeBuiltin, opcodeFields = 0, 1, 2, 3, 4

	subgraphTensors, subgraphInputs, subgraphOutputs, subgraphOperators, subgraphName, subgraphFields = 0, 1, 2, 3, 4, 5

	tensorShape, tensorType, tensorBuffer, tensorName, tensorQuant, tensorIsVariable = 0, 1, 2, 3, 4, 5
	tensorShapeSignature, tensorHasRank, tensorFields                                = 7, 8, 9

	quantMin, quantMax, quantScale, quantZeroPoint, quantDimension, quantFields = 0, 1, 2, 3, 6, 7

	operatorOpcode, operatorInputs, operatorOutputs, operatorOptionsType, operatorOptions, operatorFields = 0, 1, 2, 3, 4, 5

	bufferData, bufferOffset, bufferSize, bufferFields = 0, 1, 2, 3

	metadataName, metadataBuffer, metadataFields = 0, 1, 2
)

// Encode writes m as a .tflite flatbuffer (schema version 3, file identifier
// "TFL3"), the way TensorFlow's converter writes the fields Model holds. It
// checks m with Validate first. Every non-empty buffer's data starts at a
// multiple of 16 bytes from the start of the output. The same Model always
// gives the same bytes.
func Encode(m *Model) ([]byte, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	// A guess of the output size, so the builder rarely has to grow.
	size := 4096 + 64*len(m.Metadata)
	for _, sg := range m.Subgraphs {
		size += 256 * (len(sg.Tensors) + len(sg.Operators))
	}
	for _, buf := range m.Buffers {
		size += len(buf.Data) + dataAlign + 16
		if size > maxFile {
			return nil, errors.New("tflite: model too large: buffers exceed 2 GiB")
		}
	}
	e := encoder{b: flatbuffers.NewBuilder(size)}
	root := e.model(m)
	e.b.FinishWithFileIdentifier(root, []byte(FileIdentifier))
	return e.b.FinishedBytes(), nil
}

type encoder struct {
	b *flatbuffers.Builder
}

func (e *encoder) model(m *Model) flatbuffers.UOffsetT {
	b := e.b
	// The builder writes back to front: what comes first here ends up at the
	// back of the file. The weights come (nearly) first.
	// Buffer 0's empty table goes first, at the very end of the file: had a
	// weight vector been first, its alignment padding would trail the file
	// and a file cut short by those bytes would still read as whole.
	buffers := make([]flatbuffers.UOffsetT, len(m.Buffers))
	data := make([]flatbuffers.UOffsetT, len(m.Buffers))
	table := func(i int) {
		b.StartObject(bufferFields)
		if data[i] != 0 {
			b.PrependUOffsetTSlot(bufferData, data[i], 0)
		}
		buffers[i] = b.EndObject()
	}
	for i, buf := range m.Buffers {
		if len(buf.Data) > 0 { // never for buffer 0 of a valid model
			data[i] = e.bytes(buf.Data, dataAlign)
		}
		if i == 0 {
			table(0)
		}
	}
	for i := 1; i < len(m.Buffers); i++ {
		table(i)
	}
	buffersVec := e.tables(buffers)

	var metadataVec flatbuffers.UOffsetT
	if len(m.Metadata) > 0 {
		metadata := make([]flatbuffers.UOffsetT, len(m.Metadata))
		for i, md := range m.Metadata {
			name := b.CreateString(md.Name)
			b.StartObject(metadataFields)
			b.PrependUOffsetTSlot(metadataName, name, 0)
			b.PrependUint32Slot(metadataBuffer, md.Buffer, 0)
			metadata[i] = b.EndObject()
		}
		metadataVec = e.tables(metadata)
	}

	subgraphs := make([]flatbuffers.UOffsetT, len(m.Subgraphs))
	for i := range m.Subgraphs {
		subgraphs[i] = e.subgraph(&m.Subgraphs[i])
	}
	subgraphsVec := e.tables(subgraphs)

	codes := make([]flatbuffers.UOffsetT, len(m.OperatorCodes))
	for i, oc := range m.OperatorCodes {
		var custom flatbuffers.UOffsetT
		if oc.Custom != "" {
			custom = b.CreateString(oc.Custom)
		}
		b.StartObject(opcodeFields)
		b.PrependInt32Slot(opcodeBuiltin, int32(oc.Builtin), 0)
		b.PrependInt32Slot(opcodeVersion, oc.Version, 1)
		b.PrependUOffsetTSlot(opcodeCustom, custom, 0)
		b.PrependInt8Slot(opcodeDeprecatedBuiltin, int8(min(oc.Builtin, 127)), 0)
		codes[i] = b.EndObject()
	}
	codesVec := e.tables(codes)

	var description flatbuffers.UOffsetT
	if m.Description != "" {
		description = b.CreateString(m.Description)
	}

	b.StartObject(modelFields)
	b.PrependUOffsetTSlot(modelMetadata, metadataVec, 0)
	b.PrependUOffsetTSlot(modelBuffers, buffersVec, 0)
	b.PrependUOffsetTSlot(modelDescription, description, 0)
	b.PrependUOffsetTSlot(modelSubgraphs, subgraphsVec, 0)
	b.PrependUOffsetTSlot(modelOperatorCodes, codesVec, 0)
	// Written even though 0 would be the default: readers check it.
	b.PrependUint32(m.Version)
	b.Slot(modelVersion)
	return b.EndObject()
}

func (e *encoder) subgraph(sg *Subgraph) flatbuffers.UOffsetT {
	b := e.b
	ops := make([]flatbuffers.UOffsetT, len(sg.Operators))
	for i := range sg.Operators {
		ops[i] = e.operator(&sg.Operators[i])
	}
	opsVec := e.tables(ops)
	tensors := make([]flatbuffers.UOffsetT, len(sg.Tensors))
	for i := range sg.Tensors {
		tensors[i] = e.tensor(&sg.Tensors[i])
	}
	tensorsVec := e.tables(tensors)
	inputs := e.int32s(sg.Inputs)
	outputs := e.int32s(sg.Outputs)
	var name flatbuffers.UOffsetT
	if sg.Name != "" {
		name = b.CreateString(sg.Name)
	}
	b.StartObject(subgraphFields)
	b.PrependUOffsetTSlot(subgraphName, name, 0)
	b.PrependUOffsetTSlot(subgraphOperators, opsVec, 0)
	b.PrependUOffsetTSlot(subgraphOutputs, outputs, 0)
	b.PrependUOffsetTSlot(subgraphInputs, inputs, 0)
	b.PrependUOffsetTSlot(subgraphTensors, tensorsVec, 0)
	return b.EndObject()
}

func (e *encoder) tensor(t *Tensor) flatbuffers.UOffsetT {
	b := e.b
	var quant, sig flatbuffers.UOffsetT
	if q := t.Quant; !q.empty() {
		var mins, maxs, scales, zps flatbuffers.UOffsetT
		if len(q.Min) > 0 {
			mins = e.float32s(q.Min)
		}
		if len(q.Max) > 0 {
			maxs = e.float32s(q.Max)
		}
		if len(q.Scale) > 0 {
			scales = e.float32s(q.Scale)
		}
		if len(q.ZeroPoint) > 0 {
			b.StartVector(8, len(q.ZeroPoint), 8)
			for i := len(q.ZeroPoint) - 1; i >= 0; i-- {
				b.PrependInt64(q.ZeroPoint[i])
			}
			zps = b.EndVector(len(q.ZeroPoint))
		}
		b.StartObject(quantFields)
		b.PrependInt32Slot(quantDimension, q.QuantizedDimension, 0)
		b.PrependUOffsetTSlot(quantZeroPoint, zps, 0)
		b.PrependUOffsetTSlot(quantScale, scales, 0)
		b.PrependUOffsetTSlot(quantMax, maxs, 0)
		b.PrependUOffsetTSlot(quantMin, mins, 0)
		quant = b.EndObject()
	}
	if len(t.ShapeSignature) > 0 {
		sig = e.int32s(t.ShapeSignature)
	}
	shape := e.int32s(t.Shape)
	var name flatbuffers.UOffsetT
	if t.Name != "" {
		name = b.CreateString(t.Name)
	}
	b.StartObject(tensorFields)
	b.PrependUOffsetTSlot(tensorShapeSignature, sig, 0)
	b.PrependUOffsetTSlot(tensorQuant, quant, 0)
	b.PrependUOffsetTSlot(tensorName, name, 0)
	b.PrependUOffsetTSlot(tensorShape, shape, 0)
	b.PrependUint32Slot(tensorBuffer, t.Buffer, 0)
	b.PrependInt8Slot(tensorType, int8(t.Type), 0)
	b.PrependBoolSlot(tensorIsVariable, t.IsVariable, false)
	// has_rank only tells a scalar from a tensor of unknown rank when the
	// shape is empty; Model has no unknown ranks. Written only there, it
	// saves the ~5 bytes a tensor the converter spends on it.
	if len(t.Shape) == 0 {
		b.PrependBoolSlot(tensorHasRank, true, false)
	}
	return b.EndObject()
}

func (e *encoder) operator(op *Operator) flatbuffers.UOffsetT {
	b := e.b
	var opts flatbuffers.UOffsetT
	if op.Options != nil {
		opts = e.options(op.Options)
	}
	inputs := e.int32s(op.Inputs)
	outputs := e.int32s(op.Outputs)
	b.StartObject(operatorFields)
	b.PrependUOffsetTSlot(operatorOptions, opts, 0)
	b.PrependUOffsetTSlot(operatorOutputs, outputs, 0)
	b.PrependUOffsetTSlot(operatorInputs, inputs, 0)
	b.PrependUint32Slot(operatorOpcode, op.OpcodeIndex, 0)
	if op.Options != nil {
		b.PrependUint8Slot(operatorOptionsType, uint8(op.Options.OptionsType()), 0)
	}
	return b.EndObject()
}

// options writes one builtin options table. Validate has made sure o is one
// of the types below and not a nil pointer.
func (e *encoder) options(o Options) flatbuffers.UOffsetT {
	b := e.b
	switch o := o.(type) {
	case *Conv2DOptions:
		// padding, stride_w, stride_h, fused_activation_function,
		// dilation_w_factor = 1, dilation_h_factor = 1
		b.StartObject(6)
		b.PrependInt32Slot(1, o.StrideW, 0)
		b.PrependInt32Slot(2, o.StrideH, 0)
		b.PrependInt32Slot(4, o.DilationW, 1)
		b.PrependInt32Slot(5, o.DilationH, 1)
		b.PrependInt8Slot(0, int8(o.Padding), 0)
		b.PrependInt8Slot(3, int8(o.Activation), 0)
	case *DepthwiseConv2DOptions:
		// padding, stride_w, stride_h, depth_multiplier,
		// fused_activation_function, dilation_w_factor = 1, dilation_h_factor = 1
		b.StartObject(7)
		b.PrependInt32Slot(1, o.StrideW, 0)
		b.PrependInt32Slot(2, o.StrideH, 0)
		b.PrependInt32Slot(3, o.DepthMultiplier, 0)
		b.PrependInt32Slot(5, o.DilationW, 1)
		b.PrependInt32Slot(6, o.DilationH, 1)
		b.PrependInt8Slot(0, int8(o.Padding), 0)
		b.PrependInt8Slot(4, int8(o.Activation), 0)
	case *Pool2DOptions:
		// padding, stride_w, stride_h, filter_width, filter_height,
		// fused_activation_function
		b.StartObject(6)
		b.PrependInt32Slot(1, o.StrideW, 0)
		b.PrependInt32Slot(2, o.StrideH, 0)
		b.PrependInt32Slot(3, o.FilterWidth, 0)
		b.PrependInt32Slot(4, o.FilterHeight, 0)
		b.PrependInt8Slot(0, int8(o.Padding), 0)
		b.PrependInt8Slot(5, int8(o.Activation), 0)
	case *FullyConnectedOptions:
		// fused_activation_function, weights_format (DEFAULT), keep_num_dims
		b.StartObject(3)
		b.PrependInt8Slot(0, int8(o.Activation), 0)
		b.PrependBoolSlot(2, o.KeepNumDims, false)
	case *SoftmaxOptions:
		// beta
		b.StartObject(1)
		b.PrependFloat32Slot(0, o.Beta, 0)
	case *ReshapeOptions:
		// new_shape
		var shape flatbuffers.UOffsetT
		if len(o.NewShape) > 0 {
			shape = e.int32s(o.NewShape)
		}
		b.StartObject(1)
		b.PrependUOffsetTSlot(0, shape, 0)
	case *QuantizeOptions, *DequantizeOptions:
		b.StartObject(0)
	default:
		panic(fmt.Sprintf("tflite: encoder reached options %T that Validate refuses", o))
	}
	return b.EndObject()
}

// bytes writes data as a [ubyte] vector whose first byte sits at a multiple of
// align from the end of the finished buffer; Finish pads the front so that the
// whole file's length is a multiple of the largest alignment used, which makes
// it a multiple from the start as well.
func (e *encoder) bytes(data []byte, align int) flatbuffers.UOffsetT {
	// Prep pads so that the data will end (and, being written back to front,
	// start) aligned; CreateByteVector then needs no padding of its own and
	// copies the data in one go.
	e.b.Prep(align, len(data))
	return e.b.CreateByteVector(data)
}

func (e *encoder) int32s(v []int32) flatbuffers.UOffsetT {
	b := e.b
	b.StartVector(4, len(v), 4)
	for i := len(v) - 1; i >= 0; i-- {
		b.PrependInt32(v[i])
	}
	return b.EndVector(len(v))
}

func (e *encoder) float32s(v []float32) flatbuffers.UOffsetT {
	b := e.b
	b.StartVector(4, len(v), 4)
	for i := len(v) - 1; i >= 0; i-- {
		b.PrependFloat32(v[i])
	}
	return b.EndVector(len(v))
}

func (e *encoder) tables(offs []flatbuffers.UOffsetT) flatbuffers.UOffsetT {
	b := e.b
	b.StartVector(4, len(offs), 4)
	for i := len(offs) - 1; i >= 0; i-- {
		b.PrependUOffsetT(offs[i])
	}
	return b.EndVector(len(offs))
}

// empty reports whether q carries nothing, in which case no quantization
// table is written (a nil Quantization and an empty one encode alike).
func (q *Quantization) empty() bool {
	return q == nil || len(q.Min) == 0 && len(q.Max) == 0 && len(q.Scale) == 0 &&
		len(q.ZeroPoint) == 0 && q.QuantizedDimension == 0
}
