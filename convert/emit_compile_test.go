package convert

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mnistcnn/mnistcnn/tflite"
)

// checkProgram is compiled as C and as C++ against the emitted files. It
// compares the array with the .tflite file named by argv[1] byte by byte,
// checks its 16-byte alignment, and prints what it sees of the test data.
const checkProgram = `#include <stdint.h>
#include <stdio.h>

#include "hello_world_int8.h"
#include "g_test.h"

static unsigned char want[1 << 20];
/* The arena size is a constant expression: it can size a static array. */
static unsigned char arena[g_hello_world_int8_arena_bytes];

int main(int argc, char** argv) {
  FILE* f;
  size_t n, i;
  unsigned int k;
  if (argc != 2) return 2;
  f = fopen(argv[1], "rb");
  if (f == NULL) return 2;
  n = fread(want, 1, sizeof want, f);
  fclose(f);
  if (g_hello_world_int8_len != n) {
    printf("len %u, file has %u bytes\n", g_hello_world_int8_len, (unsigned)n);
    return 1;
  }
  for (i = 0; i < n; i++) {
    if (g_hello_world_int8[i] != want[i]) {
      printf("byte %u differs\n", (unsigned)i);
      return 1;
    }
  }
  if ((uintptr_t)g_hello_world_int8 % 16 != 0) {
    printf("array not 16-byte aligned\n");
    return 1;
  }
  printf("model ok, %u bytes\n", g_hello_world_int8_len);
  for (k = 0; k < g_test_count; k++) {
    unsigned long sum = 0;
    for (i = 0; i < 28 * 28; i++) sum += g_test_images[k][i / 28][i % 28];
    printf("image %u label %u sum %lu\n", k, g_test_labels[k], sum);
  }
  printf("arena %u bytes\n", (unsigned)sizeof arena);
  return 0;
}
`

// wantCheckOutput is what checkProgram must print for tinyImages: sums 0,
// 20×255 = 5100 and (0+1+2)+(1+2+3)+(2+3+4) = 18.
func wantCheckOutput(n int) string {
	return fmt.Sprintf("model ok, %d bytes\nimage 0 label 0 sum 0\nimage 1 label 1 sum 5100\nimage 2 label 7 sum 18\n", n)
}

func run(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func write(t *testing.T, dir, name string, data []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestCompileC compiles the emitted C and C++ files with warnings as
// errors, links them with checkProgram (also across languages, which only
// works if the header's extern "C" is right) and runs the result.
func TestCompileC(t *testing.T) {
	gcc, errC := exec.LookPath("gcc")
	gxx, errCXX := exec.LookPath("g++")
	if errC != nil || errCXX != nil {
		t.Skip("gcc or g++ not installed")
	}
	data, info := readModel(t, helloInt8)
	// The header's arena is InfoOf's TFLM figure (1616 bytes, as in the
	// golden test).
	wantOut := wantCheckOutput(len(data)) + fmt.Sprintf("arena %d bytes\n", info.TFLMArenaBytes())
	cc, err := EmitCC("g_hello_world_int8", "hello_world_int8.h", data, info)
	if err != nil {
		t.Fatal(err)
	}
	c, err := EmitC("g_hello_world_int8", "hello_world_int8.h", data, info)
	if err != nil {
		t.Fatal(err)
	}
	images, labels := tinyImages()
	td, err := EmitTestDataC("g_test", images, labels, info.Inputs[0])
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write(t, dir, "hello_world_int8.h", cc.Header)
	write(t, dir, "hello_world_int8.cc", cc.Source)
	write(t, dir, "hello_world_int8.c", c.Source)
	write(t, dir, "g_test.h", td)
	write(t, dir, "main.c", []byte(checkProgram))
	write(t, dir, "main.cc", []byte(checkProgram))
	model, err := filepath.Abs(helloInt8)
	if err != nil {
		t.Fatal(err)
	}

	cflags := []string{"-Wall", "-Wextra", "-Werror", "-pedantic"}
	// TFLM's own CXXFLAGS and warnings (tensorflow/lite/micro/tools/make/Makefile).
	tflmFlags := strings.Fields(`-std=c++11 -fno-rtti -fno-exceptions -fno-threadsafe-statics
		-Wsign-compare -Wdouble-promotion -Wshadow -Wunused-variable -Wmissing-field-initializers
		-Wunused-function -Wswitch -Wvla -Wall -Wextra -Wstrict-aliasing -Wno-unused-parameter
		-Werror -DTF_LITE_STATIC_MEMORY`)
	c99 := append([]string{"-std=c99"}, cflags...)
	cxx17 := append([]string{"-std=c++17"}, cflags...)
	for _, tc := range []struct {
		name  string
		steps [][]string // commands; the last one links ./prog
	}{
		{"c++17", [][]string{{gxx}, cxx17, {"main.cc", "hello_world_int8.cc", "-o", "prog"}}},
		{"c99", [][]string{{gcc}, c99, {"main.c", "hello_world_int8.c", "-o", "prog"}}},
		{"c11", [][]string{{gcc, "-std=c11"}, cflags, {"main.c", "hello_world_int8.c", "-o", "prog"}}},
		{"tflm flags", [][]string{{gxx}, tflmFlags, {"main.cc", "hello_world_int8.cc", "-o", "prog"}}},
		{"c99 model, c++ main", [][]string{{gcc}, c99, {"-c", "hello_world_int8.c", "-o", "model.o", "&&"},
			{gxx}, cxx17, {"main.cc", "model.o", "-o", "prog"}}},
		{"c++ model, c99 main", [][]string{{gxx}, cxx17, {"-c", "hello_world_int8.cc", "-o", "model.o", "&&"},
			{gcc}, c99, {"-c", "main.c", "-o", "main.o", "&&"}, {gxx, "main.o", "model.o", "-o", "prog"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var args []string
			for _, s := range tc.steps {
				args = append(args, s...)
			}
			for len(args) > 0 {
				i := 0
				for i < len(args) && args[i] != "&&" {
					i++
				}
				run(t, dir, nil, args[0], args[1:i]...)
				args = args[min(i+1, len(args)):]
			}
			if got := run(t, dir, nil, filepath.Join(dir, "prog"), model); got != wantOut {
				t.Errorf("program printed\n%s\nwant\n%s", got, wantOut)
			}
		})
	}
}

// TestGoRun builds and runs the emitted Go files in a temporary module that
// requires nothing, offline.
func TestGoRun(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go not in PATH")
	}
	data, info := readModel(t, helloInt8)
	src, err := EmitGo("main", "HelloWorldInt8", data, info)
	if err != nil {
		t.Fatal(err)
	}
	images, labels := tinyImages()
	td, err := EmitTestDataGo("main", "Test", images, labels, TensorInfo{Type: tflite.Float32})
	if err != nil {
		t.Fatal(err)
	}
	// big is split into three constant parts (8192 bytes each, see
	// goLinesPerPart): 20,000 bytes of a pattern.
	big := make([]byte, 20000)
	for i := range big {
		big[i] = byte(i * 7 >> 2)
	}
	bigSrc, err := EmitGo("main", "big", big, ModelInfo{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(bigSrc, []byte("const big = bigPart000 + bigPart001 + bigPart002\n")) {
		t.Errorf("20,000 bytes not split in three parts")
	}
	dir := t.TempDir()
	write(t, dir, "go.mod", []byte("module gentest\n\ngo 1.26\n"))
	write(t, dir, "model.go", src)
	write(t, dir, "big.go", bigSrc)
	write(t, dir, "testdata.go", td)
	write(t, dir, "main.go", []byte(`package main

import (
	"fmt"
	"hash/fnv"
)

func main() {
	h := fnv.New32a()
	h.Write([]byte(HelloWorldInt8))
	fmt.Printf("len %d fnv32a %08x\n", len(HelloWorldInt8), h.Sum32())
	h = fnv.New32a()
	h.Write([]byte(big))
	fmt.Printf("big len %d fnv32a %08x\n", len(big), h.Sum32())
	in, out := HelloWorldInt8Inputs[0], HelloWorldInt8Outputs[0]
	fmt.Println(in.Type, in.Shape, in.ZeroPoint, out.Type, out.Shape, out.ZeroPoint, HelloWorldInt8Ops)
	for i := 0; i < TestCount; i++ {
		sum := 0
		for _, row := range TestImages[i] {
			for _, p := range row {
				sum += int(p)
			}
		}
		fmt.Printf("image %d label %d sum %d\n", i, TestLabels[i], sum)
	}
}
`))
	h := fnv.New32a()
	h.Write(data)
	hb := fnv.New32a()
	hb.Write(big)
	// Input and output zero points -128 and 5 as in TestInfoOfHelloWorld.
	want := fmt.Sprintf("len %d fnv32a %08x\nbig len 20000 fnv32a %08x\nINT8 [1 1] -128 INT8 [1 1] 5 [FULLY_CONNECTED]\n",
		len(data), h.Sum32(), hb.Sum32()) +
		strings.TrimPrefix(wantCheckOutput(len(data)), fmt.Sprintf("model ok, %d bytes\n", len(data)))
	env := []string{"GOFLAGS=-mod=mod", "GOPROXY=off", "GOTOOLCHAIN=local", "GOWORK=off"}
	if got := run(t, dir, env, gobin, "run", "."); got != want {
		t.Errorf("go run printed\n%s\nwant\n%s", got, want)
	}
	run(t, dir, env, gobin, "vet", ".")
}
