package cmd

import (
	"fmt"

	"github.com/mnistcnn/mnistcnn/inspect"
	"github.com/mnistcnn/mnistcnn/internal/readfile"
	"github.com/mnistcnn/mnistcnn/tflite"
	"github.com/spf13/cobra"
)

// InspectOptions are the options of `mnistcnn inspect`.
type InspectOptions struct {
	g    *globals
	File string
}

// NewCmdInspect builds `mnistcnn inspect`; run replaces runInspect in tests.
func NewCmdInspect(g *globals, run func(*InspectOptions) error) *cobra.Command {
	opts := &InspectOptions{g: g}
	return &cobra.Command{
		Use:   "inspect FILE.tflite",
		Short: "Describe any .tflite model: operators, tensors, quantization, sizes",
		Long: `Describe any .tflite model, like a text-only Netron: file size, schema
version, description and metadata (min_runtime_version); every operator
with its version, input and output tensors and options (padding, stride,
activation, filter size); every tensor with its type, shape, constant bytes
and quantization (per-channel scales noted with their axis); the number of
parameters (elements of constant tensors) and constant bytes; and the
tensor arena mnistcnn's interpreter plans for the model, or why it cannot
run it. Models the interpreter cannot run are still described.

A model mnistcnn wrote records a SHA-256 digest of its own bytes (metadata
"mnistcnn_sha256"): inspect checks it, reports "Digest ... matches" or
MISMATCH, and exits 1 on a mismatch after describing the model. Models
from elsewhere have no digest and are described as they are.

The file must be a regular file of at most ` + readfile.Size(tflite.MaxFileBytes) + `; devices, pipes and
larger files are refused before they are read.

` + exitCodesHelp,
		Example: `  $ mnistcnn inspect out/mnist_int8.tflite
  $ mnistcnn inspect person_detect.tflite --json`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("%s takes one .tflite file, got %d arguments", c.CommandPath(), len(args))
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			opts.File = args[0]
			if run != nil {
				return run(opts)
			}
			return runInspect(opts)
		},
	}
}

func runInspect(opts *InspectOptions) error {
	r, err := inspect.File(opts.File)
	if err != nil {
		return err
	}
	if opts.g.json {
		err = writeJSON(opts.g.stdout, r)
	} else {
		err = r.WriteText(opts.g.stdout)
	}
	if err == nil && r.Digest == "mismatch" {
		// Described, but a failure: the file is not the one mnistcnn wrote.
		err = silentError{fmt.Errorf("inspect: %s: %s", opts.File, r.DigestError)}
	}
	return err
}
