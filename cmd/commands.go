package cmd

import "github.com/spf13/cobra"

// commands lists every subcommand; cobra adds help and completion.
func commands(g *globals) []*cobra.Command {
	return []*cobra.Command{
		NewCmdSummary(g, nil),
		NewCmdTrain(g, nil),
		NewCmdConvert(g, nil),
		NewCmdEval(g, nil),
		NewCmdPredict(g, nil),
		NewCmdInspect(g, nil),
	}
}
