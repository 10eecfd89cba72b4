package tflite

import "github.com/mnistcnn/mnistcnn/internal/readfile"

// MaxFileBytes is the largest .tflite file ReadFile reads: 64 MiB, far
// above any model that fits a microcontroller (mnistcnn's are 724 KB and
// 186 KB; MobileNet v2 in float32 is 14 MB) and small enough that reading
// and decoding one stays well inside a few hundred MB.
const MaxFileBytes = 64 << 20

// ReadFile reads the .tflite file at path: a regular file of at most
// MaxFileBytes. Its errors name the file but not a package, for the caller
// to prefix; a missing file's wraps fs.ErrNotExist.
func ReadFile(path string) ([]byte, error) {
	return readfile.Read(path, readfile.Limit{What: "model", Bytes: MaxFileBytes})
}
