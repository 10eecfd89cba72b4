package model

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"slices"
	"strings"

	"github.com/mnistcnn/mnistcnn/internal/atomicfile"
	"github.com/mnistcnn/mnistcnn/internal/readfile"
)

// CheckpointVersion is the newest version of the checkpoint format, the
// one this code writes for a run with random shifts. It reads every version
// from 1.
//
// Version 2 adds the header field "shift" (Checkpoint.Shift). A checkpoint
// without shifts is written as version 1, byte for byte as before, so
// older mnistcnn binaries still read it; one with shifts is version 2,
// which they refuse instead of resuming it without its shifts.
const CheckpointVersion = 2

// Checkpoint file format, versions 1 and 2. All integers little-endian.
//
//	offset  size  content
//	0       8     magic "MNISTCKP"
//	8       4     uint32 format version (1 or 2)
//	12      4     uint32 header length H
//	16      H     JSON header: every field of Checkpoint except the tensor
//	              data, and for each tensor of Weights then OptState its
//	              name and shape (see ckptHeader for the field names)
//	16+H    4·n   the tensors' float32 data, in header order, row-major;
//	              n is the sum of the tensors' element counts
//	end-32  32    SHA-256 of every byte before it
//
// The header holds no timestamps and Go's JSON encoding is deterministic, so
// the same Checkpoint always gives the same bytes.
const ckptMagic = "MNISTCKP"

const (
	ckptPrefix = 16 // magic, version, header length
	ckptSum    = sha256.Size
)

// Optimizer is the optimizer and its hyper-parameters. Name is the
// training code's choice (e.g. "rmsprop", "adam"); unused fields are 0.
type Optimizer struct {
	Name    string  `json:"name"`
	LR      float64 `json:"lr"`
	Rho     float64 `json:"rho"`
	Beta1   float64 `json:"beta1"`
	Beta2   float64 `json:"beta2"`
	Epsilon float64 `json:"epsilon"`
}

// EpochMetrics are the results of one training epoch.
type EpochMetrics struct {
	Epoch         int     `json:"epoch"`
	TrainLoss     float64 `json:"train_loss"`
	TrainAccuracy float64 `json:"train_accuracy"`
	ValLoss       float64 `json:"val_loss"`
	ValAccuracy   float64 `json:"val_accuracy"`
}

// Checkpoint is the state of a training run: enough to resume it, to
// convert its weights and to report on it.
type Checkpoint struct {
	Arch      string // the architecture: ArchName or a spec (Arch.CheckpointName)
	Seed      uint64
	Optimizer Optimizer

	// Training configuration; Epochs is the number of epochs requested.
	Batch, Epochs, Limit, ValSplit int

	// Shift is the largest random shift, in pixels along each axis, of a
	// training image (data augmentation); 0 for none, and in checkpoints
	// written before the field existed.
	Shift int

	Epoch   int   // completed epochs
	Step    int   // optimizer steps done inside epoch Epoch (0 at an epoch boundary)
	OptStep int64 // total optimizer steps (Adam's t)

	// The running sums of epoch Epoch over its first Step steps (0 at an
	// epoch boundary): the batch-mean losses and the images classified
	// correctly. A run resumed mid-epoch carries on from them, so it
	// reports the same epoch metrics, and writes the same file, as a run
	// that was never stopped.
	StepLossSum float64
	StepCorrect int

	Weights  []Tensor // exactly Params(): same order, names and shapes
	OptState []Tensor // optimizer slots, any names (e.g. "conv1/kernel/ms") and count

	History      []EpochMetrics
	TestAccuracy float64 // -1 when not measured yet
}

// version is the format version c is written in: the oldest that holds it.
func version(c *Checkpoint) uint32 {
	if c.Shift != 0 {
		return 2
	}
	return 1
}

// ckptHeader is the JSON header of the file format.
type ckptHeader struct {
	Arch         string         `json:"arch"`
	Seed         uint64         `json:"seed"`
	Optimizer    Optimizer      `json:"optimizer"`
	Batch        int            `json:"batch"`
	Epochs       int            `json:"epochs"`
	Limit        int            `json:"limit"`
	ValSplit     int            `json:"val_split"`
	Shift        int            `json:"shift,omitempty"`
	Epoch        int            `json:"epoch"`
	Step         int            `json:"step"`
	OptStep      int64          `json:"opt_step"`
	StepLossSum  float64        `json:"step_loss_sum,omitempty"`
	StepCorrect  int            `json:"step_correct,omitempty"`
	History      []EpochMetrics `json:"history"`
	TestAccuracy float64        `json:"test_accuracy"`
	Weights      []tensorHeader `json:"weights"`
	OptState     []tensorHeader `json:"opt_state"`
}

type tensorHeader struct {
	Name  string `json:"name"`
	Shape []int  `json:"shape"`
}

// ckptError is a checkpoint error; Path is set when a file is involved.
type ckptError struct {
	Path, Msg string
}

func (e *ckptError) Error() string {
	if e.Path == "" {
		return "model: " + e.Msg
	}
	return "model: " + e.Path + ": " + e.Msg
}

func errorf(format string, args ...any) error {
	return &ckptError{Msg: fmt.Sprintf(format, args...)}
}

// NewCheckpointWeights returns zero tensors named and shaped as
// a.Params(), in its order.
func NewCheckpointWeights(a *Arch) []Tensor {
	return zeroTensors(a.Params())
}

// Architecture is the architecture the checkpoint records.
func (c *Checkpoint) Architecture() (*Arch, error) {
	return FromCheckpointName(c.Arch)
}

func zeroTensors(specs []ParamSpec) []Tensor {
	ts := make([]Tensor, len(specs))
	for i, p := range specs {
		ts[i] = Tensor{Name: p.Name, Shape: append([]int(nil), p.Shape...), Data: make([]float32, shapeLen(p.Shape))}
	}
	return ts
}

// MarshalBinary encodes c in the checkpoint format. It fails if c is not
// valid: wrong architecture, weights unlike its architecture's Params(), a tensor whose data
// does not fill its shape, a negative count, or a non-finite number outside
// the tensors (tensor data may hold NaN and Inf).
func (c *Checkpoint) MarshalBinary() ([]byte, error) {
	return marshalCheckpoint(c, nil)
}

func marshalCheckpoint(c *Checkpoint, specs []ParamSpec) ([]byte, error) {
	if err := c.validate(specs); err != nil {
		return nil, err
	}
	h := ckptHeader{
		Arch: c.Arch, Seed: c.Seed, Optimizer: c.Optimizer,
		Batch: c.Batch, Epochs: c.Epochs, Limit: c.Limit, ValSplit: c.ValSplit, Shift: c.Shift,
		Epoch: c.Epoch, Step: c.Step, OptStep: c.OptStep,
		StepLossSum: c.StepLossSum, StepCorrect: c.StepCorrect,
		History: c.History, TestAccuracy: c.TestAccuracy,
		Weights: tensorHeaders(c.Weights), OptState: tensorHeaders(c.OptState),
	}
	js, err := json.Marshal(h)
	if err != nil {
		return nil, errorf("encoding checkpoint header: %v", err)
	}
	if len(js) > math.MaxUint32 {
		return nil, errorf("checkpoint header of %d bytes too large", len(js))
	}
	n := 0
	for _, ts := range [][]Tensor{c.Weights, c.OptState} {
		for _, t := range ts {
			n += len(t.Data)
		}
	}
	b := make([]byte, 0, ckptPrefix+len(js)+4*n+ckptSum)
	b = append(b, ckptMagic...)
	b = binary.LittleEndian.AppendUint32(b, version(c))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(js)))
	b = append(b, js...)
	for _, ts := range [][]Tensor{c.Weights, c.OptState} {
		for _, t := range ts {
			for _, v := range t.Data {
				b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
			}
		}
	}
	sum := sha256.Sum256(b)
	return append(b, sum[:]...), nil
}

func tensorHeaders(ts []Tensor) []tensorHeader {
	if ts == nil {
		return nil // "null", so that nil survives a round trip
	}
	hs := make([]tensorHeader, len(ts))
	for i, t := range ts {
		hs[i] = tensorHeader{t.Name, t.Shape}
	}
	return hs
}

// validate checks what both MarshalBinary and UnmarshalCheckpoint require:
// the weights of specs, or of the architecture c.Arch names if specs is nil.
func (c *Checkpoint) validate(specs []ParamSpec) error {
	a, err := FromCheckpointName(c.Arch)
	if err != nil {
		return errorf("%v", strings.TrimPrefix(err.Error(), "model: "))
	}
	if specs == nil {
		specs = a.Params()
	}
	for _, f := range []struct {
		name string
		v    int64
	}{
		{"batch", int64(c.Batch)}, {"epochs", int64(c.Epochs)}, {"limit", int64(c.Limit)},
		{"val_split", int64(c.ValSplit)}, {"shift", int64(c.Shift)}, {"epoch", int64(c.Epoch)}, {"step", int64(c.Step)},
		{"opt_step", c.OptStep}, {"step_correct", int64(c.StepCorrect)},
	} {
		if f.v < 0 {
			return errorf("checkpoint %s is %d, want ≥ 0", f.name, f.v)
		}
	}
	o := c.Optimizer
	for _, f := range []struct {
		name string
		v    float64
	}{
		{"lr", o.LR}, {"rho", o.Rho}, {"beta1", o.Beta1}, {"beta2", o.Beta2}, {"epsilon", o.Epsilon},
		{"test_accuracy", c.TestAccuracy}, {"step_loss_sum", c.StepLossSum},
	} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) {
			return errorf("checkpoint %s is %v, want a finite number", f.name, f.v)
		}
	}
	if c.StepCorrect > c.Step*c.Batch {
		return errorf("checkpoint step_correct is %d, more than the %d images of its %d steps", c.StepCorrect, c.Step*c.Batch, c.Step)
	}
	for _, m := range c.History {
		for _, v := range []float64{m.TrainLoss, m.TrainAccuracy, m.ValLoss, m.ValAccuracy} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return errorf("checkpoint history of epoch %d holds %v, want finite numbers", m.Epoch, v)
			}
		}
	}
	if len(c.Weights) != len(specs) {
		return errorf("checkpoint has %d weight tensors, the architecture %d", len(c.Weights), len(specs))
	}
	for i, t := range c.Weights {
		p := specs[i]
		if t.Name != p.Name || !slices.Equal(t.Shape, p.Shape) {
			return errorf("checkpoint weight %d is %s %v, want %s %v", i, t.Name, t.Shape, p.Name, p.Shape)
		}
	}
	for _, ts := range [][]Tensor{c.Weights, c.OptState} {
		for _, t := range ts {
			if t.Name == "" {
				return errorf("checkpoint has a tensor without a name")
			}
			for _, d := range t.Shape {
				if d < 0 {
					return errorf("checkpoint tensor %s has shape %v", t.Name, t.Shape)
				}
			}
			if len(t.Data) != t.Len() {
				return errorf("checkpoint tensor %s has %d values for shape %v", t.Name, len(t.Data), t.Shape)
			}
		}
	}
	return nil
}

// UnmarshalCheckpoint decodes a checkpoint written by MarshalBinary. It
// checks the magic, the version and the SHA-256 before trusting anything
// else, then that the weights are those of the
// architecture it records. It never panics.
func UnmarshalCheckpoint(b []byte) (*Checkpoint, error) {
	return unmarshalCheckpoint(b, nil)
}

func unmarshalCheckpoint(b []byte, specs []ParamSpec) (*Checkpoint, error) {
	hlen, err := checkPrefix(b)
	if err != nil {
		return nil, err
	}
	if err := checkHeaderFits(uint64(len(b)), hlen); err != nil {
		return nil, err
	}
	// The header is read before the checksum is checked only to tell a file
	// whose size is not the one it describes from one altered inside.
	h, herr := decodeHeader(b[ckptPrefix : ckptPrefix+hlen])
	if herr == nil {
		var want uint64
		if want, herr = fileSize(h, hlen); herr == nil && want != uint64(len(b)) {
			return nil, sizeError(uint64(len(b)), want)
		}
	}
	body := b[:len(b)-ckptSum]
	if sum := sha256.Sum256(body); !bytes.Equal(sum[:], b[len(b)-ckptSum:]) {
		return nil, errorf("checkpoint checksum mismatch (file altered or corrupt)")
	}
	if herr != nil {
		return nil, herr
	}
	if v := binary.LittleEndian.Uint32(b[8:]); v == 1 && h.Shift != 0 {
		return nil, errorf("checkpoint is version 1 but has shift %d, a version 2 field", h.Shift)
	}
	c := &Checkpoint{
		Arch: h.Arch, Seed: h.Seed, Optimizer: h.Optimizer,
		Batch: h.Batch, Epochs: h.Epochs, Limit: h.Limit, ValSplit: h.ValSplit, Shift: h.Shift,
		Epoch: h.Epoch, Step: h.Step, OptStep: h.OptStep,
		StepLossSum: h.StepLossSum, StepCorrect: h.StepCorrect,
		History: h.History, TestAccuracy: h.TestAccuracy,
	}
	data := b[ckptPrefix+hlen : len(b)-ckptSum]
	c.Weights, data = readTensors(h.Weights, data)
	c.OptState, _ = readTensors(h.OptState, data)
	if err := c.validate(specs); err != nil {
		return nil, err
	}
	return c, nil
}

// checkPrefix checks the magic and the version at the start of b and
// returns the header length. Only a file shorter than the 16-byte prefix is
// called truncated: anything longer may as well have been altered.
func checkPrefix(b []byte) (hlen uint64, err error) {
	if len(b) < len(ckptMagic) {
		if bytes.HasPrefix([]byte(ckptMagic), b) {
			return 0, errorf("checkpoint truncated: %d bytes", len(b))
		}
		return 0, errorf("not a mnistcnn checkpoint")
	}
	if string(b[:len(ckptMagic)]) != ckptMagic {
		return 0, errorf("not a mnistcnn checkpoint")
	}
	if len(b) < ckptPrefix {
		return 0, errorf("checkpoint truncated: %d bytes", len(b))
	}
	v := binary.LittleEndian.Uint32(b[8:])
	if v < 1 || v > CheckpointVersion {
		return 0, errorf("checkpoint is version %d, this mnistcnn reads versions 1 to %d", v, CheckpointVersion)
	}
	return uint64(binary.LittleEndian.Uint32(b[12:])), nil
}

// checkHeaderFits checks that a file of size bytes holds the prefix, a
// header of hlen bytes and the checksum.
func checkHeaderFits(size, hlen uint64) error {
	if need := ckptPrefix + hlen + ckptSum; size < need {
		return errorf("checkpoint is %d bytes, too short for its %d-byte header and checksum (%d bytes): cut short, or its header length altered",
			size, hlen, need)
	}
	return nil
}

// sizeError is a file whose size is not the one its header describes. It
// does not say "truncated": a file cut short and one whose header was
// altered (a shape changed) look the same from inside.
func sizeError(size, want uint64) error {
	why := "cut short, or its header altered"
	if size > want {
		why = "data added, or its header altered"
	}
	return errorf("checkpoint is %d bytes, its header describes %d: %s", size, want, why)
}

// decodeHeader parses the JSON header strictly: unknown fields and
// trailing data are errors.
func decodeHeader(js []byte) (*ckptHeader, error) {
	var h ckptHeader
	d := json.NewDecoder(bytes.NewReader(js))
	d.DisallowUnknownFields()
	if err := d.Decode(&h); err != nil {
		return nil, errorf("checkpoint header: %v", err)
	}
	if d.More() {
		return nil, errorf("checkpoint header: data after the JSON object")
	}
	return &h, nil
}

// maxTensorBytes bounds the tensor data a header may describe (1 TiB), so
// that computing sizes from untrusted shapes cannot overflow.
const maxTensorBytes = 1 << 40

// fileSize is the file size h describes.
func fileSize(h *ckptHeader, hlen uint64) (uint64, error) {
	data := uint64(0)
	for _, ts := range [][]tensorHeader{h.Weights, h.OptState} {
		for _, t := range ts {
			n := uint64(1)
			for _, d := range t.Shape {
				if d < 0 {
					return 0, errorf("checkpoint tensor %s has shape %v", t.Name, t.Shape)
				}
				if d != 0 && n > maxTensorBytes/uint64(d) {
					return 0, errorf("checkpoint tensor %s has shape %v, too large", t.Name, t.Shape)
				}
				n *= uint64(d)
			}
			if data += 4 * n; data > maxTensorBytes {
				return 0, errorf("checkpoint tensors hold more than %d bytes", uint64(maxTensorBytes))
			}
		}
	}
	return ckptPrefix + hlen + data + ckptSum, nil
}

// readTensors builds hs's tensors from the front of data, which the caller
// has checked holds them all, and returns the rest.
func readTensors(hs []tensorHeader, data []byte) ([]Tensor, []byte) {
	if hs == nil {
		return nil, data
	}
	ts := make([]Tensor, len(hs))
	for i, h := range hs {
		t := Tensor{Name: h.Name, Shape: h.Shape, Data: make([]float32, shapeLen(h.Shape))}
		for j := range t.Data {
			t.Data[j] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*j:]))
		}
		data = data[4*len(t.Data):]
		ts[i] = t
	}
	return ts, data
}

// SaveCheckpoint writes c to path atomically: a reader sees the old file
// or the new one, never a part.
func SaveCheckpoint(path string, c *Checkpoint) error {
	b, err := c.MarshalBinary()
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(path, b, 0o644); err != nil {
		return &ckptError{Path: path, Msg: "saving checkpoint: " + err.Error()}
	}
	return nil
}

// MaxCheckpointBytes is the largest checkpoint file LoadCheckpoint reads:
// 64 MiB, some 40 times a checkpoint of the reference CNN with its
// optimizer state (1.4 MB for RMSprop, 2.2 MB for Adam).
const MaxCheckpointBytes = 64 << 20

// LoadCheckpoint reads and checks the checkpoint at path: a regular file
// of at most MaxCheckpointBytes. It reads the prefix and the header first,
// and refuses a file whose size is not the one its header describes before
// reading the rest. Errors name the file.
func LoadCheckpoint(path string) (*Checkpoint, error) {
	f, size, err := readfile.Open(path, readfile.Limit{What: "checkpoint", Bytes: MaxCheckpointBytes})
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &ckptError{Path: path, Msg: "no such checkpoint file"}
	}
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	defer f.Close()
	c, err := readCheckpoint(f, size, nil)
	if err != nil {
		var e *ckptError
		if errors.As(err, &e) {
			return nil, &ckptError{Path: path, Msg: e.Msg}
		}
		return nil, fmt.Errorf("model: %s: %w", path, err)
	}
	return c, nil
}

// readCheckpoint reads a checkpoint file of size bytes from r, the header
// before the rest: a header that decodes says how long the file must be, so
// a file of another size costs no more than its header to refuse. The file
// is then checked whole by unmarshalCheckpoint. It returns the errors
// unmarshalCheckpoint would, but for the checksum of a file whose size is
// wrong, which it does not read.
func readCheckpoint(r io.ReaderAt, size int64, specs []ParamSpec) (*Checkpoint, error) {
	head := make([]byte, min(size, ckptPrefix))
	if _, err := r.ReadAt(head, 0); err != nil && err != io.EOF {
		return nil, err
	}
	hlen, err := checkPrefix(head)
	if err != nil {
		return nil, err
	}
	if err := checkHeaderFits(uint64(size), hlen); err != nil {
		return nil, err
	}
	js := make([]byte, hlen)
	if _, err := r.ReadAt(js, ckptPrefix); err != nil {
		return nil, err
	}
	if h, err := decodeHeader(js); err == nil {
		if want, err := fileSize(h, hlen); err == nil && want != uint64(size) {
			return nil, sizeError(uint64(size), want)
		}
	}
	b := make([]byte, size)
	if _, err := r.ReadAt(b, 0); err != nil && err != io.EOF {
		return nil, err
	}
	return unmarshalCheckpoint(b, specs)
}
