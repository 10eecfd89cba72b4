package eval

import "github.com/mnistcnn/mnistcnn/tflite"

// Stats are the static costs of a model: its weights and its arithmetic.
type Stats struct {
	Params int64 // elements of the constant tensors that feed CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED
	MACs   int64 // multiply-accumulates of one inference by those ops
}

// StatsOf counts m's parameters and multiply-accumulates from the shapes in
// its first subgraph:
//
//	CONV_2D            out_h·out_w·out_c · k_h·k_w·in_c
//	DEPTHWISE_CONV_2D  out_h·out_w·out_c · k_h·k_w
//	FULLY_CONNECTED    batch·units · in
//
// Ops without weights (pooling, softmax, reshape) count no MACs.
func StatsOf(m *tflite.Model) Stats {
	var s Stats
	if len(m.Subgraphs) == 0 {
		return s
	}
	sg := &m.Subgraphs[0]
	counted := map[int32]bool{}
	tensor := func(i int32) *tflite.Tensor {
		if i < 0 || int(i) >= len(sg.Tensors) {
			return nil
		}
		return &sg.Tensors[i]
	}
	for i := range sg.Operators {
		op := &sg.Operators[i]
		code := m.Opcode(op)
		if code != tflite.OpConv2D && code != tflite.OpDepthwiseConv2D && code != tflite.OpFullyConnected {
			continue
		}
		if len(op.Inputs) < 2 || len(op.Outputs) < 1 {
			continue
		}
		for _, in := range op.Inputs[1:] {
			if t := tensor(in); t != nil && t.Buffer != 0 && !counted[in] {
				counted[in] = true
				s.Params += int64(t.NumElements())
			}
		}
		w, out := tensor(op.Inputs[1]), tensor(op.Outputs[0])
		if w == nil || out == nil {
			continue
		}
		outN := int64(out.NumElements())
		switch code {
		case tflite.OpConv2D:
			if len(w.Shape) == 4 { // OHWI: per output value, kh·kw·in
				s.MACs += outN * int64(w.Shape[1]) * int64(w.Shape[2]) * int64(w.Shape[3])
			}
		case tflite.OpDepthwiseConv2D:
			if len(w.Shape) == 4 { // 1HW(C·M): per output value, kh·kw
				s.MACs += outN * int64(w.Shape[1]) * int64(w.Shape[2])
			}
		case tflite.OpFullyConnected:
			if len(w.Shape) == 2 { // [units, in]: per output value, in
				s.MACs += outN * int64(w.Shape[1])
			}
		}
	}
	return s
}

// TypeOf names a model's arithmetic by the type of its first weight tensor
// ("float32", "int8"), adding the input type when that differs, as in
// "float32 (uint8 input)" or "int8 (float32 input)" for a hybrid model.
func TypeOf(m *tflite.Model) string {
	if len(m.Subgraphs) == 0 {
		return "unknown"
	}
	sg := &m.Subgraphs[0]
	weights, input := "", ""
	if len(sg.Inputs) > 0 && sg.Inputs[0] >= 0 && int(sg.Inputs[0]) < len(sg.Tensors) {
		input = lower(sg.Tensors[sg.Inputs[0]].Type)
	}
	for i := range sg.Operators {
		op := &sg.Operators[i]
		switch m.Opcode(op) {
		case tflite.OpConv2D, tflite.OpDepthwiseConv2D, tflite.OpFullyConnected:
			if len(op.Inputs) > 1 && op.Inputs[1] >= 0 && int(op.Inputs[1]) < len(sg.Tensors) {
				weights = lower(sg.Tensors[op.Inputs[1]].Type)
			}
		}
		if weights != "" {
			break
		}
	}
	switch {
	case weights == "":
		return input
	case input != "" && input != weights:
		return weights + " (" + input + " input)"
	}
	return weights
}

func lower(t tflite.TensorType) string {
	b := []byte(t.String())
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
