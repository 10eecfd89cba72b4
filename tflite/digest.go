package tflite

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
)

// DigestName is the metadata entry under which mnistcnn records a digest
// of each model it writes, so that a model altered after it was written
// (one flipped byte of a bias can take a model from 99 % to 10 %) is noticed.
//
// The entry names a buffer of DigestSize bytes holding
//
//	SHA-256(the whole file, with those DigestSize bytes set to zero)
//
// A model may hold the entry once; models from elsewhere hold none and are
// read as before. TensorFlow Lite ignores metadata it does not know. Only
// a change to the 15 bytes of the name itself can make an altered file look
// like one without a digest.
const DigestName = "mnistcnn_sha256"

// DigestSize is the size of the digest buffer: a SHA-256.
const DigestSize = sha256.Size

// ErrDigestMismatch is wrapped by VerifyDigest's error for a model whose
// bytes are not those its digest was computed over.
var ErrDigestMismatch = errors.New("digest mismatch")

// digestNameString is DigestName as a flatbuffer string: its uint32 length,
// its bytes and a NUL.
var digestNameString = append(binary.LittleEndian.AppendUint32(nil, uint32(len(DigestName))), DigestName+"\x00"...)

// DigestOf is the digest of file b whose digest buffer is b[off:off+DigestSize]:
// the SHA-256 of b with those bytes read as zeros. It panics if they lie
// outside b.
func DigestOf(b []byte, off int) [DigestSize]byte {
	var zero [DigestSize]byte
	h := sha256.New()
	h.Write(b[:off])
	h.Write(zero[:])
	h.Write(b[off+DigestSize:])
	return sum(h)
}

func sum(h hash.Hash) (s [DigestSize]byte) {
	h.Sum(s[:0])
	return s
}

// HasDigest reports whether m records a DigestName entry.
func (m *Model) HasDigest() bool {
	for _, md := range m.Metadata {
		if md.Name == DigestName {
			return true
		}
	}
	return false
}

// VerifyDigest checks the digest recorded in model m, decoded from file b.
// It returns false and no error for a model without one, true and no error
// for one whose digest matches, and an error wrapping ErrDigestMismatch
// otherwise (also for a malformed entry: two of them, or a buffer that is
// not DigestSize bytes).
//
// Decode copies buffers, so the digest is found in b by its value; a
// SHA-256 occurring by chance elsewhere in a file is as likely as a
// collision, and every place it occurs is tried.
func VerifyDigest(b []byte, m *Model) (bool, error) {
	n := 0
	var d []byte
	for _, md := range m.Metadata {
		if md.Name != DigestName {
			continue
		}
		if n++; n > 1 {
			return true, fmt.Errorf("tflite: %w: %d %s entries, want one", ErrDigestMismatch, n, DigestName)
		}
		if int64(md.Buffer) >= int64(len(m.Buffers)) {
			return true, fmt.Errorf("tflite: %w: %s names buffer %d of %d", ErrDigestMismatch, DigestName, md.Buffer, len(m.Buffers))
		}
		d = m.Buffers[md.Buffer].Data
		if len(d) != DigestSize {
			return true, fmt.Errorf("tflite: %w: %s buffer holds %d bytes, want %d", ErrDigestMismatch, DigestName, len(d), DigestSize)
		}
	}
	if n == 0 {
		// A flipped byte of the metadata vector's length or of the entry's
		// name offset would drop the entry and pass the file off as one from
		// elsewhere: the name, as a flatbuffer string, still tells.
		if bytes.Contains(b, digestNameString) {
			return true, fmt.Errorf("tflite: %w: the file holds the string %q but no metadata entry of that name: its metadata was altered", ErrDigestMismatch, DigestName)
		}
		return false, nil
	}
	for off := 0; ; {
		i := bytes.Index(b[off:], d)
		if i < 0 {
			break
		}
		if s := DigestOf(b, off+i); bytes.Equal(s[:], d) {
			return true, nil
		}
		off += i + 1
	}
	return true, fmt.Errorf("tflite: %w: the model's bytes are not those mnistcnn wrote (%s %x): the file was altered or corrupted", ErrDigestMismatch, DigestName, d[:8])
}
