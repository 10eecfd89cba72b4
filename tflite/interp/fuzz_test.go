package interp

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/mnistcnn/mnistcnn/tflite"
)

// FuzzNew decodes arbitrary bytes and, when they decode, prepares and runs
// the model: New must return an error or an interpreter whose Invoke works,
// never panic. Seeds are the small reference models and the encoded tiny
// test model (large seeds make the fuzzer's minimisation crawl).
//
//	go test ./tflite/interp -run XXX -fuzz FuzzNew -fuzztime 60s
func FuzzNew(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "models", "*.tflite"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil && len(b) < 64<<10 {
			f.Add(b)
		}
	}
	if b, err := tflite.Encode(tinyModel()); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := tflite.Decode(b)
		if err != nil {
			return
		}
		it, err := New(m)
		if err != nil {
			return
		}
		if it.ArenaBytes() > 1<<22 {
			return // valid but too slow to run in a fuzz loop
		}
		if err := it.Invoke(); err != nil {
			t.Errorf("Invoke after successful New: %v", err)
		}
	})
}
