//go:build amd64 && !purego

package simd

//go:noescape
func addAVX2(dst, src *float32, n int)

//go:noescape
func addReLUAVX2(dst, src *float32, n int)

//go:noescape
func reluGradAVX2(gz, y, gy *float32, n int)

//go:noescape
func maxArgAVX2(best *float32, at *int32, src *float32, base int32, n int)
