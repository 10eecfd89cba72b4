package model

import (
	"fmt"
	"strings"
)

// ArchName is what a checkpoint records for the reference preset on
// 28×28×1 images and 10 classes, as every checkpoint did before
// architectures could be chosen, so that those still load and the default
// run still writes the same bytes. Any other architecture is recorded as
// its Spec().
const ArchName = "mnistcnn-reference-v1"

// Reference is the reference preset on MNIST's 28×28×1 images and 10
// classes: Conv2D(32,3×3,valid,ReLU) → MaxPool(2) → Conv2D(32,3×3,valid,ReLU)
// → MaxPool(2) → Flatten(800) → Dense(200,ReLU) → Dense(50,ReLU) →
// Dense(10,softmax); 180,328 parameters.
func Reference() *Arch {
	a, err := Build(DefaultArch, 28, 28, 1, 10)
	if err != nil {
		panic(err) // a bug, tested
	}
	return a
}

// Build parses arch (a preset name or a spec) and builds it for h×w×c
// images and the given number of classes.
func Build(arch string, h, w, c, classes int) (*Arch, error) {
	sp, err := Parse(arch)
	if err != nil {
		return nil, err
	}
	return sp.Build(h, w, c, classes)
}

// CheckpointName is what a checkpoint records for the architecture:
// ArchName for the reference one on MNIST, the canonical spec otherwise.
func (a *Arch) CheckpointName() string {
	if a.Spec() == Reference().Spec() {
		return ArchName
	}
	return a.Spec()
}

// FromCheckpointName is the architecture a checkpoint records (see
// CheckpointName): ArchName, or a spec with its input shape and the
// classifier's units.
func FromCheckpointName(s string) (*Arch, error) {
	if s == ArchName {
		return Reference(), nil
	}
	sp, err := parseSpec(s)
	if err != nil || sp.Input == nil || !strings.HasPrefix(s, "input:") {
		return nil, fmt.Errorf("model: checkpoint architecture %q is neither %q nor a spec with its input shape", clip(s), ArchName)
	}
	last := sp.layers[len(sp.layers)-1]
	if last.Kind != Dense || !last.units {
		return nil, fmt.Errorf("model: checkpoint architecture %q does not end in a classifier with its units", clip(s))
	}
	a, err := sp.Build(sp.Input[0], sp.Input[1], sp.Input[2], last.Units)
	if err != nil {
		return nil, fmt.Errorf("model: checkpoint architecture: %v", err)
	}
	return a, nil
}

// clip shortens s for an error message.
func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}
