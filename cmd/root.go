// Package cmd holds mnistcnn's commands: one file each, an options struct, a
// NewCmdX constructor and a runX function that does the work.
package cmd

import (
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
)

// Version is the mnistcnn version, set at link time with
// -ldflags "-X github.com/mnistcnn/mnistcnn/cmd.Version=v1.2.3"; otherwise
// taken from the module's build information.
var Version = ""

func version() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// globals are the flags every command shares.
type globals struct {
	stdout, stderr io.Writer
	json           bool
	quiet          bool
}

// NewRootCmd builds the command tree, writing results to stdout and status
// to stderr.
func NewRootCmd(g *globals) *cobra.Command {
	root := &cobra.Command{
		Use:   "mnistcnn",
		Short: "Train an MNIST CNN and ship it to a microcontroller as TFLite",
		Long: `mnistcnn takes MNIST to a model that runs on a microcontroller, with no Python:

  train     trains the reference CNN (Gorgonia) and writes a checkpoint
  convert   writes a float32 and a full-integer int8 .tflite, or C/C++/Go sources
  eval      runs the models with mnistcnn's own TFLite interpreter and compares them
  summary   prints the model's layers, shapes, parameters and MACs
  inspect   describes any .tflite file: ops, tensors, quantization, arena
  predict   reads the digit in a PNG/PGM image with both models

Results go to stdout (as JSON with --json), status and progress to stderr.

` + exitCodesHelp,
		Version:       version(),
		SilenceErrors: true,
		SilenceUsage:  true,
		// Runnable, with its own Args, so that an unknown command is a usage
		// error like any other, not cobra's plain error (exit 1, no usage).
		Args: func(c *cobra.Command, args []string) error {
			if len(args) > 0 {
				hint := ""
				if s := c.SuggestionsFor(args[0]); len(s) > 0 {
					hint = fmt.Sprintf("; did you mean %q?", s[0])
				}
				return usagef("unknown command %q for %q%s", args[0], c.CommandPath(), hint)
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error { return c.Help() },
	}
	root.SuggestionsMinimumDistance = 2
	root.SetOut(g.stdout)
	root.SetErr(g.stderr)
	root.PersistentFlags().BoolVar(&g.json, "json", false, "print results (and errors) as JSON on stdout")
	root.PersistentFlags().BoolVarP(&g.quiet, "quiet", "q", false, "print no progress or status")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError{err}
	})
	root.AddCommand(commands(g)...)
	// cobra's own help command prints "Unknown help topic" and exits 0;
	// this one holds to the contract: an unknown topic is a usage error.
	root.SetHelpCommand(&cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command",
		RunE: func(c *cobra.Command, args []string) error {
			target, rest, err := c.Root().Find(args)
			if err != nil || len(rest) > 0 {
				return usagef("unknown help topic %q", strings.Join(args, " "))
			}
			return target.Help()
		},
	})
	return root
}

// Execute runs the command line args and returns the process exit code.
//
// It is the one place of the command line's error contract: every mistake
// in the arguments or flags (an unknown command or flag, a bad value, a
// missing argument) exits 2 with the command's usage on stderr; with --json
// anywhere on the line, every error is also a JSON document on stdout,
// {"error": …, "exit_code": …}, even when the mistake stopped cobra before
// it parsed --json.
func Execute(args []string, stdout, stderr io.Writer) int {
	g := &globals{stdout: stdout, stderr: stderr}
	root := NewRootCmd(g)
	root.SetArgs(args)
	c, err := root.ExecuteC()
	if err != nil {
		asJSON := g.json || jsonRequested(args)
		reportError(stdout, stderr, err, asJSON)
		var u usageError
		if errors.As(err, &u) {
			if !asJSON {
				fmt.Fprintln(stderr)
			}
			fmt.Fprint(stderr, c.UsageString())
		}
	}
	return exitCode(err)
}

// jsonRequested reports whether args ask for --json (the last of --json,
// --json=BOOL wins, as pflag has it), looking only before a "--".
func jsonRequested(args []string) bool {
	on := false
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "--json" {
			on = true
		} else if v, ok := strings.CutPrefix(a, "--json="); ok {
			b, err := strconv.ParseBool(v)
			on = err == nil && b
		}
	}
	return on
}

// noArgs is cobra.NoArgs that reports a usage error.
func noArgs(c *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("%s takes no arguments, got %q", c.CommandPath(), args)
	}
	return nil
}
