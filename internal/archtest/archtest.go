// Package archtest is the architecture matrix the export tests share (the
// interpreter's in convert, the real TensorFlow Lite runtime's in
// interop/tfjs): every preset, specs written to use every layer variant the
// spec language has, and seeded random specs, all on MNIST's 28×28×1
// images and 10 classes, with seeded random weights. It is for tests only.
package archtest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/mnistcnn/mnistcnn/model"
)

// CoverageSpecs use every variant at least once: strides, SAME padding,
// multipliers > 1, RELU6 and linear activations, pools with SAME padding,
// dropout, global average pooling, no convolution at all.
var CoverageSpecs = []string{
	"conv:6:5:s2:same:relu6,dwconv:3:m2:same:relu6,avgpool:3:s2:same,conv:8:1:linear,maxpool:3:s2:same,flatten,dropout:0.25,dense:24:relu6,dense",
	"dwconv:5:m3:s2,dwconv:3:m2:linear,dropout:0.1,gap,dense:16:linear,dense",
	"conv:4:3:same,avgpool:2:s1,gap,dense",
	"maxpool:2,flatten,dense",
	"flatten,dense:32,dropout:0.5,dense:12:relu6,dense",
}

// Case is one architecture of the matrix.
type Case struct {
	Name string
	Arch *model.Arch
}

// Matrix is the presets, CoverageSpecs and n random specs from seed.
func Matrix(t testing.TB, n int, seed uint64) []Case {
	t.Helper()
	var cs []Case
	add := func(name, spec string) {
		a, err := model.Build(spec, 28, 28, 1, 10)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		cs = append(cs, Case{name, a})
	}
	for _, p := range model.PresetNames() {
		add(p, p)
	}
	for i, s := range CoverageSpecs {
		add(fmt.Sprintf("cover%d", i+1), s)
	}
	r := rand.New(rand.NewPCG(seed, 7))
	for len(cs) < len(model.PresetNames())+len(CoverageSpecs)+n {
		s := RandomSpec(r)
		a, err := model.Build(s, 28, 28, 1, 10)
		if err != nil || a.NumParams() > 400_000 {
			continue // the draw is not valid for 28×28 images, or too big for a quick test
		}
		cs = append(cs, Case{fmt.Sprintf("random%d", len(cs)-len(model.PresetNames())-len(CoverageSpecs)+1), a})
	}
	return cs
}

// RandomSpec is a spec drawn from r, with strides and padding on every
// spatial layer; Build may refuse what it draws.
func RandomSpec(r *rand.Rand) string {
	itoa := strconv.Itoa
	var parts []string
	act := []string{"", ":relu", ":relu6", ":linear"}
	pad := []string{"", ":same", ":valid"}
	stride := func() string { return []string{"", "", ":s2"}[r.IntN(3)] }
	for i := r.IntN(5); i >= 0; i-- {
		switch r.IntN(5) {
		case 0:
			parts = append(parts, "conv:"+itoa(1+r.IntN(8))+":"+itoa(1+r.IntN(5))+stride()+pad[r.IntN(3)]+act[r.IntN(4)])
		case 1:
			parts = append(parts, "dwconv:"+itoa(1+r.IntN(5))+":m"+itoa(1+r.IntN(3))+stride()+pad[r.IntN(3)]+act[r.IntN(4)])
		case 2:
			parts = append(parts, "maxpool:"+itoa(1+r.IntN(3))+stride()+pad[r.IntN(3)])
		case 3:
			parts = append(parts, "avgpool:"+itoa(2+r.IntN(2))+stride()+pad[r.IntN(3)])
		case 4:
			parts = append(parts, "dropout:0.1")
		}
	}
	parts = append(parts, []string{"flatten", "gap"}[r.IntN(2)])
	if r.IntN(2) == 0 {
		parts = append(parts, "dense:"+itoa(1+r.IntN(20))+act[r.IntN(4)])
	}
	return strings.Join(append(parts, "dense"), ",")
}

// RandomCheckpoint is a checkpoint of a with weights uniform in
// ±√(6/fan_in) (He's uniform initialisation, so activations stay of order
// 1 through the layers) and biases uniform in ±0.1, from seed.
func RandomCheckpoint(a *model.Arch, seed uint64) *model.Checkpoint {
	r := rand.New(rand.NewPCG(seed, 11))
	ws := model.NewCheckpointWeights(a)
	for i, p := range a.Params() {
		lim := 0.1
		if p.FanIn > 0 {
			lim = math.Sqrt(6 / float64(p.FanIn))
		}
		for j := range ws[i].Data {
			ws[i].Data[j] = float32((2*r.Float64() - 1) * lim)
		}
	}
	return &model.Checkpoint{Arch: a.CheckpointName(), Weights: ws, TestAccuracy: -1}
}
