package cmd

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// status writes human status lines to stderr unless --quiet.
func (g *globals) status(format string, a ...any) {
	if g.quiet {
		return
	}
	fmt.Fprintf(g.stderr, format+"\n", a...)
}

// isTerminal reports whether w is a terminal, where progress bars belong.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// bar is a progress bar on a terminal and nothing elsewhere (and with --quiet).
type bar struct {
	pb *progressbar.ProgressBar
}

func (g *globals) newBar(total int, description string) *bar {
	if g.quiet || !isTerminal(g.stderr) {
		return &bar{}
	}
	pb := progressbar.NewOptions(total,
		progressbar.OptionSetWriter(g.stderr),
		progressbar.OptionSetDescription(description),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("img"),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetWidth(30),
	)
	return &bar{pb: pb}
}

func (b *bar) set(n int, description string) {
	if b.pb == nil {
		return
	}
	if description != "" {
		b.pb.Describe(description)
	}
	b.pb.Set(n)
}

func (b *bar) finish() {
	if b.pb != nil {
		b.pb.Finish()
	}
}
