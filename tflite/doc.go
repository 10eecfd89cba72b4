// Package tflite reads and writes TensorFlow Lite models: the TFLite
// flatbuffer (schema version 3, file identifier "TFL3") in the in-memory form
// of model.go.
//
// Encode writes what TensorFlow's converter writes for the fields Model holds,
// with every constant buffer aligned to 16 bytes from the start of the file,
// and the same bytes for the same Model. Decode checks every offset, length
// and index before it uses it, and never panics on bad bytes. Validate holds
// the semantic checks both share; its errors name the place, e.g.
// "tflite: subgraph 0 operator 3: input 7 is tensor 42, only 12 tensors".
//
// Conventions: multi-byte values in buffers are little-endian (Float32s,
// Int32s and their inverses convert); a tensor with Buffer 0 has no constant
// data; an operator input of -1 is an omitted optional input.
package tflite
