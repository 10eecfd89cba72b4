// Package cortexm holds the Cortex-M4 firmware example (C, built with
// arm-none-eabi-gcc and run on QEMU's mps2-an386; see README.md) and its
// test: the model `mnistcnn convert --format c-standalone` emits must give,
// on the emulated microcontroller, every output byte the Go interpreter
// (tflite/interp) gives on the same MNIST test images. The package has no
// Go API.
package cortexm
