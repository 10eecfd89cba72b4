package convert

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"slices"

	"github.com/mnistcnn/mnistcnn/tflite"
)

// placeholder stands in the digest buffer while the file is encoded, so that
// the buffer can be found in the bytes: a SHA-256 value occurs nowhere else.
var placeholder = sha256.Sum256([]byte("mnistcnn: the digest goes here"))

// EncodeWithDigest encodes m as a .tflite file that records its own digest
// (tflite.DigestName, a metadata entry whose buffer holds the SHA-256 of the
// file with that buffer zeroed), for inspect and eval to check. m is not
// changed; it must not hold a digest entry already.
func EncodeWithDigest(m *tflite.Model) ([]byte, error) {
	if m.HasDigest() {
		return nil, fmt.Errorf("convert: the model already has a %s entry", tflite.DigestName)
	}
	mm := *m
	mm.Buffers = slices.Clip(m.Buffers)
	mm.Metadata = slices.Clip(m.Metadata)
	mm.AddMetadata(tflite.DigestName, placeholder[:])
	b, err := tflite.Encode(&mm)
	if err != nil {
		return nil, err
	}
	off := bytes.Index(b, placeholder[:])
	if off < 0 || bytes.Index(b[off+1:], placeholder[:]) >= 0 {
		return nil, fmt.Errorf("convert: the digest placeholder occurs %d times in the encoded model, want once", bytes.Count(b, placeholder[:]))
	}
	d := tflite.DigestOf(b, off)
	copy(b[off:], d[:])
	return b, nil
}
