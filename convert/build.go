package convert

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/mnistcnn/mnistcnn/internal/atomicfile"
	"github.com/mnistcnn/mnistcnn/mnist"
	"github.com/mnistcnn/mnistcnn/model"
	"github.com/mnistcnn/mnistcnn/quantize"
	"github.com/mnistcnn/mnistcnn/tflite"
	"github.com/mnistcnn/mnistcnn/tflite/interp"
)

// Model kinds and output formats Build knows.
const (
	KindFloat = "float"
	KindInt8  = "int8"

	FormatTFLite = "tflite"
	FormatCC     = "cc"
	FormatC      = "c"
	FormatGo     = "go"
)

// Options choose what Build makes.
type Options struct {
	Kinds       []string // KindFloat, KindInt8
	Formats     []string // FormatTFLite, FormatCC, FormatC, FormatGo
	Name        string   // base of file and symbol names: <name>_float, <name>_int8
	Package     string   // package of emitted Go files
	Description string   // the models' description field
	Quantize    quantize.Options
	TestData    mnist.Set // images for a test-data file per source format; N = 0 for none
}

// File is one output of Build.
type File struct {
	Name string // base name, e.g. "mnist_int8.tflite"
	Data []byte
}

// Built is one model Build made.
type Built struct {
	Kind       string
	Name       string // <name>_<kind>
	Model      *tflite.Model
	Bytes      []byte // the .tflite file, recording its digest (EncodeWithDigest)
	ArenaBytes int    // mnistcnn's interpreter's activation arena
	TFLMArena  int    // the tensor arena TensorFlow Lite Micro needs (interp.ReportedArenaBytes)
}

// Build makes the requested models from ck (calib are the calibration
// inputs of the int8 model, float pixels/255 in the float model's input
// layout) and every requested file of each. It writes nothing: WriteFiles
// does, once everything has been made.
func Build(ck *model.Checkpoint, calib [][]float32, opt Options) ([]Built, []File, error) {
	if err := ValidCIdent(opt.Name); err != nil {
		return nil, nil, err
	}
	float, err := Float(ck, opt.Description)
	if err != nil {
		return nil, nil, err
	}
	var built []Built
	for _, kind := range opt.Kinds {
		m := float
		switch kind {
		case KindFloat:
		case KindInt8:
			if m, err = quantize.Int8(float, calib, opt.Quantize); err != nil {
				return nil, nil, err
			}
		default:
			return nil, nil, fmt.Errorf("convert: model kind %q: want %s or %s", kind, KindFloat, KindInt8)
		}
		b, err := EncodeWithDigest(m)
		if err != nil {
			return nil, nil, err
		}
		it, err := interp.New(m)
		if err != nil {
			return nil, nil, fmt.Errorf("convert: the %s model does not run: %w", kind, err)
		}
		built = append(built, Built{Kind: kind, Name: opt.Name + "_" + kind, Model: m, Bytes: b, ArenaBytes: it.ArenaBytes(), TFLMArena: it.ReportedArenaBytes()})
	}
	var files []File
	for _, format := range opt.Formats {
		fs, err := emitAll(format, built, opt)
		if err != nil {
			return nil, nil, err
		}
		files = append(files, fs...)
	}
	return built, files, nil
}

func emitAll(format string, built []Built, opt Options) ([]File, error) {
	if format == FormatCStandalone {
		return emitCStandaloneAll(built, opt) // standalone.go
	}
	var files []File
	var info ModelInfo
	for _, b := range built {
		var err error
		if info, err = InfoOf(b.Model); err != nil {
			return nil, err
		}
		info.ArenaBytes = b.ArenaBytes
		switch format {
		case FormatTFLite:
			files = append(files, File{b.Name + ".tflite", b.Bytes})
		case FormatCC, FormatC:
			emit, ext := EmitCC, ".cc"
			if format == FormatC {
				emit, ext = EmitC, ".c"
			}
			cf, err := emit("g_"+b.Name, b.Name+".h", b.Bytes, info)
			if err != nil {
				return nil, err
			}
			files = append(files, File{b.Name + ".h", cf.Header}, File{b.Name + ext, cf.Source})
		case FormatGo:
			src, err := EmitGo(opt.Package, goName(b.Name), b.Bytes, info)
			if err != nil {
				return nil, err
			}
			files = append(files, File{b.Name + ".go", src})
		default:
			return nil, fmt.Errorf("convert: format %q: want tflite, cc, c, c-standalone or go", format)
		}
	}
	// One test-data file per source format, described for the last model's
	// input (the int8 one when both are built).
	if opt.TestData.N == 0 || format == FormatTFLite || len(built) == 0 {
		return files, nil
	}
	td, in := opt.TestData, info.Inputs[0]
	name := opt.Name + "_test_data"
	switch format {
	case FormatCC, FormatC:
		src, err := EmitTestDataSetC("g_"+opt.Name+"_test", td, info.classes(), in)
		if err != nil {
			return nil, err
		}
		files = append(files, File{name + ".h", src})
	case FormatGo:
		src, err := EmitTestDataSetGo(opt.Package, goName(opt.Name+"_test"), td, info.classes(), in)
		if err != nil {
			return nil, err
		}
		files = append(files, File{name + ".go", src})
	}
	return files, nil
}

// goName turns a C-style name into an exported Go one: mnist_int8 → MnistInt8.
func goName(name string) string {
	var b strings.Builder
	for _, part := range strings.Split(name, "_") {
		if part == "" {
			continue
		}
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

// WriteFiles writes files into dir, each atomically. It checks first that
// dir is a folder it can write to and that no two files share a name, so a
// bad destination leaves nothing behind.
func WriteFiles(dir string, files []File) ([]string, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("convert: output folder: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("convert: output folder %s is not a folder", dir)
	}
	seen := map[string]bool{}
	for _, f := range files {
		if seen[f.Name] {
			return nil, fmt.Errorf("convert: two outputs named %s", f.Name)
		}
		seen[f.Name] = true
	}
	var paths []string
	for _, f := range files {
		p := filepath.Join(dir, f.Name)
		if err := atomicfile.WriteFile(p, f.Data, 0o644); err != nil {
			return paths, fmt.Errorf("convert: %w", err)
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// classes is the number of class scores of the model's first output, the
// labels its test data may hold; 0 if it has no output.
func (info ModelInfo) classes() int {
	if len(info.Outputs) == 0 {
		return 0
	}
	n := 1
	for _, d := range info.Outputs[0].Shape {
		n *= int(d)
	}
	return n
}
