package model

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

func TestPresets(t *testing.T) {
	for _, c := range []struct {
		name         string
		params, macs int
	}{
		// Keras' model.summary() of the reference project: 180,328.
		// conv1 26·26·32·9 + conv2 11·11·32·288 + 800·200 + 200·50 + 50·10.
		{"reference", 180328, 1480324},
		// conv1 (5·5·1+1)·6 = 156, conv2 (5·5·6+1)·16 = 2,416, dense
		// 401·120 + 121·84 + 85·10 = 48,120 + 10,164 + 850; MACs 28·28·6·25 +
		// 10·10·16·150 + 400·120 + 120·84 + 84·10.
		{"lenet5", 61706, 117600 + 240000 + 48000 + 10080 + 840},
	} {
		a, err := Build(c.name, 28, 28, 1, 10)
		if err != nil {
			t.Fatal(err)
		}
		if got := a.NumParams(); got != c.params {
			t.Errorf("%s: %d parameters, want %d", c.name, got, c.params)
		}
		if got := a.MACs(); got != c.macs {
			t.Errorf("%s: %d MACs, want %d", c.name, got, c.macs)
		}
	}
	for _, name := range PresetNames() {
		a, err := Build(name, 28, 28, 1, 10)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if a.Name != name || a.String() != name || a.Classes() != 10 {
			t.Errorf("%s: name %q, classes %d", name, a.Name, a.Classes())
		}
	}
}

func TestReferenceLayers(t *testing.T) {
	var got []string
	for _, l := range Reference().Layers {
		got = append(got, l.Name+" "+shapeString(l.Out))
	}
	want := "input 28×28×1, conv1 26×26×32, pool1 13×13×32, conv2 11×11×32, pool2 5×5×32, flatten 800, dense1 200, dense2 50, dense3 10"
	if strings.Join(got, ", ") != want {
		t.Errorf("reference layers\n got %s\nwant %s", strings.Join(got, ", "), want)
	}
	if n := Reference().CheckpointName(); n != ArchName {
		t.Errorf("reference checkpoint name %q, want %q", n, ArchName)
	}
	// The reference spec on other data is not the old checkpoint name.
	a, _ := Build("reference", 28, 28, 1, 5)
	if n := a.CheckpointName(); n != "input:28x28x1,conv:32:3,maxpool:2,conv:32:3,maxpool:2,flatten,dense:200,dense:50,dense:5" {
		t.Errorf("reference on 5 classes: %q", n)
	}
}

func TestSpecShapes(t *testing.T) {
	for _, c := range []struct {
		spec string
		h, w int
		want string // names and output shapes
	}{
		// same: ⌈28/2⌉ = 14; valid stride 2: ⌊(14−3)/2⌋+1 = 6.
		{"conv:4:3:s2:same,conv:8:3:s2:relu6,gap,dense", 28, 28, "conv1 14×14×4, conv2 6×6×8, gap1 8, dense1 10"},
		// depthwise multiplier 2 doubles the channels; the max pool of
		// window 3, stride 2: ⌊(26−3)/2⌋+1 = 12.
		{"conv:3:3 dwconv:3:m2:same maxpool:3:s2 dropout:0.25 flatten dense:16:linear dense:10", 28, 28,
			"conv1 26×26×3, dwconv1 26×26×6, pool1 12×12×6, dropout1 12×12×6, flatten 864, dense1 16, dense2 10"},
		// avgpool same on an odd side: ⌈7/2⌉ = 4.
		{"avgpool:2:same,flatten,dense", 7, 5, "avgpool1 4×3×1, flatten 12, dense1 10"},
		// A file: one layer a line, comments.
		{"# tiny\nconv:2:3   # first\n\nflatten\ndense\n", 3, 3, "conv1 1×1×2, flatten 2, dense1 10"},
	} {
		a, err := Build(c.spec, c.h, c.w, 1, 10)
		if err != nil {
			t.Errorf("%q: %v", c.spec, err)
			continue
		}
		var got []string
		for _, l := range a.Layers[1:] {
			got = append(got, l.Name+" "+shapeString(l.Out))
		}
		if strings.Join(got, ", ") != c.want {
			t.Errorf("%q\n got %s\nwant %s", c.spec, strings.Join(got, ", "), c.want)
		}
	}
}

func TestSpecErrors(t *testing.T) {
	for _, c := range []struct {
		spec string
		want string // the whole message
	}{
		{"conv:32:3,pool:2", "model: arch: unknown layer kind \"pool\" (want conv, dwconv, maxpool, avgpool, gap, flatten, dense, dropout, input)\n  conv:32:3,pool:2\n            ^^^^^^"},
		{"conv:32", "model: arch: conv takes filters and kernel size, e.g. conv:32:3\n  conv:32\n  ^^^^^^^"},
		{"conv:32:3:s0,flatten,dense", "model: arch: stride \"0\": want a whole number from 1 to 8\n  conv:32:3:s0,flatten,dense\n  ^^^^^^^^^^^^"},
		{"conv:8:3:same:valid,flatten,dense", "model: arch: conv: option \"valid\" given twice\n  conv:8:3:same:valid,flatten,dense\n  ^^^^^^^^^^^^^^^^^^^"},
		{"maxpool:2:relu,flatten,dense", "model: arch: maxpool takes no option \"relu\" (options: sN stride, same or valid)\n  maxpool:2:relu,flatten,dense\n  ^^^^^^^^^^^^^^"},
		{"conv:8:3,dense", "model: arch: dense needs flat input: put flatten or gap before it (its input is 26×26×8)\n  conv:8:3,dense\n           ^^^^^"},
		{"flatten,conv:8:3,dense", "model: arch: needs a feature map, but flatten before it is flat (784 values)\n  flatten,conv:8:3,dense\n          ^^^^^^^^"},
		{"flatten,dense:12", "model: arch: the classifier has 12 units, the data has 10 classes\n  flatten,dense:12\n          ^^^^^^^^"},
		{"flatten,dense:relu", "model: arch: the last dense layer is the classifier, its activation is softmax: drop relu\n  flatten,dense:relu\n          ^^^^^^^^^^"},
		{"flatten,dense,dense", "model: arch: dense needs a number of units, e.g. dense:64 (only the classifier, last, may leave it out)\n  flatten,dense,dense\n          ^^^^^"},
		{"conv:8:3", "model: arch: the last layer must be the classifier, a dense layer (add dense after it)\n  conv:8:3\n  ^^^^^^^^"},
		{"conv:8:29,flatten,dense", "model: arch: a 29×29 window does not fit the 28×28 input with valid padding\n  conv:8:29,flatten,dense\n  ^^^^^^^^^"},
		{"dropout:1,flatten,dense", "model: arch: dropout rate \"1\": want a number in [0, 1)\n  dropout:1,flatten,dense\n  ^^^^^^^^^"},
		{"flatten,input:28x28,dense", "model: arch: input must come first, once\n  flatten,input:28x28,dense\n          ^^^^^^^^^^^"},
		{" , ", "model: arch: no layers (want a preset name: reference, lenet5, depthwise, tiny; or a spec such as conv:8:3,maxpool:2,flatten,dense)\n   , \n     ^"},
		{"conv:8:3\nflatten\ndense:7:relu6\nbogus\n", "model: arch: unknown layer kind \"bogus\" (want conv, dwconv, maxpool, avgpool, gap, flatten, dense, dropout, input)\n  line 4: bogus\n          ^^^^^"},
		{"conv:4096:3,conv:4096:3,flatten,dense", "model: arch: more than 4000000 parameters\n  conv:4096:3,conv:4096:3,flatten,dense\n              ^^^^^^^^^^^"},
	} {
		_, err := Build(c.spec, 28, 28, 1, 10)
		if err == nil || err.Error() != c.want {
			t.Errorf("%q:\n got %v\nwant %s", c.spec, err, c.want)
		}
	}
	if _, err := Build("input:14x14,flatten,dense", 28, 28, 1, 10); err == nil || !strings.Contains(err.Error(), "the spec is for 14×14×1 images, the data has 28×28×1") {
		t.Errorf("input mismatch: %v", err)
	}
}

// randomSpec is a valid-looking spec drawn from r; Build may still refuse
// it (a window larger than its input).
func randomSpec(r *rand.Rand) string {
	var parts []string
	act := []string{"", ":relu", ":relu6", ":linear"}
	pad := []string{"", ":same", ":valid"}
	for i := r.IntN(4); i >= 0; i-- {
		switch r.IntN(5) {
		case 0:
			parts = append(parts, "conv:"+itoa(1+r.IntN(8))+":"+itoa(1+r.IntN(5))+pad[r.IntN(3)]+act[r.IntN(4)])
		case 1:
			parts = append(parts, "dwconv:"+itoa(1+r.IntN(5))+":m"+itoa(1+r.IntN(3))+":s"+itoa(1+r.IntN(2))+pad[r.IntN(3)])
		case 2:
			parts = append(parts, "maxpool:"+itoa(1+r.IntN(3))+pad[r.IntN(3)])
		case 3:
			parts = append(parts, "avgpool:"+itoa(2+r.IntN(2))+":s"+itoa(1+r.IntN(2)))
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

func itoa(n int) string { return shapeString([]int{n}) }

// TestCheckpointNameRoundTrip: what a checkpoint records builds the same
// architecture back, for the presets and random specs.
func TestCheckpointNameRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	specs := PresetNames()
	for len(specs) < 300 {
		specs = append(specs, randomSpec(r))
	}
	built := 0
	for _, s := range specs {
		a, err := Build(s, 28, 28, 1, 10)
		if err != nil {
			continue
		}
		built++
		b, err := FromCheckpointName(a.CheckpointName())
		if err != nil {
			t.Fatalf("%q → %q: %v", s, a.CheckpointName(), err)
		}
		b.Name = a.Name
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%q: round trip through %q gives another architecture", s, a.CheckpointName())
		}
		if got := len(NewCheckpointWeights(a)); got != len(a.Params()) {
			t.Errorf("%q: %d weight tensors", s, got)
		}
	}
	if built < 100 {
		t.Errorf("only %d of %d specs built", built, len(specs))
	}
	for _, bad := range []string{"", "reference", "conv:8:3,flatten,dense:10", "input:28x28x1,flatten,dense"} {
		if _, err := FromCheckpointName(bad); err == nil {
			t.Errorf("FromCheckpointName(%q) accepted", bad)
		}
	}
}

func TestCheckpointOfSpec(t *testing.T) {
	a, err := Build("conv:2:3:s2,gap,dense", 9, 9, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	c := &Checkpoint{Arch: a.CheckpointName(), Batch: 4, Epochs: 1, TestAccuracy: -1, Weights: NewCheckpointWeights(a)}
	c.Weights[0].Data[5] = 0.5
	b, err := c.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	back, err := UnmarshalCheckpoint(b)
	if err != nil {
		t.Fatal(err)
	}
	got, err := back.Architecture()
	if err != nil || got.Spec() != "input:9x9x1,conv:2:3:s2,gap,dense:3" || back.Weights[0].Data[5] != 0.5 {
		t.Errorf("round trip: %v %v", got, err)
	}
	c.Weights = NewCheckpointWeights(Reference())
	if _, err := c.MarshalBinary(); err == nil || !strings.Contains(err.Error(), "weight tensors") && !strings.Contains(err.Error(), "want conv1/kernel") {
		t.Errorf("weights of another architecture: %v", err)
	}
}
