package convert

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// CFiles are the two files of an emitted C or C++ model array.
type CFiles struct {
	Header []byte // declarations, C and C++ alike
	Source []byte // the definitions; .cc for C++, .c for C
}

// EmitCC returns a C++ header and source holding data as
//
//	alignas(16) const unsigned char <name>[] = {...};
//	const unsigned int <name>_len = <len(data)>;
//
// and, when the TFLM arena is known (info.TFLM), the header's constant
// <name>_arena_bytes = info.TFLMArenaBytes(), the tensor arena TensorFlow
// Lite Micro needs for the model.
//
// The source includes the header (named header, e.g. "mnist_int8.h"), so
// the const array has external linkage; the header declares both with C
// linkage, so C and C++ code can use them. Both files start with a comment
// describing info.
func EmitCC(name, header string, data []byte, info ModelInfo) (CFiles, error) {
	return emitC(name, header, data, info, true)
}

// EmitC is EmitCC for C projects: the source is C99 and aligns the array
// with _Alignas(16) under C11, __attribute__((aligned(16))) under GCC and
// Clang in C99 mode, and __declspec(align(16)) under MSVC. Other C99
// compilers get no alignment attribute (a comment says so) and must be told
// to align the array some other way (a pragma or a linker section).
func EmitC(name, header string, data []byte, info ModelInfo) (CFiles, error) {
	return emitC(name, header, data, info, false)
}

func emitC(name, header string, data []byte, info ModelInfo, cxx bool) (CFiles, error) {
	if err := ValidCIdent(name); err != nil {
		return CFiles{}, err
	}
	guard, err := headerGuard(header)
	if err != nil {
		return CFiles{}, err
	}
	if len(data) == 0 {
		return CFiles{}, errors.New("convert: empty model: C has no zero-length arrays")
	}
	if uint64(len(data)) > 0xffffffff {
		return CFiles{}, fmt.Errorf("convert: model of %d bytes does not fit an unsigned int length", len(data))
	}
	desc := describe(len(data), info)

	var h bytes.Buffer
	h.WriteString(GeneratedHeader + "\n//\n")
	for _, l := range desc {
		h.WriteString(strings.TrimRight("// "+l, " ") + "\n")
	}
	fmt.Fprintf(&h, `
#ifndef %[1]s
#define %[1]s

#ifdef __cplusplus
extern "C" {
#endif

// The .tflite flatbuffer, 16-byte aligned, and its length in bytes.
extern const unsigned char %[2]s[];
extern const unsigned int %[2]s_len;

#ifdef __cplusplus
}  // extern "C"
#endif
`, guard, name)
	if n := info.TFLMArenaBytes(); n > 0 {
		fmt.Fprintf(&h, `
// The tensor arena TensorFlow Lite Micro needs for this model, in bytes:
// the activations plus TFLM's own data, as mnistcnn models TFLM's
// AllocateTensors with the reference kernels; enough for a 64-bit host
// and a 32-bit Cortex-M build. Align the arena to 16 bytes:
//   alignas(16) uint8_t arena[%[1]s_arena_bytes];
// A constant expression in C and C++, e.g. for a static arena's size.
enum { %[1]s_arena_bytes = %[2]d };
`, name, n)
	}
	fmt.Fprintf(&h, "\n#endif  // %s\n", guard)

	var s bytes.Buffer
	s.WriteString(GeneratedHeader + "\n\n")
	fmt.Fprintf(&s, "#include %q\n\n", header)
	if cxx {
		fmt.Fprintf(&s, "alignas(16) const unsigned char %s[] = {\n", name)
	} else {
		s.WriteString(`// TFLite wants its tensor data 16-byte aligned.
#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define MNISTCNN_ALIGN16 _Alignas(16)
#elif defined(__GNUC__) || defined(__clang__)
#define MNISTCNN_ALIGN16 __attribute__((aligned(16)))
#elif defined(_MSC_VER)
#define MNISTCNN_ALIGN16 __declspec(align(16))
#else
// Unknown C99 compiler: align the array to 16 bytes by other means.
#define MNISTCNN_ALIGN16
#endif

`)
		fmt.Fprintf(&s, "MNISTCNN_ALIGN16 const unsigned char %s[] = {\n", name)
	}
	writeXxd(&s, data)
	fmt.Fprintf(&s, "};\nconst unsigned int %s_len = %d;\n", name, len(data))
	return CFiles{Header: h.Bytes(), Source: s.Bytes()}, nil
}

// writeXxd writes data as the body of a C array the way `xxd -i` does:
// 12 bytes a line, each "0x%02x", indented by two spaces.
func writeXxd(b *bytes.Buffer, data []byte) {
	for i := 0; i < len(data); i += 12 {
		line := data[i:min(i+12, len(data))]
		b.WriteString(" ")
		for j, c := range line {
			fmt.Fprintf(b, " 0x%02x", c)
			if i+j < len(data)-1 {
				b.WriteByte(',')
			}
		}
		b.WriteByte('\n')
	}
}

// headerGuard checks that header is a plain file name ending in .h (it goes
// into an #include, so no folders and no quotes) and derives the include
// guard from it: "mnist_int8.h" → "MNIST_INT8_H_".
func headerGuard(header string) (string, error) {
	if !strings.HasSuffix(header, ".h") || len(header) < 3 {
		return "", fmt.Errorf("convert: header name %q must end in .h", header)
	}
	for i := 0; i < len(header); i++ {
		c := header[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '.') {
			return "", fmt.Errorf("convert: header name %q: use a plain file name of letters, digits, _, - and .", header)
		}
	}
	g := []byte(strings.ToUpper(header))
	for i, c := range g {
		if !('A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			g[i] = '_'
		}
	}
	guard := string(g) + "_"
	if '0' <= guard[0] && guard[0] <= '9' || guard[0] == '_' {
		guard = "MNISTCNN_" + guard
	}
	return guard, nil
}
