package cmd

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Exit codes, the same for every command (documented in `mnistcnn help`).
const (
	ExitOK          = 0   // success
	ExitError       = 1   // the command failed: bad input file, missing data, I/O error
	ExitUsage       = 2   // bad flags or arguments
	ExitGate        = 3   // eval: a gate (--min-accuracy, --max-accuracy-drop, --max-model-bytes, --max-arena-bytes) was not met
	ExitInterrupted = 130 // interrupted (Ctrl-C); train saved a resumable checkpoint first
)

const exitCodesHelp = `Exit codes:
  0    success
  1    failure (bad or missing input, I/O error)
  2    bad flags or arguments
  3    eval: a gate (--min-accuracy, --max-accuracy-drop, --max-model-bytes,
       --max-arena-bytes) was not met
  130  interrupted; train saves a resumable checkpoint before exiting`

// usageError marks a mistake in the command line: it prints usage.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, a ...any) error {
	return usageError{fmt.Errorf(format, a...)}
}

// gateError is an unmet eval bar.
type gateError struct{ reason string }

func (e gateError) Error() string { return e.reason }

// interruptedError is a run stopped by a signal after saving its state.
type interruptedError struct{ msg string }

func (e interruptedError) Error() string { return e.msg }

// exitCode maps an error to the process exit code, in one place.
func exitCode(err error) int {
	var u usageError
	var g gateError
	var in interruptedError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &u):
		return ExitUsage
	case errors.As(err, &g):
		return ExitGate
	case errors.As(err, &in):
		return ExitInterrupted
	}
	return ExitError
}

// silentError is a failure the command's output already reports; with
// --json nothing more is printed, so stdout stays one JSON document.
type silentError struct{ error }

// reportError prints err for a person on stderr or, with --json, as a JSON
// document on stdout so scripts always get JSON.
func reportError(stdout, stderr io.Writer, err error, asJSON bool) {
	code := exitCode(err)
	var s silentError
	var g gateError
	if asJSON && (errors.As(err, &s) || errors.As(err, &g)) {
		return
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(struct {
			Error    string `json:"error"`
			ExitCode int    `json:"exit_code"`
		}{err.Error(), code})
		return
	}
	fmt.Fprintf(stderr, "mnistcnn: %v\n", err)
}
