package eval

import "fmt"

// Gates are the bars a report must meet, for CI: Run checks them and lists
// every one not met in Report.GateFailures. A nil field sets no bar. Run
// does not vet the values; mnistcnn refuses negative and NaN ones before
// any work.
type Gates struct {
	// MinAccuracy is a percentage (99 for 99 %) every model that ran must
	// reach.
	MinAccuracy *float64
	// MaxAccuracyDrop is the most percentage points a model may lose
	// against the reference model (Comparison.AccuracyDropPP).
	MaxAccuracyDrop *float64
	// MaxModelBytes bounds the file size of every .tflite model that ran
	// (ModelReport.SizeBytes; the checkpoint is not a model to deploy).
	MaxModelBytes *int64
	// MaxArenaBytes bounds the tensor arena of every .tflite model that ran
	// (ModelReport.ArenaBytes, the figure the report prints).
	MaxArenaBytes *int64
}

// Gate names, as the flags of `mnistcnn eval` that set them are spelled,
// so that a reason names the bar to change.
const (
	GateMinAccuracy     = "min-accuracy"
	GateMaxAccuracyDrop = "max-accuracy-drop"
	GateMaxModelBytes   = "max-model-bytes"
	GateMaxArenaBytes   = "max-arena-bytes"
)

// GateFailure is one bar a model did not meet.
type GateFailure struct {
	Gate  string // GateMinAccuracy, …
	Model string // the model's name in the report; "" when no model could be checked
	// Value is the model's figure and Limit the bar, in the gate's unit:
	// percent, percentage points or bytes.
	Value, Limit float64
	// Reason is one line for a person: the model, its figure and the bar.
	Reason string
}

// check lists the bars rep does not meet, in the order of the fields of
// Gates, then of the models.
func (g Gates) check(rep *Report) []GateFailure {
	var fs []GateFailure
	if g.MinAccuracy != nil {
		bar := *g.MinAccuracy
		for _, m := range rep.Models {
			if m.Result != nil && 100*m.Accuracy < bar {
				fs = append(fs, GateFailure{GateMinAccuracy, m.Name, 100 * m.Accuracy, bar,
					fmt.Sprintf("%s accuracy %.2f%% is below --%s %.2f%%", m.Name, 100*m.Accuracy, GateMinAccuracy, bar)})
			}
		}
	}
	if g.MaxAccuracyDrop != nil {
		bar := *g.MaxAccuracyDrop
		for _, c := range rep.Comparisons {
			if c.AccuracyDropPP > bar {
				fs = append(fs, GateFailure{GateMaxAccuracyDrop, c.Model, c.AccuracyDropPP, bar,
					fmt.Sprintf("%s loses %.2f points against %s, more than --%s %.2f", c.Model, c.AccuracyDropPP, c.Reference, GateMaxAccuracyDrop, bar)})
			}
		}
	}
	bytesGate := func(gate string, bar *int64, what string, figure func(m *ModelReport) int64) {
		if bar == nil {
			return
		}
		checked := 0
		for _, m := range rep.Models {
			if !m.IsTFLite() || m.Result == nil {
				continue
			}
			checked++
			if v := figure(m); v > *bar {
				fs = append(fs, GateFailure{gate, m.Name, float64(v), float64(*bar),
					fmt.Sprintf("%s %s %d bytes is above --%s %d", m.Name, what, v, gate, *bar)})
			}
		}
		// A bar nothing was measured against must not pass in silence:
		// CI would take a run that evaluated only the checkpoint for one
		// whose models fit.
		if checked == 0 && rep.Failed() == 0 {
			fs = append(fs, GateFailure{gate, "", 0, float64(*bar),
				fmt.Sprintf("--%s %d: no .tflite model was evaluated to check it against", gate, *bar)})
		}
	}
	bytesGate(GateMaxModelBytes, g.MaxModelBytes, "file size", func(m *ModelReport) int64 { return m.SizeBytes })
	bytesGate(GateMaxArenaBytes, g.MaxArenaBytes, "tensor arena", func(m *ModelReport) int64 { return int64(m.ArenaBytes) })
	return fs
}
