// Package mnisttest gives tests the real MNIST data: the GoMNIST module's
// files in the module cache (see mnist.Locate), read once per test binary.
// The module is a dependency of this one, so `go mod download` (which any
// build does) provides it; a test that cannot read it fails rather than
// skips, so a broken set-up is never mistaken for a pass.
package mnisttest

import (
	"sync"
	"testing"

	"github.com/mnistcnn/mnistcnn/mnist"
)

var (
	once sync.Once
	data *mnist.Data
	err  error
)

// Data is the whole data set, shared by the tests of one binary: they must
// not change it.
func Data(t testing.TB) *mnist.Data {
	t.Helper()
	once.Do(func() {
		var dir string
		if dir, err = mnist.Locate(""); err == nil {
			data, err = mnist.Load(dir)
		}
	})
	if err != nil {
		t.Fatalf("MNIST data: %v (run `go mod download`)", err)
	}
	return data
}

// Test is the first n images of the test set (all of it if n is larger).
func Test(t testing.TB, n int) mnist.Set {
	t.Helper()
	d := Data(t)
	return d.Test.Slice(0, min(n, d.Test.N))
}
