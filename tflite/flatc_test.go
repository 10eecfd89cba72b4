package tflite

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// flatcJSON dumps a .tflite file as JSON with flatc, an independent reader
// (Debian's flatbuffers-compiler), using the schema in testdata.
func flatcJSON(t *testing.T, flatc string, model []byte) map[string]any {
	t.Helper()
	dir := t.TempDir()
	schema, err := filepath.Abs(filepath.Join("testdata", "schema.fbs"))
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "m.tflite")
	if err := os.WriteFile(file, model, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(flatc, "--raw-binary", "-t", "--strict-json", "--defaults-json", "-o", dir, schema, "--", file)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("flatc: %v\n%s", err, out)
	}
	data, err := os.ReadFile(filepath.Join(dir, "m.json"))
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// ourOptions are the builtin options tables Model holds.
var ourOptions = map[string]bool{
	"Conv2DOptions": true, "DepthwiseConv2DOptions": true, "Pool2DOptions": true,
	"FullyConnectedOptions": true, "SoftmaxOptions": true, "ReshapeOptions": true,
	"QuantizeOptions": true, "DequantizeOptions": true,
}

// normalize drops from a flatc dump what Model does not hold, so a file and
// its Decode→Encode copy can be compared; it also checks and folds the two
// operator code fields into one, and checks the file's has_rank use.
func normalize(t *testing.T, m map[string]any, ours bool) {
	t.Helper()
	for _, k := range []string{"signature_defs", "metadata_buffer", "external_buffer_groups", "external_buffers"} {
		delete(m, k)
	}
	for i, oc := range m["operator_codes"].([]any) {
		oc := oc.(map[string]any)
		dep := int(oc["deprecated_builtin_code"].(float64))
		code := -1
		for c, name := range builtinNames {
			if name == oc["builtin_code"] {
				code = c
			}
		}
		eff := max(dep, code)
		if ours && dep != min(eff, 127) {
			t.Errorf("operator code %d: deprecated_builtin_code %d for %s", i, dep, builtinNames[eff])
		}
		if ours && code != eff {
			t.Errorf("operator code %d: builtin_code %v, want %s", i, oc["builtin_code"], builtinNames[eff])
		}
		delete(oc, "deprecated_builtin_code")
		oc["builtin_code"] = BuiltinOperator(eff).String()
	}
	for _, sg := range m["subgraphs"].([]any) {
		sg := sg.(map[string]any)
		delete(sg, "debug_metadata_index")
		for _, ts := range sg["tensors"].([]any) {
			ts := ts.(map[string]any)
			if ours && ts["has_rank"] == true && len(ts["shape"].([]any)) > 0 {
				t.Errorf("tensor %v: has_rank written for a shape %v", ts["name"], ts["shape"])
			}
			for _, k := range []string{"has_rank", "external_buffer"} {
				delete(ts, k)
			}
			if q, ok := ts["quantization"].(map[string]any); ok {
				delete(q, "details_type")
				if len(q) == 1 && q["quantized_dimension"] == 0.0 {
					delete(ts, "quantization")
				}
			}
		}
		for _, op := range sg["operators"].([]any) {
			op := op.(map[string]any)
			for _, k := range []string{"custom_options_format", "large_custom_options_offset", "large_custom_options_size",
				"builtin_options_2_type", "debug_metadata_index", "mutating_variable_inputs", "intermediates", "custom_options"} {
				delete(op, k)
			}
			if !ourOptions[op["builtin_options_type"].(string)] {
				delete(op, "builtin_options")
				op["builtin_options_type"] = "NONE"
			}
		}
	}
}

// TestFlatc has flatc read what Encode wrote: a hand-built model and every
// reference model after Decode→Encode must dump to the same JSON as the
// original, for the fields Model holds. Skipped without flatc
// (apt-get install flatbuffers-compiler).
func TestFlatc(t *testing.T) {
	flatc, err := exec.LookPath("flatc")
	if err != nil {
		t.Skip("flatc not installed")
	}
	tiny, err := Encode(tinyModel())
	if err != nil {
		t.Fatal(err)
	}
	j := flatcJSON(t, flatc, tiny)
	// Values of tinyModel as flatc names them.
	checks := []struct {
		path string
		want any
	}{
		{"version", 3.0},
		{"description", "tiny"},
		{"operator_codes.0.builtin_code", "CONV_2D"},
		{"operator_codes.0.deprecated_builtin_code", 3.0},
		{"operator_codes.1.version", 2.0},
		{"subgraphs.0.tensors.1.quantization.scale", []any{0.25, 0.125}},
		{"subgraphs.0.tensors.1.quantization.zero_point", []any{0.0, 0.0}},
		{"subgraphs.0.tensors.0.shape_signature", []any{-1.0, 2.0, 2.0, 1.0}},
		{"subgraphs.0.tensors.0.type", "INT8"},
		{"subgraphs.0.operators.0.inputs", []any{0.0, 1.0, 2.0}},
		{"subgraphs.0.operators.0.builtin_options_type", "Conv2DOptions"},
		{"subgraphs.0.operators.0.builtin_options.padding", "VALID"},
		{"subgraphs.0.operators.0.builtin_options.fused_activation_function", "RELU6"},
		{"subgraphs.0.operators.1.builtin_options.filter_height", 2.0},
		{"buffers.1.data", []any{127.0, 129.0}},                                   // int8 127, -127
		{"buffers.2.data", []any{8.0, 0.0, 0.0, 0.0, 240.0, 255.0, 255.0, 255.0}}, // int32 8, -16
		{"metadata.0.name", "min_runtime_version"},
		{"metadata.0.buffer", 6.0},
	}
	for _, c := range checks {
		if got := lookup(j, c.path); !reflect.DeepEqual(got, c.want) {
			t.Errorf("tiny: %s = %v, want %v", c.path, got, c.want)
		}
	}

	for _, name := range referenceModels {
		orig := readModelFile(t, name)
		m, err := Decode(orig)
		if err != nil {
			t.Fatal(err)
		}
		ours, err := Encode(m)
		if err != nil {
			t.Fatal(err)
		}
		want, got := flatcJSON(t, flatc, orig), flatcJSON(t, flatc, ours)
		normalize(t, want, false)
		normalize(t, got, true)
		if !reflect.DeepEqual(got, want) {
			g, _ := json.MarshalIndent(got, "", " ")
			w, _ := json.MarshalIndent(want, "", " ")
			t.Errorf("%s: flatc reads our copy differently; first difference near:\n%s", name, firstDiff(string(g), string(w)))
		}
	}
}

func lookup(v any, path string) any {
	for _, k := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[k]
		case []any:
			i := 0
			for _, c := range k {
				i = 10*i + int(c-'0')
			}
			if i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

func firstDiff(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(la) && i < len(lb); i++ {
		if la[i] != lb[i] {
			lo := max(0, i-5)
			return "got:\n" + strings.Join(la[lo:min(len(la), i+3)], "\n") + "\nwant:\n" + strings.Join(lb[lo:min(len(lb), i+3)], "\n")
		}
	}
	return "(lengths differ)"
}
