package cortexm

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mnistcnn/mnistcnn/convert"
	"github.com/mnistcnn/mnistcnn/eval"
	"github.com/mnistcnn/mnistcnn/internal/mnisttest"
	"github.com/mnistcnn/mnistcnn/mnist"
	"github.com/mnistcnn/mnistcnn/tflite"
	"github.com/mnistcnn/mnistcnn/tflite/interp"
)

// modelFile is the project's int8 model (testdata/models/README.md).
const modelFile = "../../testdata/models/mnistcnn_int8.tflite"

// name is the --name of the emitted files: mnist_model.h, mnist_invoke, ...
const name = "mnist"

// needTools skips the test when the cross compiler, its C library, make or
// QEMU is missing, naming what is, except under CI (the CI environment
// variable set), where they must be there.
func needTools(t *testing.T) {
	t.Helper()
	var missing []string
	for _, tool := range []string{"make", "arm-none-eabi-gcc", "arm-none-eabi-size", "arm-none-eabi-nm", "qemu-system-arm"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	if len(missing) == 0 {
		// gcc prints the bare name when it has no such library: newlib is missing.
		out, err := exec.Command("arm-none-eabi-gcc", "-mcpu=cortex-m4", "-mthumb", "-print-file-name=libc.a").Output()
		if err != nil || !filepath.IsAbs(strings.TrimSpace(string(out))) {
			missing = append(missing, "newlib for arm-none-eabi-gcc (libc.a)")
		}
	}
	if len(missing) == 0 {
		return
	}
	msg := "missing " + strings.Join(missing, ", ") +
		" (Debian: apt-get install make gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm)"
	if os.Getenv("CI") != "" {
		t.Fatal("CI is set but the Cortex-M toolchain is incomplete: " + msg)
	}
	t.Skip(msg)
}

// reference is what the Go side computes for the test images.
type reference struct {
	lut      [256]int8 // model input of each pixel value
	outputs  [][]int8  // interpreter's output tensor, per image
	correct  int       // images whose first largest output is the label
	checksum uint32    // FNV-1a of all the output bytes, image after image
	arena    int       // the interpreter's activation arena, bytes
}

// inputTable is eval's pixel quantization (eval/io.go) for an int8 input:
// q = clamp(round(p/255/scale) + zero_point, −128, 127), in float64.
func inputTable(t *testing.T, in *interp.Tensor) (lut [256]int8) {
	t.Helper()
	if in.Type != tflite.Int8 || len(in.Scale) != 1 || len(in.ZeroPoint) != 1 || in.NumElements() != 28*28 {
		t.Fatalf("input %q: %v %v scale %v zero point %v: not one per-tensor int8 28×28 image", in.Name, in.Type, in.Shape, in.Scale, in.ZeroPoint)
	}
	for p := range lut {
		q := int32(math.Round(float64(p)/255/float64(in.Scale[0]))) + int32(in.ZeroPoint[0])
		lut[p] = int8(min(max(q, -128), 127))
	}
	return lut
}

// computeReference runs the interpreter on every image of set, and checks
// that eval (which quantizes the pixels itself) sees the same outputs, so
// the table the test compares the firmware's with is eval's.
func computeReference(t *testing.T, b []byte, m *tflite.Model, set mnist.Set) *reference {
	t.Helper()
	it, err := interp.New(m)
	if err != nil {
		t.Fatal(err)
	}
	em, err := eval.FromBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	in, out := it.Input(0), it.Output(0)
	if out.Type != tflite.Int8 || len(out.Scale) != 1 {
		t.Fatalf("output %q: %v scale %v, want per-tensor int8", out.Name, out.Type, out.Scale)
	}
	r := &reference{lut: inputTable(t, in), arena: it.ArenaBytes()}
	h := fnv.New32a()
	scale, zp := out.Scale[0], float32(out.ZeroPoint[0])
	for i := 0; i < set.N; i++ {
		dst := in.Int8s()
		for j, p := range set.Image(i) {
			dst[j] = r.lut[p]
		}
		if err := it.Invoke(); err != nil {
			t.Fatalf("image %d: %v", i, err)
		}
		got := append([]int8(nil), out.Int8s()...)
		r.outputs = append(r.outputs, got)
		h.Write(out.Bytes())
		if argmax(got) == int(set.Labels[i]) {
			r.correct++
		}
		scores, err := em.Predict(set.Image(i))
		if err != nil {
			t.Fatalf("image %d: eval: %v", i, err)
		}
		for k, q := range got {
			if scores[k] != scale*(float32(q)-zp) {
				t.Fatalf("image %d: eval's score %d is %g, the interpreter's byte %d dequantizes to %g",
					i, k, scores[k], q, scale*(float32(q)-zp))
			}
		}
	}
	r.checksum = h.Sum32()
	return r
}

// emitModel writes what `mnistcnn convert --format c-standalone --name
// mnist --test-data N` writes: the model's four files (EmitCStandalone) and
// mnist_model_test_data.h with set (EmitTestDataC, arrays mnist_test_*).
func emitModel(t *testing.T, m *tflite.Model, set mnist.Set, dir string) {
	t.Helper()
	files, err := convert.EmitCStandalone(name, m)
	if err != nil {
		t.Fatal(err)
	}
	info, err := convert.InfoOf(m)
	if err != nil {
		t.Fatal(err)
	}
	td, err := convert.EmitTestDataC(name+"_test", set.Images, set.Labels, info.Inputs[0])
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, convert.File{Name: name + "_model_test_data.h", Data: td})
	if _, err := convert.WriteFiles(dir, files); err != nil {
		t.Fatal(err)
	}
}

// argmax is the first largest value's index, as the firmware and
// model.Class pick it.
func argmax(v []int8) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}

// run runs a command in the test's directory (this package's) and returns
// its standard output; it fails the test with everything printed if the
// command fails.
func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, stdout.Bytes(), stderr.Bytes())
	}
	return stdout.String()
}

// firmware is what one run of the firmware printed.
type firmware struct {
	header  map[string]string
	lut     string
	outputs map[int][]int8
	preds   map[int]int
	result  map[string]string
}

// keyValues parses "k1 v1 k2 v2 ..." (fields after the record's tag).
func keyValues(dst map[string]string, fields []string) {
	for i := 0; i+1 < len(fields); i += 2 {
		dst[fields[i]] = fields[i+1]
	}
}

func parseFirmware(t *testing.T, out string) *firmware {
	t.Helper()
	fw := &firmware{header: map[string]string{}, outputs: map[int][]int8{}, preds: map[int]int{}, result: map[string]string{}}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "model":
			keyValues(fw.header, f[1:])
		case "lut":
			if len(f) == 2 {
				fw.lut = f[1]
			}
		case "result":
			keyValues(fw.result, f[1:])
		case "img":
			// img <i> label <l> pred <p> ticks <t> out <hex>
			kv := map[string]string{}
			keyValues(kv, f)
			i, err1 := strconv.Atoi(kv["img"])
			p, err2 := strconv.Atoi(kv["pred"])
			raw, err3 := hex.DecodeString(kv["out"])
			if err1 != nil || err2 != nil || err3 != nil {
				t.Fatalf("bad line %q", sc.Text())
			}
			o := make([]int8, len(raw))
			for k, c := range raw {
				o[k] = int8(c)
			}
			if _, dup := fw.outputs[i]; dup {
				t.Fatalf("image %d reported twice", i)
			}
			fw.outputs[i], fw.preds[i] = o, p
		}
	}
	return fw
}

// number is the firmware's or the report's figure key, or fails the test.
func number(t *testing.T, m map[string]string, key string) int64 {
	t.Helper()
	v, err := strconv.ParseInt(m[key], 10, 64)
	if err != nil {
		t.Fatalf("no figure %q in %v", key, m)
	}
	return v
}

// sizeLine finds the report's "size <kind> <name> key value ..." line.
func sizeLine(t *testing.T, report, kind string) map[string]string {
	t.Helper()
	for _, line := range strings.Split(report, "\n") {
		f := strings.Fields(line)
		if len(f) > 3 && f[0] == "size" && f[1] == kind {
			m := map[string]string{}
			keyValues(m, f[3:])
			return m
		}
	}
	t.Fatalf("no \"size %s\" line in the report:\n%s", kind, report)
	return nil
}

// TestFirmwareMatchesInterpreter emits the C standalone model of the
// project's int8 model and the first images of the MNIST test set, builds
// the firmware with -O2 and with -Os, runs each on QEMU's mps2-an386, and
// compares every output byte of every image with the Go interpreter's.
func TestFirmwareMatchesInterpreter(t *testing.T) {
	needTools(t)
	n := 1000
	if testing.Short() {
		n = 100
	}
	b, err := tflite.ReadFile(modelFile)
	if err != nil {
		t.Fatal(err)
	}
	m, err := tflite.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	set := mnisttest.Test(t, n)
	if set.N != n {
		t.Fatalf("%d test images, want %d", set.N, n)
	}
	ref := computeReference(t, b, m, set)

	modelDir := filepath.Join(t.TempDir(), "model")
	if err := os.Mkdir(modelDir, 0o755); err != nil {
		t.Fatal(err)
	}
	emitModel(t, m, set, modelDir)

	wantLUT := make([]byte, 256)
	for p, q := range ref.lut {
		wantLUT[p] = byte(q)
	}
	for _, opt := range []string{"-O2", "-Os"} {
		t.Run(strings.TrimPrefix(opt, "-"), func(t *testing.T) {
			t.Parallel() // the two builds and runs share nothing but the model folder, read-only
			build := filepath.Join(t.TempDir(), "build")
			vars := []string{"-s", "MODEL_DIR=" + modelDir, "NAME=" + name, "OPT=" + opt, "BUILD=" + build}
			start := time.Now()
			run(t, "make", vars...)
			buildTime := time.Since(start)
			report := run(t, "make", append(vars, "report")...)

			// The flags of the Makefile's run target.
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			var stdout, stderr bytes.Buffer
			qemu := exec.CommandContext(ctx, "qemu-system-arm", "-M", "mps2-an386", "-cpu", "cortex-m4",
				"-nographic", "-monitor", "none", "-serial", "none",
				"-semihosting-config", "enable=on,target=native", "-icount", "shift=0",
				"-kernel", filepath.Join(build, "firmware.elf"))
			qemu.Stdout, qemu.Stderr = &stdout, &stderr
			start = time.Now()
			err := qemu.Run()
			qemuTime := time.Since(start)
			if err != nil {
				tail := stdout.String()
				if len(tail) > 2000 {
					tail = "..." + tail[len(tail)-2000:]
				}
				t.Fatalf("qemu: %v\n%s%s", err, tail, stderr.Bytes())
			}
			fw := parseFirmware(t, stdout.String())

			if got := number(t, fw.header, "images"); got != int64(n) {
				t.Fatalf("firmware has %d images, want %d", got, n)
			}
			if got := number(t, fw.header, "arena_bytes"); got != int64(ref.arena) {
				t.Errorf("the model's arena is %d bytes, the interpreter's %d", got, ref.arena)
			}
			if fw.lut != hex.EncodeToString(wantLUT) {
				t.Errorf("the firmware's pixel table\n%s\nis not eval's\n%x", fw.lut, wantLUT)
			}
			bad := 0
			for i := 0; i < n; i++ {
				got, ok := fw.outputs[i]
				want := ref.outputs[i]
				if ok && slices.Equal(got, want) {
					if fw.preds[i] != argmax(want) {
						t.Errorf("image %d: firmware predicts %d, its bytes say %d", i, fw.preds[i], argmax(want))
					}
					continue
				}
				switch {
				case bad >= 10:
				case !ok:
					t.Errorf("image %d: the firmware printed no output", i)
				default:
					t.Errorf("image %d: firmware output %v, interpreter %v", i, got, want)
				}
				bad++
			}
			if bad > 0 {
				t.Fatalf("%d of %d images differ from the interpreter", bad, n)
			}
			if got := number(t, fw.result, "correct"); got != int64(ref.correct) {
				t.Errorf("firmware counts %d correct, the interpreter %d", got, ref.correct)
			}
			if got, want := fw.result["checksum_fnv1a32"], fmt.Sprintf("%08x", ref.checksum); got != want {
				t.Errorf("firmware checksum %s, want %s", got, want)
			}
			if fw.result["stack_overflow"] != "0" {
				t.Errorf("the stack overflowed its %s bytes", fw.result["stack_region_bytes"])
			}

			model, linked, elf := sizeLine(t, report, "model"), sizeLine(t, report, "linked-model"), sizeLine(t, report, "elf")
			t.Logf("%s: %d/%d images byte-exact, accuracy %s; build %.1fs, QEMU %.1fs (%d inferences)",
				opt, n, n, fw.result["accuracy"], buildTime.Seconds(), qemuTime.Seconds(), n)
			t.Logf("%s: model objects: flash %d (text %d + rodata %d + data %d), static RAM %d (data %d + bss %d); linked: flash %d (text %d), RAM %d",
				opt, number(t, model, "flash"), number(t, model, "text"), number(t, model, "rodata"), number(t, model, "data"),
				number(t, model, "ram"), number(t, model, "data"), number(t, model, "bss"),
				number(t, linked, "flash"), number(t, linked, "text"), number(t, linked, "ram"))
			t.Logf("%s: whole ELF: flash %d (of which %d test images and labels), static RAM %d, stack region %d",
				opt, number(t, elf, "flash"), number(t, elf, "testdata"), number(t, elf, "ram"), number(t, elf, "stack"))
			t.Logf("%s: peak stack of an inference %s bytes (main's frame above it %s); instructions per inference %s (ticks %s..%s of %s ns)",
				opt, fw.result["stack_peak_bytes"], fw.result["stack_main_bytes"], fw.result["instructions_per_inference"],
				fw.result["ticks_min"], fw.result["ticks_max"], fw.result["tick_ns"])
		})
	}
}
