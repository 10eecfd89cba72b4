package model

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// tinySpecs stand in for an architecture's Params() so that a whole checkpoint is a few
// hundred bytes: a 2×3 kernel and its bias of 3.
var tinySpecs = []ParamSpec{
	{Layer: "a", Name: "a/kernel", Shape: []int{2, 3}},
	{Layer: "a", Name: "a/bias", Shape: []int{3}},
}

// tinyCheckpoint is a checkpoint of tinySpecs whose values are easy to
// recognise in a hex dump: 1.0 is 0x3f800000, -2.0 is 0xc0000000.
func tinyCheckpoint() *Checkpoint {
	return &Checkpoint{
		Arch:      ArchName,
		Seed:      1<<64 - 1, // the largest seed survives JSON exactly
		Optimizer: Optimizer{Name: "adam", LR: 0.001, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-7},
		Batch:     32, Epochs: 3, Limit: 1000, ValSplit: 100,
		Epoch: 1, Step: 7, OptStep: 38,
		StepLossSum: 3.5, StepCorrect: 200,
		Weights: []Tensor{
			{Name: "a/kernel", Shape: []int{2, 3}, Data: []float32{1, -2, 0.5, 0, float32(math.Inf(1)), float32(math.NaN())}},
			{Name: "a/bias", Shape: []int{3}, Data: []float32{0.25, 0, -1}},
		},
		OptState: []Tensor{
			{Name: "a/bias/m", Shape: []int{3}, Data: []float32{1, 2, 3}},
			{Name: "t", Shape: []int{}, Data: []float32{4}}, // a scalar
		},
		History:      []EpochMetrics{{Epoch: 1, TrainLoss: 0.5, TrainAccuracy: 0.9, ValLoss: 0.25, ValAccuracy: 0.95}},
		TestAccuracy: -1,
	}
}

func mustMarshal(t testing.TB, c *Checkpoint, specs []ParamSpec) []byte {
	t.Helper()
	b, err := marshalCheckpoint(c, specs)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sameCheckpoint compares tensor data bit for bit (NaN equals NaN) and the
// rest with reflect.DeepEqual.
func sameCheckpoint(a, b *Checkpoint) bool {
	strip := func(c *Checkpoint) (Checkpoint, [][]uint32) {
		s := *c
		var bits [][]uint32
		for _, ts := range []*[]Tensor{&s.Weights, &s.OptState} {
			if *ts == nil {
				continue
			}
			cp := make([]Tensor, len(*ts))
			for i, t := range *ts {
				u := make([]uint32, len(t.Data))
				for j, v := range t.Data {
					u[j] = math.Float32bits(v)
				}
				bits = append(bits, u)
				cp[i] = Tensor{Name: t.Name, Shape: t.Shape}
			}
			*ts = cp
		}
		return s, bits
	}
	sa, ba := strip(a)
	sb, bb := strip(b)
	return reflect.DeepEqual(sa, sb) && reflect.DeepEqual(ba, bb)
}

func TestCheckpointRoundTrip(t *testing.T) {
	c := tinyCheckpoint()
	got, err := unmarshalCheckpoint(mustMarshal(t, c, tinySpecs), tinySpecs)
	if err != nil {
		t.Fatal(err)
	}
	if !sameCheckpoint(got, c) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, c)
	}
	// nil slices stay nil, empty ones empty.
	c.OptState, c.History = nil, []EpochMetrics{}
	got, err = unmarshalCheckpoint(mustMarshal(t, c, tinySpecs), tinySpecs)
	if err != nil {
		t.Fatal(err)
	}
	if got.OptState != nil || got.History == nil || !sameCheckpoint(got, c) {
		t.Errorf("round trip with nil OptState: got %+v", got)
	}
}

// The format by hand: magic, version 1, header length, the JSON header,
// 6+3+3+1 = 13 float32s, then the SHA-256.
func TestCheckpointLayout(t *testing.T) {
	b := mustMarshal(t, tinyCheckpoint(), tinySpecs)
	header := `{"arch":"mnistcnn-reference-v1","seed":18446744073709551615,` +
		`"optimizer":{"name":"adam","lr":0.001,"rho":0,"beta1":0.9,"beta2":0.999,"epsilon":1e-7},` +
		`"batch":32,"epochs":3,"limit":1000,"val_split":100,"epoch":1,"step":7,"opt_step":38,` +
		`"step_loss_sum":3.5,"step_correct":200,` +
		`"history":[{"epoch":1,"train_loss":0.5,"train_accuracy":0.9,"val_loss":0.25,"val_accuracy":0.95}],` +
		`"test_accuracy":-1,` +
		`"weights":[{"name":"a/kernel","shape":[2,3]},{"name":"a/bias","shape":[3]}],` +
		`"opt_state":[{"name":"a/bias/m","shape":[3]},{"name":"t","shape":[]}]}`
	want := []byte("MNISTCKP\x01\x00\x00\x00")
	want = binary.LittleEndian.AppendUint32(want, uint32(len(header)))
	want = append(want, header...)
	for _, v := range []float32{1, -2, 0.5, 0, float32(math.Inf(1)), float32(math.NaN()), 0.25, 0, -1, 1, 2, 3, 4} {
		want = binary.LittleEndian.AppendUint32(want, math.Float32bits(v))
	}
	sum := sha256.Sum256(want)
	want = append(want, sum[:]...)
	if !bytes.Equal(b, want) {
		t.Errorf("marshal:\n got %q\nwant %q", b, want)
	}
	// Marshalling again, or an equal copy, gives the same bytes.
	if again := mustMarshal(t, tinyCheckpoint(), tinySpecs); !bytes.Equal(again, b) {
		t.Error("two marshals of the same checkpoint differ")
	}

	golden := filepath.Join("testdata", "tiny-checkpoint.golden")
	if *update {
		if err := os.WriteFile(golden, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	old, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(old, b) {
		t.Errorf("%s differs from today's encoding: a format change needs a new CheckpointVersion (or -update)", golden)
	}
	if _, err := unmarshalCheckpoint(old, tinySpecs); err != nil {
		t.Errorf("reading %s: %v", golden, err)
	}
}

// TestCheckpointVersions: a checkpoint without shifts is written as
// version 1 (the golden file above), one with shifts as version 2, and
// both read back as they were.
func TestCheckpointVersions(t *testing.T) {
	c := tinyCheckpoint()
	c.Shift = 2
	b := mustMarshal(t, c, tinySpecs)
	if v := binary.LittleEndian.Uint32(b[8:]); v != 2 {
		t.Fatalf("with shift 2: version %d, want 2", v)
	}
	back, err := unmarshalCheckpoint(b, tinySpecs)
	if err != nil {
		t.Fatal(err)
	}
	if back.Shift != 2 {
		t.Errorf("shift read back as %d", back.Shift)
	}
	c.Shift = 0
	if v := binary.LittleEndian.Uint32(mustMarshal(t, c, tinySpecs)[8:]); v != 1 {
		t.Errorf("without shift: version %d, want 1", v)
	}
}

// realCheckpoint is a checkpoint of the real architecture with RMSprop
// state: 2 × 180,328 floats.
func realCheckpoint() *Checkpoint {
	c := &Checkpoint{Arch: ArchName, Seed: 42, Optimizer: Optimizer{Name: "rmsprop", LR: 0.001, Rho: 0.9, Epsilon: 1e-7},
		Batch: 32, Epochs: 1, TestAccuracy: -1, Weights: NewCheckpointWeights(Reference())}
	for i, w := range c.Weights {
		for j := range w.Data {
			w.Data[j] = float32(i) + float32(j)/1024
		}
		c.OptState = append(c.OptState, Tensor{Name: w.Name + "/ms", Shape: w.Shape, Data: make([]float32, len(w.Data))})
	}
	return c
}

func TestNewCheckpointWeights(t *testing.T) {
	ws := NewCheckpointWeights(Reference())
	specs := Reference().Params()
	n := 0
	for i, w := range ws {
		if w.Name != specs[i].Name || !slices.Equal(w.Shape, specs[i].Shape) || len(w.Data) != w.Len() {
			t.Errorf("weight %d: %s %v with %d values", i, w.Name, w.Shape, len(w.Data))
		}
		n += len(w.Data)
	}
	if len(ws) != len(specs) || n != 180328 { // 180,328: NumParams
		t.Errorf("%d tensors, %d values", len(ws), n)
	}
}

func TestSaveLoadCheckpoint(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "run.ckpt")
	c := realCheckpoint()
	if err := SaveCheckpoint(path, c); err != nil {
		t.Fatal(err)
	}
	got, err := LoadCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	if !sameCheckpoint(got, c) {
		t.Error("LoadCheckpoint differs from what was saved")
	}
	if fi, err := os.Stat(path); err == nil {
		t.Logf("a checkpoint with RMSprop state is %d bytes", fi.Size())
	}

	// Saving over the file replaces it whole and leaves no temporary file.
	c.Epoch, c.Weights[0].Data[0] = 1, 99
	if err := SaveCheckpoint(path, c); err != nil {
		t.Fatal(err)
	}
	if got, err := LoadCheckpoint(path); err != nil || got.Epoch != 1 || got.Weights[0].Data[0] != 99 {
		t.Errorf("after saving over: epoch %v, %v", got, err)
	}
	// A checkpoint that cannot be encoded leaves the old file as it was.
	before, _ := os.ReadFile(path)
	c.Optimizer.LR = math.NaN()
	if err := SaveCheckpoint(path, c); err == nil {
		t.Error("saving a NaN learning rate: no error")
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Error("a failed save changed the file")
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("folder holds %d entries, want just run.ckpt", len(ents))
	}

	missing := filepath.Join(dir, "none.ckpt")
	if _, err := LoadCheckpoint(missing); err == nil || err.Error() != "model: "+missing+": no such checkpoint file" {
		t.Errorf("missing file: got %v", err)
	}
	bad := filepath.Join(dir, "bad.ckpt")
	os.WriteFile(bad, []byte("hello, world"), 0o644)
	if _, err := LoadCheckpoint(bad); err == nil || err.Error() != "model: "+bad+": not a mnistcnn checkpoint" {
		t.Errorf("bad file: got %v", err)
	}
}

// Every proper prefix of a checkpoint is refused, as possibly cut short:
// "truncated" under 16 bytes, "cut short" (or altered) beyond, where it
// cannot be told from a file whose header was altered.
func TestCheckpointEveryTruncation(t *testing.T) {
	b := mustMarshal(t, tinyCheckpoint(), tinySpecs)
	for k := range len(b) {
		_, err := unmarshalCheckpoint(b[:k], tinySpecs)
		if !saysCut(err) {
			t.Errorf("cut at %d of %d: got %v", k, len(b), err)
		}
	}
}

func saysCut(err error) bool {
	return err != nil && (strings.HasPrefix(err.Error(), "model: checkpoint truncated: ") || strings.Contains(err.Error(), ": cut short, or its header"))
}

// A sample of prefixes of a full-size checkpoint: all of its header, then
// every 4099th byte (a prime, so cuts land at every offset within a float).
func TestCheckpointTruncationFullSize(t *testing.T) {
	b := mustMarshal(t, realCheckpoint(), Reference().Params())
	hlen := int(binary.LittleEndian.Uint32(b[12:]))
	for k := 0; k < len(b); k++ {
		if k > ckptPrefix+hlen+64 && k%4099 != 0 && k < len(b)-64 {
			continue
		}
		_, err := UnmarshalCheckpoint(b[:k])
		if !saysCut(err) {
			t.Fatalf("cut at %d of %d: got %v", k, len(b), err)
		}
	}
	if _, err := UnmarshalCheckpoint(b); err != nil {
		t.Fatal(err)
	}
}

// Changing any one byte is detected: in the magic and the version by their
// own checks, anywhere else by the checksum or, if the header length or a
// shape changed, by the file's size, as "cut short, or its header altered"
// (or "data added, or…"). The file has its full length: it is never called
// truncated.
func TestCheckpointEveryByteFlip(t *testing.T) {
	b := mustMarshal(t, tinyCheckpoint(), tinySpecs)
	for i := range b {
		for _, x := range []byte{0x01, 0x80, 0xff} {
			c := bytes.Clone(b)
			c[i] ^= x
			_, err := unmarshalCheckpoint(c, tinySpecs)
			var want []string
			switch {
			case i < 8:
				want = []string{"not a mnistcnn checkpoint"}
			case i < 12:
				want = []string{"checkpoint is version "}
			default:
				want = []string{"checkpoint checksum mismatch", "checkpoint is "}
			}
			if err == nil || !hasAnyPrefix(err.Error(), want) || strings.Contains(err.Error(), "truncated") ||
				strings.Contains(err.Error(), " bytes, ") && !strings.Contains(err.Error(), "altered") {
				t.Errorf("byte %d ^ %#x: got %v, want one of %q", i, x, err, want)
			}
		}
	}
}

func hasAnyPrefix(s string, ps []string) bool {
	for _, p := range ps {
		if strings.HasPrefix(s, "model: "+p) {
			return true
		}
	}
	return false
}

// reseal replaces the trailing SHA-256 of b with the right one, to reach
// the checks behind the checksum.
func reseal(b []byte) []byte {
	if len(b) < ckptSum {
		return b
	}
	b = bytes.Clone(b)
	sum := sha256.Sum256(b[:len(b)-ckptSum])
	copy(b[len(b)-ckptSum:], sum[:])
	return b
}

// raw builds a file from a header and float data with a valid checksum.
func raw(version uint32, header string, data ...float32) []byte {
	b := []byte(ckptMagic)
	b = binary.LittleEndian.AppendUint32(b, version)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(header)))
	b = append(b, header...)
	for _, v := range data {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	sum := sha256.Sum256(b)
	return append(b, sum[:]...)
}

func TestUnmarshalCheckpointErrors(t *testing.T) {
	good := mustMarshal(t, tinyCheckpoint(), tinySpecs)
	const ws = `"weights":[{"name":"a/kernel","shape":[2,3]},{"name":"a/bias","shape":[3]}]`
	nine := make([]float32, 9) // 2·3 + 3 weights
	hdr := `{"arch":"mnistcnn-reference-v1",` + ws + `}`
	size := 16 + len(hdr) + 4*9 + 32 // prefix, header, data, checksum
	for _, c := range []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "checkpoint truncated: 0 bytes"},
		{"other file", []byte("GIF89a..."), "not a mnistcnn checkpoint"},
		{"version 7", raw(7, "{}"), "checkpoint is version 7, this mnistcnn reads versions 1 to 2"},
		{"version 0", raw(0, "{}"), "checkpoint is version 0, this mnistcnn reads versions 1 to 2"},
		{"shift in version 1", raw(1, `{"arch":"mnistcnn-reference-v1","shift":1,`+ws+`}`, nine...), "checkpoint is version 1 but has shift 1, a version 2 field"},
		{"altered", append(bytes.Clone(good[:len(good)-1]), good[len(good)-1]^1), "checkpoint checksum mismatch (file altered or corrupt)"},
		{"header past end", raw(1, "{}")[:20], "checkpoint is 20 bytes, too short for its 2-byte header and checksum (50 bytes): cut short, or its header length altered"},
		{"data cut", reseal(good[:len(good)-4]), "checkpoint is " + strconv.Itoa(len(good)-4) + " bytes, its header describes " + strconv.Itoa(len(good)) + ": cut short, or its header altered"},
		{"data cut, checksum too", good[:len(good)-4], "checkpoint is " + strconv.Itoa(len(good)-4) + " bytes, its header describes " + strconv.Itoa(len(good)) + ": cut short, or its header altered"},
		{"extra data", raw(1, hdr, append(nine, 1)...), "checkpoint is " + strconv.Itoa(size+4) + " bytes, its header describes " + strconv.Itoa(size) + ": data added, or its header altered"},
		{"other arch", raw(1, `{"arch":"lenet",`+ws+`}`, nine...), `checkpoint architecture "lenet" is neither "mnistcnn-reference-v1" nor a spec with its input shape`},
		{"unknown field", raw(1, `{"arch":"mnistcnn-reference-v1","colour":1}`), `checkpoint header: json: unknown field "colour"`},
		{"not json", raw(1, `{"arch":`), "checkpoint header: unexpected EOF"},
		{"two objects", raw(1, `{}{}`), "checkpoint header: data after the JSON object"},
		{"negative batch", raw(1, `{"arch":"mnistcnn-reference-v1","batch":-1,`+ws+`}`, nine...), "checkpoint batch is -1, want ≥ 0"},
		{"too few weights", raw(1, `{"arch":"mnistcnn-reference-v1","weights":[{"name":"a/kernel","shape":[2,3]}]}`, nine[:6]...),
			"checkpoint has 1 weight tensors, the architecture 2"},
		{"wrong shape", raw(1, `{"arch":"mnistcnn-reference-v1","weights":[{"name":"a/kernel","shape":[3,2]},{"name":"a/bias","shape":[3]}]}`, nine...),
			"checkpoint weight 0 is a/kernel [3 2], want a/kernel [2 3]"},
		{"negative dim", raw(1, `{"arch":"mnistcnn-reference-v1","opt_state":[{"name":"x","shape":[-1,-1]}]}`),
			"checkpoint tensor x has shape [-1 -1]"},
		{"huge shape", raw(1, `{"arch":"mnistcnn-reference-v1","opt_state":[{"name":"x","shape":[1048576,1048576,1048576]}]}`),
			"checkpoint tensor x has shape [1048576 1048576 1048576], too large"},
		{"seed overflow", raw(1, `{"seed":18446744073709551616}`), "checkpoint header: json: cannot unmarshal number 18446744073709551616 into Go struct field ckptHeader.seed of type uint64"},
	} {
		_, err := unmarshalCheckpoint(c.b, tinySpecs)
		if err == nil || err.Error() != "model: "+c.want {
			t.Errorf("%s: got %v\nwant model: %s", c.name, err, c.want)
		}
	}
}

func TestMarshalCheckpointErrors(t *testing.T) {
	for _, c := range []struct {
		name   string
		change func(*Checkpoint)
		want   string
	}{
		{"NaN lr", func(c *Checkpoint) { c.Optimizer.LR = math.NaN() }, "checkpoint lr is NaN, want a finite number"},
		{"Inf accuracy", func(c *Checkpoint) { c.TestAccuracy = math.Inf(1) }, "checkpoint test_accuracy is +Inf, want a finite number"},
		{"NaN history", func(c *Checkpoint) { c.History[0].ValLoss = math.NaN() }, "checkpoint history of epoch 1 holds NaN, want finite numbers"},
		{"no arch", func(c *Checkpoint) { c.Arch = "" }, `checkpoint architecture "" is neither "mnistcnn-reference-v1" nor a spec with its input shape`},
		{"short data", func(c *Checkpoint) { c.OptState[0].Data = c.OptState[0].Data[:2] }, "checkpoint tensor a/bias/m has 2 values for shape [3]"},
		{"wrong name", func(c *Checkpoint) { c.Weights[1].Name = "b/bias" }, "checkpoint weight 1 is b/bias [3], want a/bias [3]"},
		{"unnamed", func(c *Checkpoint) { c.OptState[1].Name = "" }, "checkpoint has a tensor without a name"},
		{"negative step", func(c *Checkpoint) { c.OptStep = -1 }, "checkpoint opt_step is -1, want ≥ 0"},
		{"NaN loss sum", func(c *Checkpoint) { c.StepLossSum = math.NaN() }, "checkpoint step_loss_sum is NaN, want a finite number"},
		{"negative correct", func(c *Checkpoint) { c.StepCorrect = -1 }, "checkpoint step_correct is -1, want ≥ 0"},
		{"too many correct", func(c *Checkpoint) { c.StepCorrect = 225 }, "checkpoint step_correct is 225, more than the 224 images of its 7 steps"},
	} {
		ck := tinyCheckpoint()
		c.change(ck)
		_, err := marshalCheckpoint(ck, tinySpecs)
		if err == nil || err.Error() != "model: "+c.want {
			t.Errorf("%s: got %v\nwant model: %s", c.name, err, c.want)
		}
	}
	// The public method checks against the architecture's Params().
	if _, err := tinyCheckpoint().MarshalBinary(); err == nil {
		t.Error("MarshalBinary of a tiny checkpoint: no error")
	}
}

func FuzzUnmarshalCheckpoint(f *testing.F) {
	good := mustMarshal(f, tinyCheckpoint(), tinySpecs)
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add(raw(1, `{"arch":"mnistcnn-reference-v1"}`))
	f.Add(raw(2, `{}`))
	f.Add([]byte(ckptMagic))
	f.Fuzz(func(t *testing.T, b []byte) {
		UnmarshalCheckpoint(b)
		// With a valid checksum the fuzzer gets past it to the header.
		for _, in := range [][]byte{b, reseal(b)} {
			c, err := unmarshalCheckpoint(in, tinySpecs)
			// Reading the header first (LoadCheckpoint) decides the same.
			rc, rerr := readCheckpoint(bytes.NewReader(in), int64(len(in)), tinySpecs)
			if (err == nil) != (rerr == nil) || err == nil && !sameCheckpoint(c, rc) {
				t.Fatalf("in memory: %v; header first: %v", err, rerr)
			}
			if err != nil {
				continue
			}
			out, err := marshalCheckpoint(c, tinySpecs)
			if err != nil {
				t.Fatalf("a checkpoint read cannot be written: %v", err)
			}
			c2, err := unmarshalCheckpoint(out, tinySpecs)
			if err != nil || !sameCheckpoint(c, c2) {
				t.Fatalf("rewritten checkpoint reads back as %+v, %v", c2, err)
			}
		}
	})
}

func BenchmarkMarshalCheckpoint(b *testing.B) {
	c := realCheckpoint()
	for b.Loop() {
		if _, err := c.MarshalBinary(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnmarshalCheckpoint(b *testing.B) {
	data := mustMarshal(b, realCheckpoint(), Reference().Params())
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := UnmarshalCheckpoint(data); err != nil {
			b.Fatal(err)
		}
	}
}

// countingReader is a file of size bytes whose first len(b) bytes are b,
// the rest zeros, that counts the bytes read from it.
type countingReader struct {
	b    []byte
	size int64
	read int64
}

func (r *countingReader) ReadAt(p []byte, off int64) (int, error) {
	if off >= r.size {
		return 0, io.EOF
	}
	n := int(min(int64(len(p)), r.size-off))
	clear(p[:n])
	if off < int64(len(r.b)) {
		copy(p[:n], r.b[off:])
	}
	r.read += int64(n)
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// A file longer than its header describes (e.g. `truncate -s 3G`) is
// refused from its prefix and header alone, and so is one cut short.
func TestReadCheckpointHeaderFirst(t *testing.T) {
	good := mustMarshal(t, tinyCheckpoint(), tinySpecs)
	hlen := int64(binary.LittleEndian.Uint32(good[12:]))
	for _, size := range []int64{3 << 30, int64(len(good)) - 4} {
		r := &countingReader{b: good, size: size}
		_, err := readCheckpoint(r, size, tinySpecs)
		if !strings.Contains(fmt.Sprint(err), fmt.Sprintf("checkpoint is %d bytes, its header describes %d", size, len(good))) {
			t.Errorf("%d bytes: got %v", size, err)
		}
		if r.read != ckptPrefix+hlen {
			t.Errorf("%d bytes: read %d bytes to refuse it, want the %d of the prefix and header", size, r.read, ckptPrefix+hlen)
		}
	}
	r := &countingReader{b: good, size: int64(len(good))}
	if c, err := readCheckpoint(r, r.size, tinySpecs); err != nil || !sameCheckpoint(c, tinyCheckpoint()) {
		t.Errorf("the whole file: %v", err)
	}
}

// LoadCheckpoint refuses a file over MaxCheckpointBytes, or not a regular
// file, before reading it.
func TestLoadCheckpointLimits(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.ckpt")
	if err := os.WriteFile(big, mustMarshal(t, tinyCheckpoint(), tinySpecs), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, MaxCheckpointBytes+1); err != nil { // sparse: no disk used
		t.Fatal(err)
	}
	want := fmt.Sprintf("model: %s: %d bytes, over the 64 MiB limit of a checkpoint", big, MaxCheckpointBytes+1)
	if _, err := LoadCheckpoint(big); err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
	if _, err := LoadCheckpoint(dir); err == nil || err.Error() != "model: "+dir+": a folder, not a regular file" {
		t.Errorf("a folder: got %v", err)
	}
}
