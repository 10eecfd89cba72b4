package cmd

import (
	"fmt"
	"os"
	"strings"

	"github.com/mnistcnn/mnistcnn/convert"
	"github.com/mnistcnn/mnistcnn/internal/readfile"
	"github.com/mnistcnn/mnistcnn/mnist"
	"github.com/mnistcnn/mnistcnn/model"
	"github.com/mnistcnn/mnistcnn/quantize"
	"github.com/spf13/cobra"
)

// ConvertOptions are the options of `mnistcnn convert`.
type ConvertOptions struct {
	g           *globals
	Checkpoint  string
	OutDir      string
	Models      []string
	Formats     []string
	Name        string
	Package     string
	Data        string
	Calibration int
	Seed        uint64
	Method      string
	PerChannel  bool
	TestData    int
}

// NewCmdConvert builds `mnistcnn convert`; run replaces runConvert in tests.
func NewCmdConvert(g *globals, run func(*ConvertOptions) error) *cobra.Command {
	opts := &ConvertOptions{g: g}
	c := &cobra.Command{
		Use:   "convert",
		Short: "Write float32 and full-integer int8 .tflite models, or C/C++/Go sources",
		Long: `Convert a checkpoint into TensorFlow Lite models:

  OUT/mnist_float.tflite  float32, input FLOAT32 [1,28,28,1] = pixel/255
  OUT/mnist_int8.tflite   full-integer int8 for TensorFlow Lite Micro: every
                          tensor int8, input INT8 [1,28,28,1] = pixel − 128
                          (scale 1/255, zero point −128), output INT8 softmax
                          (scale 1/256, zero point −128)

The int8 model is calibrated on --calibration training images chosen by
--seed. --format adds sources: cc (C++ .cc/.h for TensorFlow Lite Micro), c
(.c/.h), go (a Go file) and c-standalone (below); --test-data N adds a
header (or Go file) of N MNIST test images and labels. The same checkpoint
and flags always give byte-identical files, written atomically.

--format c-standalone compiles the int8 model to plain C99 that needs no
TensorFlow Lite Micro, no interpreter and no flatbuffer (a float model built
alongside is skipped). It writes, with NAME from --name:

  OUT/NAME_model.h        the API below, C and C++
  OUT/NAME_model.c        weights, biases and requantization constants as
                          const arrays, one static activation buffer, and
                          the operators' call sequence
  OUT/mnistcnn_kernels.h  the int8 kernels, the same two files for any model
  OUT/mnistcnn_kernels.c

and with --test-data N also OUT/NAME_model_test_data.h (arrays
NAME_test_images, NAME_test_labels, NAME_test_count). Compile both .c files;
they use only <stdint.h> and <string.h>: no heap, no floating point. The API
(macros upper-case NAME):

  int NAME_invoke(const int8_t input[NAME_INPUT_SIZE], int8_t output[NAME_OUTPUT_SIZE]);
      runs the model (returns 0); not reentrant (one static buffer)
  NAME_INPUT_SIZE, NAME_INPUT_RANK, NAME_INPUT_SHAPE ({1, 28, 28, 1}),
  NAME_INPUT_DIM0..3, NAME_INPUT_ZERO_POINT, the same for NAME_OUTPUT_*,
  and NAME_ARENA_BYTES, the static RAM of the activations

For the models convert writes, input[i] = (int8_t)(p - 128) for the
pixels p, row by row, and output[k] is the softmax: class k has probability
(output[k] + 128)/256. NAME_model.h repeats the scales and zero points.
NAME_invoke computes exactly the bytes mnistcnn's int8 interpreter (and so
TensorFlow Lite Micro's reference kernels) computes: the constants, the
memory plan and the operator order are the interpreter's own. Supported
int8 operators: CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, MAX_POOL_2D,
AVERAGE_POOL_2D, RESHAPE, SOFTMAX (fused NONE, RELU, RELU6).

Each .tflite records a SHA-256 digest of its own bytes in its metadata
("mnistcnn_sha256"), which inspect and eval check; TensorFlow Lite ignores
it. The checkpoint must be a regular file of at most ` + readfile.Size(model.MaxCheckpointBytes) + `; --out-dir
is checked (a folder that exists or can be made, and takes files) before
any work.

` + exitCodesHelp,
		Example: `  $ mnistcnn convert
  $ mnistcnn convert --checkpoint one-epoch.ckpt --out-dir build
  $ mnistcnn convert --model int8 --format tflite,cc --test-data 50
  $ mnistcnn convert --format go --package mnistmodel --name mnist
  $ mnistcnn convert --model int8 --format c-standalone --test-data 10`,
		Args: noArgs,
		RunE: func(c *cobra.Command, args []string) error {
			for _, m := range opts.Models {
				if m != convert.KindFloat && m != convert.KindInt8 {
					return usagef("--model %q: want float or int8", m)
				}
			}
			for _, f := range opts.Formats {
				switch f {
				case convert.FormatTFLite, convert.FormatCC, convert.FormatC, convert.FormatGo, convert.FormatCStandalone:
				default:
					return usagef("--format %q: want tflite, cc, c, c-standalone or go", f)
				}
			}
			if contains(opts.Formats, convert.FormatCStandalone) && !contains(opts.Models, convert.KindInt8) {
				return usagef("--format c-standalone is written from the int8 model: add --model int8")
			}
			if err := convert.ValidCIdent(opts.Name); err != nil {
				return usageError{fmt.Errorf("--name: %w", err)}
			}
			if err := convert.ValidGoPackage(opts.Package); err != nil {
				return usageError{fmt.Errorf("--package: %w", err)}
			}
			if opts.Calibration < 1 || opts.TestData < 0 {
				return usagef("--calibration must be at least 1 and --test-data not negative")
			}
			switch opts.Method {
			case quantize.MinMax, quantize.Mean, quantize.Percentile:
			default:
				return usagef("--calibration-method %q: want minmax, mean or percentile", opts.Method)
			}
			if opts.TestData > 0 && !contains(opts.Formats, convert.FormatCC) && !contains(opts.Formats, convert.FormatC) &&
				!contains(opts.Formats, convert.FormatGo) && !contains(opts.Formats, convert.FormatCStandalone) {
				return usagef("--test-data %d writes the images as a source file: add --format cc, c or go, or c-standalone (e.g. --format tflite,cc)", opts.TestData)
			}
			if err := checkOutDir("out-dir", opts.OutDir); err != nil {
				return err
			}
			if run != nil {
				return run(opts)
			}
			return runConvert(opts)
		},
	}
	f := c.Flags()
	f.StringVarP(&opts.Checkpoint, "checkpoint", "c", "mnist.ckpt", "checkpoint to convert")
	f.StringVarP(&opts.OutDir, "out-dir", "o", "out", "folder to write into (made if missing)")
	f.StringSliceVar(&opts.Models, "model", []string{convert.KindFloat, convert.KindInt8}, "models to write: float, int8")
	f.StringSliceVar(&opts.Formats, "format", []string{convert.FormatTFLite}, "formats to write: tflite, cc, c, go, c-standalone")
	f.StringVar(&opts.Name, "name", "mnist", "base of file and symbol names (a C identifier): NAME_float, NAME_int8, NAME_model")
	f.StringVar(&opts.Package, "package", "mnistmodel", "package of emitted Go files")
	f.StringVar(&opts.Data, "data", "", "folder of MNIST IDX files (default: $"+mnist.EnvVar+", then the GoMNIST module)")
	f.IntVar(&opts.Calibration, "calibration", quantize.DefaultCalibration, "training images to calibrate the int8 model on")
	f.Uint64Var(&opts.Seed, "seed", 1, "seed choosing the calibration images")
	f.StringVar(&opts.Method, "calibration-method", quantize.MinMax, "activation ranges from: minmax, mean, percentile")
	f.BoolVar(&opts.PerChannel, "per-channel-fc", false, "quantize fully connected weights per output channel")
	f.IntVar(&opts.TestData, "test-data", 0, "also write N MNIST test images as a source file (with --format cc, c, go or c-standalone)")
	return c
}

type convertResult struct {
	Checkpoint string         `json:"checkpoint"`
	Models     []convertModel `json:"models"`
	Files      []string       `json:"files"`
}

type convertModel struct {
	Kind       string `json:"kind"`
	SizeBytes  int    `json:"size_bytes"`
	ArenaBytes int    `json:"arena_bytes"`      // what TensorFlow Lite Micro needs (as eval and inspect give it)
	Activation int    `json:"activation_bytes"` // the activations of mnistcnn's plan alone
}

func runConvert(opts *ConvertOptions) error {
	g := opts.g
	ck, err := model.LoadCheckpoint(opts.Checkpoint)
	if err != nil {
		return err
	}
	var calib [][]float32
	var test mnist.Set
	needInt8 := contains(opts.Models, convert.KindInt8)
	if needInt8 || opts.TestData > 0 {
		dir, err := mnist.Locate(opts.Data)
		if err != nil {
			return err
		}
		data, err := mnist.Load(dir)
		if err != nil {
			return err
		}
		arch, err := ck.Architecture()
		if err != nil {
			return err
		}
		if in := arch.InputShape(); data.Train.Rows != in[0] || data.Train.Cols != in[1] {
			return fmt.Errorf("convert: %s's model takes %d×%d images, the data in %s has %d×%d: give --data the folder it was trained on",
				opts.Checkpoint, in[0], in[1], dir, data.Train.Rows, data.Train.Cols)
		}
		if needInt8 {
			for _, i := range quantize.PickCalibration(opts.Calibration, opts.Seed, data.Train.N) {
				x := make([]float32, data.Train.Rows*data.Train.Cols)
				data.Train.Float(i, x)
				calib = append(calib, x)
			}
			g.status("calibrating the int8 model on %d training images (seed %d, %s)", len(calib), opts.Seed, opts.Method)
		}
		if opts.TestData > 0 {
			test = data.Test.Slice(0, min(opts.TestData, data.Test.N))
		}
	}
	qopt := quantize.DefaultOptions()
	qopt.Method, qopt.PerChannelFC = opts.Method, opts.PerChannel
	built, files, err := convert.Build(ck, calib, convert.Options{
		Kinds: opts.Models, Formats: opts.Formats, Name: opts.Name, Package: opts.Package,
		Description: "mnistcnn " + version() + ": MNIST CNN", Quantize: qopt, TestData: test,
	})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(opts.OutDir, 0o755); err != nil {
		return fmt.Errorf("convert: %w", err)
	}
	paths, err := convert.WriteFiles(opts.OutDir, files)
	if err != nil {
		return err
	}
	res := convertResult{Checkpoint: opts.Checkpoint, Files: paths}
	for _, b := range built {
		res.Models = append(res.Models, convertModel{b.Kind, len(b.Bytes), b.TFLMArena, b.ArenaBytes})
	}
	if g.json {
		return writeJSON(g.stdout, res)
	}
	for _, b := range built {
		fmt.Fprintf(g.stdout, "%-5s model: %s bytes, tensor arena %s bytes (activations %s), ops %s\n", b.Kind,
			thousands(len(b.Bytes)), thousands(b.TFLMArena), thousands(b.ArenaBytes), strings.Join(opsOf(b), ","))
	}
	for _, p := range paths {
		fmt.Fprintf(g.stdout, "wrote %s\n", p)
	}
	return nil
}

func opsOf(b convert.Built) []string {
	info, err := convert.InfoOf(b.Model)
	if err != nil {
		return nil
	}
	var ops []string
	for _, o := range info.Ops {
		ops = append(ops, o.Name)
	}
	return ops
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
