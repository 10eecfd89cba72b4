package convert

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"os"
	"testing"

	"github.com/mnistcnn/mnistcnn/tflite"
)

func helloWorld(t *testing.T) *tflite.Model {
	t.Helper()
	b, err := os.ReadFile("../testdata/models/hello_world_int8.tflite")
	if err != nil {
		t.Fatal(err)
	}
	m, err := tflite.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// The digest is the SHA-256 of the file with the digest's 32 bytes zeroed,
// computed here the plain way; a model without one reads as before.
func TestEncodeWithDigest(t *testing.T) {
	m := helloWorld(t)
	nmeta := len(m.Metadata)
	b, err := EncodeWithDigest(m)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Metadata) != nmeta {
		t.Error("EncodeWithDigest changed the model")
	}
	got, err := tflite.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	d, ok := got.MetadataBuffer(tflite.DigestName)
	if !ok || len(d) != 32 {
		t.Fatalf("no %d-byte %s entry", 32, tflite.DigestName)
	}
	off := bytes.Index(b, d)
	zeroed := bytes.Clone(b)
	clear(zeroed[off : off+32])
	if want := sha256.Sum256(zeroed); !bytes.Equal(d, want[:]) {
		t.Errorf("digest %x, want %x", d, want)
	}
	if has, err := tflite.VerifyDigest(b, got); !has || err != nil {
		t.Errorf("VerifyDigest: %v, %v", has, err)
	}
	// The same model gives the same bytes.
	if b2, _ := EncodeWithDigest(m); !bytes.Equal(b, b2) {
		t.Error("two encodings differ")
	}
	if has, err := tflite.VerifyDigest(nil, m); has || err != nil {
		t.Errorf("a model without a digest: %v, %v", has, err)
	}
	if _, err := EncodeWithDigest(got); err == nil {
		t.Error("a second digest entry: no error")
	}
}

// Any one byte changed anywhere in the file is caught: the file no longer
// decodes, or its digest does not match. The one exception is a byte of
// the entry's name, which makes the file one without a digest, as a model
// from elsewhere.
func TestDigestCatchesEveryByteFlip(t *testing.T) {
	b, err := EncodeWithDigest(helloWorld(t))
	if err != nil {
		t.Fatal(err)
	}
	name := bytes.Index(b, []byte(tflite.DigestName))
	for i := range b {
		c := bytes.Clone(b)
		c[i] ^= 0x01
		m, err := tflite.Decode(c)
		if err != nil {
			continue
		}
		has, err := tflite.VerifyDigest(c, m)
		switch {
		case errors.Is(err, tflite.ErrDigestMismatch):
		case !has && i >= name && i < name+len(tflite.DigestName):
		default:
			t.Errorf("byte %d of %d flipped: digest %v, %v", i, len(b), has, err)
		}
	}
}
