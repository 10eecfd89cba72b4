package mnisttest

import "testing"

func TestData(t *testing.T) {
	d := Data(t)
	if d.Train.N != 60000 || d.Test.N != 10000 || d.Test.Rows != 28 || d.Test.Cols != 28 {
		t.Fatalf("train %d, test %d of %d×%d", d.Train.N, d.Test.N, d.Test.Rows, d.Test.Cols)
	}
	// The first test image is a 7, as every MNIST user knows.
	if s := Test(t, 3); s.N != 3 || s.Labels[0] != 7 || Data(t) != d {
		t.Fatalf("first test images %v", s.Labels)
	}
}
