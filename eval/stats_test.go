package eval

import (
	"os"
	"testing"

	"github.com/mnistcnn/mnistcnn/tflite"
)

func TestStatsOfHelloWorld(t *testing.T) {
	b, err := os.ReadFile("../testdata/models/hello_world_float.tflite")
	if err != nil {
		t.Fatal(err)
	}
	m, err := tflite.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	s := StatsOf(m)
	// hello_world is Dense(16) → Dense(16) → Dense(1) on one input:
	// weights 1·16 + 16·16 + 16·1 = 288, biases 16 + 16 + 1 = 33;
	// MACs are the weights: 288.
	if s.Params != 321 || s.MACs != 288 {
		t.Fatalf("StatsOf = %+v, want {Params:321 MACs:288}", s)
	}
}
