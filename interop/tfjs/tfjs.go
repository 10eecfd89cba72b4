// Package tfjs runs .tflite models in the real TensorFlow Lite interpreter, compiled to
// WebAssembly by the npm package @tensorflow/tfjs-tflite, so that tests can compare
// mnistcnn's own interpreter and exports against TensorFlow's.
//
// The interpreter runs in Node (version 18 or later) through run.mjs in this folder; its
// npm packages are pinned in package.json and package-lock.json and are installed,
// without network access at run time, by
//
//	npm ci --prefix interop/tfjs --no-audit --no-fund
//
// A call starts one Node process that loads the model once and invokes the interpreter
// once per input. Inputs and outputs are the raw bytes of the model's input and output
// tensors, little-endian, in the tensors' own element types, one tensor after another.
// Only models with one input and one output tensor are supported.
//
// The package is meant for tests: it finds run.mjs next to its own source file.
package tfjs

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
)

// InstallCommand installs the Node packages the harness needs, from the repository root.
const InstallCommand = "npm ci --prefix interop/tfjs --no-audit --no-fund"

// Tensor describes a model input or output as the TFLite runtime reports it.
type Tensor struct {
	Name  string `json:"name"`
	DType string `json:"dtype"` // "float32", "int8", "uint8", "int16", "int32", ...
	Shape []int  `json:"shape"` // batch dimension included, e.g. [1 28 28]
	Bytes int    `json:"bytes"` // bytes of one tensor: product of Shape × element size
}

// Info is what run.mjs reports about a model and a run.
type Info struct {
	Inputs  []Tensor `json:"inputs"`
	Outputs []Tensor `json:"outputs"`
	N       int      `json:"n"`        // inputs run
	LoadMS  float64  `json:"load_ms"`  // loading the runtime and the model
	InferMS float64  `json:"infer_ms"` // all N invocations, copies included
	WASM    struct {
		SIMD           bool `json:"simd"`
		MultiThreading bool `json:"multiThreading"`
	} `json:"wasm"` // the features the WebAssembly build was chosen by
}

// Dir returns the folder holding run.mjs, package.json and node_modules.
func Dir() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "interop/tfjs"
	}
	return filepath.Dir(file)
}

// Available returns nil if Node (18 or later) is on the PATH and the npm packages pinned
// in package.json are installed in node_modules; otherwise an error that says what to do.
func Available() error {
	dir := Dir()
	node, err := exec.LookPath("node")
	if err != nil {
		return errors.New("tfjs: node not found on the PATH; install Node.js 18 or later")
	}
	out, err := exec.Command(node, "--version").Output()
	if err != nil {
		return fmt.Errorf("tfjs: %s --version: %v", node, err)
	}
	v := strings.TrimSpace(string(out))
	major, err := strconv.Atoi(strings.SplitN(strings.TrimPrefix(v, "v"), ".", 2)[0])
	if err != nil || major < 18 {
		return fmt.Errorf("tfjs: node %s is too old, want 18 or later", v)
	}
	var pkg struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	if err := readJSON(filepath.Join(dir, "package.json"), &pkg); err != nil {
		return err
	}
	for _, name := range slices.Sorted(maps.Keys(pkg.Dependencies)) {
		want := pkg.Dependencies[name]
		var got struct {
			Version string `json:"version"`
		}
		if err := readJSON(filepath.Join(dir, "node_modules", name, "package.json"), &got); err != nil {
			return fmt.Errorf("tfjs: %s is not installed; run `%s`", name, InstallCommand)
		}
		if got.Version != want {
			return fmt.Errorf("tfjs: %s %s is installed, package.json pins %s; run `%s`", name, got.Version, want, InstallCommand)
		}
	}
	return nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("tfjs: %v", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("tfjs: %s: %v", path, err)
	}
	return nil
}

// Inspect loads the model and returns its input and output tensors as the runtime sees
// them. It fails if the runtime rejects the model.
func Inspect(modelPath string) (*Info, error) {
	return node(modelPath)
}

// Run runs the model on n inputs, given back to back in input, and returns the n
// outputs back to back. len(input) must be n times the input tensor's size.
func Run(modelPath string, input []byte, n int) ([]byte, *Info, error) {
	if n < 1 || len(input)%n != 0 {
		return nil, nil, fmt.Errorf("tfjs: %d bytes of input do not split into %d inputs", len(input), n)
	}
	tmp, err := os.MkdirTemp("", "tfjs")
	if err != nil {
		return nil, nil, fmt.Errorf("tfjs: %v", err)
	}
	defer os.RemoveAll(tmp)
	in, out := filepath.Join(tmp, "in.bin"), filepath.Join(tmp, "out.bin")
	if err := os.WriteFile(in, input, 0o600); err != nil {
		return nil, nil, fmt.Errorf("tfjs: %v", err)
	}
	info, err := node(modelPath, in, out)
	if err != nil {
		return nil, nil, err
	}
	if info.N != n {
		return nil, nil, fmt.Errorf("tfjs: %s: input tensor is %d bytes, got %d bytes per input", modelPath, info.Inputs[0].Bytes, len(input)/n)
	}
	output, err := os.ReadFile(out)
	if err != nil {
		return nil, nil, fmt.Errorf("tfjs: %v", err)
	}
	if len(output) != n*info.Outputs[0].Bytes {
		return nil, nil, fmt.Errorf("tfjs: %s: output is %d bytes, want %d×%d", modelPath, len(output), n, info.Outputs[0].Bytes)
	}
	return output, info, nil
}

// RunFloat32 runs a model with a float32 input and a float32 output on n inputs.
func RunFloat32(modelPath string, input []float32, n int) ([]float32, *Info, error) {
	raw := make([]byte, 4*len(input))
	for i, x := range input {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(x))
	}
	out, info, err := Run(modelPath, raw, n)
	if err != nil {
		return nil, nil, err
	}
	if err := checkTypes(modelPath, info, "float32", "float32"); err != nil {
		return nil, nil, err
	}
	return Float32s(out), info, nil
}

// RunInt8 runs a model with an int8 input and an int8 output on n inputs.
func RunInt8(modelPath string, input []int8, n int) ([]int8, *Info, error) {
	raw := make([]byte, len(input))
	for i, x := range input {
		raw[i] = byte(x)
	}
	out, info, err := Run(modelPath, raw, n)
	if err != nil {
		return nil, nil, err
	}
	if err := checkTypes(modelPath, info, "int8", "int8"); err != nil {
		return nil, nil, err
	}
	return Int8s(out), info, nil
}

// Float32s decodes little-endian float32 values; a trailing partial value is ignored.
func Float32s(b []byte) []float32 {
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v
}

func checkTypes(modelPath string, info *Info, in, out string) error {
	if info.Inputs[0].DType != in || info.Outputs[0].DType != out {
		return fmt.Errorf("tfjs: %s: model maps %s to %s, want %s to %s",
			modelPath, info.Inputs[0].DType, info.Outputs[0].DType, in, out)
	}
	return nil
}

// node runs run.mjs with args and parses the JSON line it prints.
func node(modelPath string, args ...string) (*Info, error) {
	if err := Available(); err != nil {
		return nil, err
	}
	cmd := exec.Command("node", append([]string{filepath.Join(Dir(), "run.mjs"), modelPath}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("tfjs: %s: %v: %s", modelPath, err, lastLines(stderr.String(), 4))
	}
	var info Info
	if err := json.Unmarshal(stdout.Bytes(), &info); err != nil {
		return nil, fmt.Errorf("tfjs: %s: bad report from run.mjs: %v", modelPath, err)
	}
	if len(info.Inputs) != 1 || len(info.Outputs) != 1 {
		return nil, fmt.Errorf("tfjs: %s: bad report from run.mjs: %d inputs, %d outputs", modelPath, len(info.Inputs), len(info.Outputs))
	}
	return &info, nil
}

// lastLines returns the last k non-empty lines of s joined by " | ": the runtime's own
// error messages come just before run.mjs's summary.
func lastLines(s string, k int) string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) > k {
		lines = lines[len(lines)-k:]
	}
	return strings.Join(lines, " | ")
}

// Quant is an affine quantization, real = Scale × (q − ZeroPoint), as a TFLite tensor's
// quantization parameters give it. The runtime does not report them; the caller reads them
// from the model.
type Quant struct {
	Scale     float32
	ZeroPoint int32
}

// MNISTInput converts raw MNIST pixels (0–255) to the bytes of input tensors of type dtype:
// "uint8" keeps the pixels, "float32" feeds p/255 (computed in float64, rounded once to
// float32, as NumPy's x/255 in the reference), "int8" feeds
// clamp(round(p/255/q.Scale) + q.ZeroPoint, −128, 127) with ties rounded away from zero.
// q is used for "int8" only.
func MNISTInput(dtype string, pixels []uint8, q Quant) ([]byte, error) {
	switch dtype {
	case "uint8":
		return slices.Clone(pixels), nil
	case "float32":
		b := make([]byte, 4*len(pixels))
		for i, p := range pixels {
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(float32(float64(p)/255)))
		}
		return b, nil
	case "int8":
		if !(q.Scale > 0) || math.IsInf(float64(q.Scale), 0) {
			return nil, fmt.Errorf("tfjs: int8 input needs a positive scale, got %g", q.Scale)
		}
		b := make([]byte, len(pixels))
		for i, p := range pixels {
			v := math.Round(float64(p)/255/float64(q.Scale)) + float64(q.ZeroPoint)
			b[i] = byte(int8(max(-128, min(127, v))))
		}
		return b, nil
	}
	return nil, fmt.Errorf("tfjs: no MNIST input conversion to %s", dtype)
}

// RunMNIST runs an MNIST classifier on n images given as raw pixels, n×784 bytes, and
// returns the n raw output tensors back to back (decode them with Float32s or Int8s as
// info.Outputs[0].DType says). The pixels are converted with MNISTInput to the model's
// input type; in is the input quantization, used for int8 inputs only. The model is loaded
// twice: once to learn its input type, once to run.
func RunMNIST(modelPath string, pixels []uint8, n int, in Quant) ([]byte, *Info, error) {
	if n < 1 || len(pixels) != n*28*28 {
		return nil, nil, fmt.Errorf("tfjs: %d bytes of pixels are not %d MNIST images", len(pixels), n)
	}
	info, err := Inspect(modelPath)
	if err != nil {
		return nil, nil, err
	}
	input, err := MNISTInput(info.Inputs[0].DType, pixels, in)
	if err != nil {
		return nil, nil, err
	}
	return Run(modelPath, input, n)
}

// Int8s reinterprets bytes as int8 values.
func Int8s(b []byte) []int8 {
	v := make([]int8, len(b))
	for i, x := range b {
		v[i] = int8(x)
	}
	return v
}
