//go:build !amd64 || purego

package simd

// gemvAsm reports that there is no assembly kernel: Gemv runs gemvGo.
func gemvAsm(id int, w []float32, ldw int, x, y []float32) bool { return false }
