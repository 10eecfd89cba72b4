package tflite

import (
	"bytes"
	"reflect"
	"testing"
)

// FuzzDecode feeds Decode arbitrary bytes: it must never panic, and a model
// it accepts must encode, decode to the same model, and encode to the same
// bytes again.
//
//	go test -run=NONE -fuzz=FuzzDecode -fuzztime=5m ./tflite
func FuzzDecode(f *testing.F) {
	tiny, err := Encode(tinyModel())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(tiny)
	for _, name := range referenceModels {
		f.Add(readModelFile(f, name))
	}
	f.Add([]byte("\x08\x00\x00\x00TFL3"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Decode(b)
		if err != nil {
			return
		}
		out, err := Encode(m)
		if err != nil {
			t.Fatalf("decoded model does not encode: %v", err)
		}
		m2, err := Decode(out)
		if err != nil {
			t.Fatalf("encoded model does not decode: %v", err)
		}
		if !reflect.DeepEqual(m, m2) {
			t.Fatal("model changed in Encode→Decode")
		}
		out2, err := Encode(m2)
		if err != nil || !bytes.Equal(out, out2) {
			t.Fatalf("second encoding differs (%v)", err)
		}
	})
}
