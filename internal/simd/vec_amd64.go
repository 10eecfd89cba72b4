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

//go:noescape
func addRowsAVX2(y, bias *float32, rows, n int)

//go:noescape
func addReLURowsAVX2(y, bias *float32, rows, n int)

//go:noescape
func sumRowsAVX2(sum, m *float32, rows, n int)

//go:noescape
func rmspropAVX2(w, v, grad *float32, n int, lr, c, rho, eps float32)
