package convert

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mnistcnn/mnistcnn/internal/mnisttest"
	"github.com/mnistcnn/mnistcnn/tflite"
	"github.com/mnistcnn/mnistcnn/tflite/interp"
)

// The C flags every c-standalone file must compile under without a warning.
var standaloneCFlags = []string{"-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic"}

func standaloneModelFile(t testing.TB, name string) *tflite.Model {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "models", name))
	if err != nil {
		t.Fatal(err)
	}
	m, err := tflite.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func standaloneGCC(t testing.TB) string {
	t.Helper()
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("gcc not installed")
	}
	return gcc
}

// buildStandalone emits m as name into a fresh folder, compiles it with
// testdata/standalone_driver.c at -O2 and returns the program's path.
func buildStandalone(t *testing.T, name string, m *tflite.Model) string {
	t.Helper()
	return buildStandaloneWith(t, name, m, "", nil)
}

// standaloneUBSan are gcc's flags for trapping undefined behaviour, nil if this
// gcc cannot link such programs.
func standaloneUBSan(t *testing.T) []string {
	t.Helper()
	gcc := standaloneGCC(t)
	flags := []string{"-fsanitize=undefined", "-fno-sanitize-recover=all"}
	dir := t.TempDir()
	write(t, dir, "ok.c", []byte("int main(void) { return 0; }\n"))
	if out, err := exec.Command(gcc, append(flags, filepath.Join(dir, "ok.c"), "-o", filepath.Join(dir, "ok"))...).CombinedOutput(); err != nil {
		t.Logf("no -fsanitize=undefined: %v\n%s", err, out)
		return nil
	}
	return flags
}

// standaloneKernelsObject compiles the kernels at -O2 with the extra flags into dir
// and returns the object.
func standaloneKernelsObject(t *testing.T, dir string, extra []string) string {
	t.Helper()
	gcc := standaloneGCC(t)
	write(t, dir, KernelsHeader, kernelsH)
	write(t, dir, KernelsSource, kernelsC)
	args := append(append(append([]string(nil), standaloneCFlags...), extra...), "-O2", "-c", KernelsSource, "-o", "kernels.o")
	run(t, dir, nil, gcc, args...)
	return filepath.Join(dir, "kernels.o")
}

// buildStandaloneWith is buildStandalone linking the kernels object kobj
// instead of compiling the kernels ("" compiles them), with extra flags.
func buildStandaloneWith(t *testing.T, name string, m *tflite.Model, kobj string, extra []string) string {
	t.Helper()
	gcc := standaloneGCC(t)
	files, err := EmitCStandalone(name, m)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, f := range files {
		write(t, dir, f.Name, f.Data)
	}
	driver, err := filepath.Abs(filepath.Join("testdata", "standalone_driver.c"))
	if err != nil {
		t.Fatal(err)
	}
	args := append(append(append([]string(nil), standaloneCFlags...), extra...), "-O2",
		fmt.Sprintf("-DMODEL_HEADER=%q", name+"_model.h"), "-DNAME="+name, "-DUNAME="+strings.ToUpper(name),
		"-I", dir, driver, filepath.Join(dir, name+"_model.c"), "-o", filepath.Join(dir, "driver"))
	if kobj == "" {
		kobj = filepath.Join(dir, KernelsSource)
	}
	args = append(args, kobj)
	cmd := exec.Command(gcc, args...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gcc %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return filepath.Join(dir, "driver")
}

// runStandalone runs the program on inputs (whole inputs, one after
// another) and returns its outputs and the C time of one invoke in µs.
func runStandalone(t testing.TB, prog string, inputs []byte) ([]byte, float64) {
	t.Helper()
	dir := filepath.Dir(prog)
	in, out := filepath.Join(dir, "in.bin"), filepath.Join(dir, "out.bin")
	if err := os.WriteFile(in, inputs, 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, err := exec.Command(prog, in, out).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", prog, err, stdout)
	}
	var n int
	var us float64
	if _, err := fmt.Sscanf(string(stdout), "invokes %d us_per_invoke %g", &n, &us); err != nil {
		t.Fatalf("driver printed %q: %v", stdout, err)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return got, us
}

// interpStandalone runs the inputs through the interpreter, returning the
// outputs one after another and the CPU time of one Invoke in µs.
func interpStandalone(t testing.TB, m *tflite.Model, inputs []byte) ([]byte, float64) {
	t.Helper()
	it, err := interp.New(m)
	if err != nil {
		t.Fatal(err)
	}
	in, out := it.Input(0).Bytes(), it.Output(0).Bytes()
	n := len(inputs) / len(in)
	res := make([]byte, 0, n*len(out))
	start := standaloneCPUTime()
	for i := 0; i < n; i++ {
		copy(in, inputs[i*len(in):])
		if err := it.Invoke(); err != nil {
			t.Fatal(err)
		}
		res = append(res, out...)
	}
	return res, float64((standaloneCPUTime() - start).Microseconds()) / float64(max(n, 1))
}

// compareStandalone wants C and Go outputs identical, input by input.
func compareStandalone(t testing.TB, got, want []byte, outSize int) int {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("C wrote %d bytes, the interpreter %d", len(got), len(want))
	}
	same, bad := 0, 0
	for i := 0; i < len(want); i += outSize {
		if bytes.Equal(got[i:i+outSize], want[i:i+outSize]) {
			same++
			continue
		}
		if bad++; bad <= 5 {
			t.Errorf("input %d: C %v, interpreter %v", i/outSize, standaloneInt8s(got[i:i+outSize]), standaloneInt8s(want[i:i+outSize]))
		}
	}
	return same
}

func standaloneInt8s(b []byte) []int8 {
	v := make([]int8, len(b))
	for i, c := range b {
		v[i] = int8(c)
	}
	return v
}

// standalonePixels turns MNIST pixels p into the model's int8 input,
// q = clamp(round(p/255/scale) + zp).
func standalonePixels(images []byte, scale float32, zp int64) []byte {
	q := make([]byte, len(images))
	for i, p := range images {
		v := math.Round(float64(float32(float64(p)/255))/float64(scale)) + float64(zp)
		q[i] = byte(int8(max(-128, min(127, v))))
	}
	return q
}

// TestStandaloneMNIST: the project's own trained int8 model, in C, on
// every MNIST test image (1,000 with -short), gives the interpreter's
// bytes.
func TestStandaloneMNIST(t *testing.T) {
	m := standaloneModelFile(t, "mnistcnn_int8.tflite")
	prog := buildStandalone(t, "mnist", m)
	n := 10000
	if testing.Short() {
		n = 1000
	}
	set := mnisttest.Test(t, n)
	in := &m.Subgraphs[0].Tensors[m.Subgraphs[0].Inputs[0]]
	inputs := standalonePixels(set.Images, in.Quant.Scale[0], in.Quant.ZeroPoint[0])
	// The input scale is 1/255 and zero point −128: q = p − 128.
	for i, p := range set.Images[:784] {
		if int8(inputs[i]) != int8(int(p)-128) {
			t.Fatalf("pixel %d: %d gives %d, want p − 128", i, p, int8(inputs[i]))
		}
	}
	want, goUS := interpStandalone(t, m, inputs)
	got, cUS := runStandalone(t, prog, inputs)
	same := compareStandalone(t, got, want, 10)
	correct := 0
	for i := 0; i < set.N; i++ {
		best := 0
		for k := range 10 {
			if int8(got[i*10+k]) > int8(got[i*10+best]) {
				best = k
			}
		}
		if best == int(set.Labels[i]) {
			correct++
		}
	}
	t.Logf("%d/%d images: C output identical to the interpreter's; %d correct", same, set.N, correct)
	t.Logf("µs per image: C (gcc -O2) %.1f, Go interpreter %.1f", cUS, goUS)
	if n == 10000 && correct != 9912 {
		t.Errorf("%d of 10,000 correct, want 9,912 (eval's figure for this model)", correct)
	}
}

// TestStandaloneHelloWorld: TFLM's hello_world int8 model on each of the
// 256 possible inputs.
func TestStandaloneHelloWorld(t *testing.T) {
	m := standaloneModelFile(t, "hello_world_int8.tflite")
	prog := buildStandalone(t, "hello_world", m)
	inputs := make([]byte, 256)
	for i := range inputs {
		inputs[i] = byte(i)
	}
	want, _ := interpStandalone(t, m, inputs)
	got, _ := runStandalone(t, prog, inputs)
	if same := compareStandalone(t, got, want, 1); same != 256 {
		t.Errorf("%d/256 identical", same)
	}
}

// standaloneInputs are n inputs of size bytes from a fixed-seed generator,
// then one all −128 and one all 127.
func standaloneInputs(n, size int, seed uint64) []byte {
	r := seed | 1
	b := make([]byte, 0, (n+2)*size)
	for range n * size {
		r ^= r << 13
		r ^= r >> 7
		r ^= r << 17
		b = append(b, byte(r>>24))
	}
	b = append(b, bytes.Repeat([]byte{0x80}, size)...)
	return append(b, bytes.Repeat([]byte{0x7f}, size)...)
}

// TestStandalonePersonDetect: TFLM's person_detect (depthwise convolutions
// with multipliers 8 and 1, SAME padding, stride 2, an average pool).
func TestStandalonePersonDetect(t *testing.T) {
	m := standaloneModelFile(t, "person_detect.tflite")
	prog := buildStandalone(t, "person_detect", m)
	inputs := standaloneInputs(4, 96*96, 7)
	want, _ := interpStandalone(t, m, inputs)
	got, _ := runStandalone(t, prog, inputs)
	if same := compareStandalone(t, got, want, 2); same != 6 {
		t.Errorf("%d/6 identical", same)
	}
}

func TestStandaloneRefuses(t *testing.T) {
	for _, tc := range []struct{ file, want string }{
		{"mnist_lstm_int8.tflite", "convert: c-standalone: operator 0 (UNIDIRECTIONAL_SEQUENCE_LSTM) not supported"},
		{"hello_world_float.tflite", "convert: c-standalone: the model's input 0 is FLOAT32: only full-integer int8 models can be compiled"},
		{"mnist_lstm_float.tflite", "convert: c-standalone: the model's input 0 is FLOAT32"},
		{"mnist_cnn_float_uint8in_alankrantas.tflite", "convert: c-standalone: the model's input 0 is UINT8"},
	} {
		_, err := EmitCStandalone("net", standaloneModelFile(t, tc.file))
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.file, err, tc.want)
		}
	}
	m := standaloneModelFile(t, "hello_world_int8.tflite")
	for _, name := range []string{"", "int", "_net", "9net", "a-b"} {
		if _, err := EmitCStandalone(name, m); err == nil {
			t.Errorf("name %q accepted", name)
		}
	}
	// An int8 operator the interpreter runs but c-standalone has no kernel
	// for: QUANTIZE from int8 to int8.
	b := newSABuilder()
	x := b.act("x", []int32{1, 4}, 0.1, 3)
	y := b.act("y", []int32{1, 4}, 0.2, -1)
	b.op(tflite.OpQuantize, nil, []int32{x}, []int32{y})
	b.io(x, y)
	if _, err := interp.New(&b.m); err != nil {
		t.Fatal(err)
	}
	_, err := EmitCStandalone("net", &b.m)
	if want := "convert: c-standalone: operator 0 (QUANTIZE) not supported"; err == nil || err.Error() != want {
		t.Errorf("QUANTIZE: %v, want %q", err, want)
	}
}

// TestStandaloneDeterministic: the same model gives the same bytes, also
// decoded afresh, and the kernel files are the repository's.
func TestStandaloneDeterministic(t *testing.T) {
	a, err := EmitCStandalone("mnist", standaloneModelFile(t, "mnistcnn_int8.tflite"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := EmitCStandalone("mnist", standaloneModelFile(t, "mnistcnn_int8.tflite"))
	if err != nil {
		t.Fatal(err)
	}
	wantNames := []string{"mnist_model.h", "mnist_model.c", KernelsHeader, KernelsSource}
	if len(a) != len(wantNames) || len(b) != len(a) {
		t.Fatalf("%d and %d files, want %d", len(a), len(b), len(wantNames))
	}
	for i := range a {
		if a[i].Name != wantNames[i] || b[i].Name != a[i].Name || !bytes.Equal(a[i].Data, b[i].Data) {
			t.Errorf("file %d: %s and %s differ (want %s)", i, a[i].Name, b[i].Name, wantNames[i])
		}
		if !bytes.HasPrefix(a[i].Data, []byte(GeneratedHeader+"\n")) {
			t.Errorf("%s does not start with %q", a[i].Name, GeneratedHeader)
		}
	}
	for i, path := range []string{"cstandalone/mnistcnn_kernels.h", "cstandalone/mnistcnn_kernels.c"} {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a[2+i].Data, append([]byte(GeneratedHeader+"\n\n"), src...)) {
			t.Errorf("%s is not %s with the generated-file line", a[2+i].Name, path)
		}
	}
	t.Logf("mnist_model.c: %d bytes, mnist_model.h: %d bytes", len(a[1].Data), len(a[0].Data))
}

// TestStandaloneGolden: the files of hello_world_int8.
func TestStandaloneGolden(t *testing.T) {
	files, err := EmitCStandalone("hello_world", standaloneModelFile(t, "hello_world_int8.tflite"))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "standalone_hello_world_model.h.golden", files[0].Data)
	golden(t, "standalone_hello_world_model.c.golden", files[1].Data)
}

// TestStandaloneCortexM compiles the MNIST model and the kernels for a
// Cortex-M4 at -O2 and -Os and checks that they call nothing but memcpy
// and memset (no floating point, no libc beyond <string.h>, no 64-bit
// division helpers).
func TestStandaloneCortexM(t *testing.T) {
	armGCC, err := exec.LookPath("arm-none-eabi-gcc")
	if err != nil {
		t.Skip("arm-none-eabi-gcc not installed")
	}
	files, err := EmitCStandalone("mnist", standaloneModelFile(t, "mnistcnn_int8.tflite"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, f := range files {
		write(t, dir, f.Name, f.Data)
	}
	for _, opt := range []string{"-O2", "-Os"} {
		var objs []string
		for _, src := range []string{"mnist_model.c", KernelsSource} {
			obj := strings.TrimSuffix(src, ".c") + opt + ".o"
			args := append(append([]string{"-mcpu=cortex-m4", "-mthumb", opt}, standaloneCFlags...), "-c", src, "-o", obj)
			run(t, dir, nil, armGCC, args...)
			objs = append(objs, obj)
		}
		if nm, err := exec.LookPath("arm-none-eabi-nm"); err == nil {
			undef := strings.Fields(run(t, dir, nil, nm, append([]string{"-u"}, objs...)...))
			for _, s := range undef {
				if strings.HasSuffix(s, ".o:") || s == "U" || s == "memcpy" || s == "memset" ||
					strings.HasPrefix(s, "mnistcnn_") {
					continue
				}
				t.Errorf("%s: the objects call %s", opt, s)
			}
		}
		if size, err := exec.LookPath("arm-none-eabi-size"); err == nil {
			t.Logf("cortex-m4 %s:\n%s", opt, run(t, dir, nil, size, objs...))
		}
	}
}

// TestStandaloneBuildTestData: Build's c-standalone output with test data
// skips the float model; a program written after the header's usage
// comment classifies the test images as the interpreter does.
func TestStandaloneBuildTestData(t *testing.T) {
	gcc := standaloneGCC(t)
	m := standaloneModelFile(t, "mnistcnn_int8.tflite")
	set := mnisttest.Test(t, 30)
	if _, err := emitAll(FormatCStandalone, []Built{{Kind: KindFloat, Name: "net_float"}}, Options{Name: "net"}); err == nil {
		t.Error("c-standalone of a float model alone: no error")
	}
	built := []Built{{Kind: KindFloat, Name: "net_float"}, {Kind: KindInt8, Name: "net_int8", Model: m}}
	files, err := emitAll(FormatCStandalone, built, Options{Name: "net", TestData: set})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	dir := t.TempDir()
	for _, f := range files {
		names = append(names, f.Name)
		write(t, dir, f.Name, f.Data)
	}
	if want := "net_model.h net_model.c mnistcnn_kernels.h mnistcnn_kernels.c net_model_test_data.h"; strings.Join(names, " ") != want {
		t.Errorf("files %v, want %s", names, want)
	}
	write(t, dir, "main.c", []byte(`#include <stdio.h>

#include "net_model.h"
#include "net_model_test_data.h"

static const int shape[NET_INPUT_RANK] = NET_INPUT_SHAPE;

int main(void) {
  int8_t in[NET_INPUT_SIZE], out[NET_OUTPUT_SIZE];
  unsigned k;
  int i, best;
  if (shape[1] != NET_INPUT_DIM1 || NET_INPUT_DIM1 * NET_INPUT_DIM2 != NET_INPUT_SIZE) return 3;
  printf("input %d %d %d %d zp %d, output %d zp %d, arena %d\n", NET_INPUT_DIM0, NET_INPUT_DIM1, NET_INPUT_DIM2,
         NET_INPUT_DIM3, NET_INPUT_ZERO_POINT, NET_OUTPUT_SIZE, NET_OUTPUT_ZERO_POINT, NET_ARENA_BYTES);
  for (k = 0; k < net_test_count; k++) {
    for (i = 0; i < NET_INPUT_SIZE; i++) in[i] = (int8_t)(net_test_images[k][i / 28][i % 28] - 128);
    if (net_invoke(in, out) != 0) return 1;
    best = 0;
    for (i = 1; i < NET_OUTPUT_SIZE; i++)
      if (out[i] > out[best]) best = i;
    printf("%u %d\n", net_test_labels[k], best);
  }
  return 0;
}
`))
	args := append(append([]string(nil), standaloneCFlags...), "-O2", "main.c", "net_model.c", KernelsSource, "-o", "prog")
	run(t, dir, nil, gcc, args...)
	got := run(t, dir, nil, filepath.Join(dir, "prog"))
	// The header works from C++ too (extern "C").
	var gotCC string
	if gxx, err := exec.LookPath("g++"); err == nil {
		run(t, dir, nil, gcc, append(append([]string(nil), standaloneCFlags...), "-O2", "-c", "net_model.c", KernelsSource)...)
		run(t, dir, nil, gxx, "-std=c++11", "-Wall", "-Wextra", "-Werror", "-pedantic", "-x", "c++", "main.c", "-x", "none",
			"net_model.o", "mnistcnn_kernels.o", "-o", "prog_cc")
		gotCC = run(t, dir, nil, filepath.Join(dir, "prog_cc"))
	}

	it, err := interp.New(m)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("input 1 28 28 1 zp -128, output 10 zp -128, arena %d\n", it.ArenaBytes())
	inputs := standalonePixels(set.Images, 1.0/255, -128)
	for k := 0; k < set.N; k++ {
		copy(it.Input(0).Bytes(), inputs[k*784:])
		if err := it.Invoke(); err != nil {
			t.Fatal(err)
		}
		best := 0
		for i, v := range it.Output(0).Int8s() {
			if v > it.Output(0).Int8s()[best] {
				best = i
			}
		}
		want += fmt.Sprintf("%d %d\n", set.Labels[k], best)
	}
	if got != want {
		t.Errorf("program printed\n%s\nwant\n%s", got, want)
	}
	if gotCC != "" && gotCC != want {
		t.Errorf("C++ program printed\n%s\nwant\n%s", gotCC, want)
	}
}
