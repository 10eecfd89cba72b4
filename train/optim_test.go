package train

import (
	"math"
	"testing"

	"github.com/mnistcnn/mnistcnn/model"
)

// runSteps applies one optimizer step per gradient in grads to a single
// 2-element weight w = (1, −2) and returns the weight after each step.
func runSteps(t *testing.T, o model.Optimizer, grads [][2]float32) [][2]float32 {
	t.Helper()
	w := []model.Tensor{{Name: "w", Shape: []int{2}, Data: []float32{1, -2}}}
	st, err := newOptState(o, w, 1)
	if err != nil {
		t.Fatal(err)
	}
	var out [][2]float32
	for i, g := range grads {
		step(o, int64(i+1), w, st, func(int) []float32 { return g[:] })
		out = append(out, [2]float32{w[0].Data[0], w[0].Data[1]})
	}
	return out
}

// near compares a float32 result with a value computed by hand in decimal:
// the optimizers work in float32 (about 7 significant digits), and the
// moments lose a little more to (g²−v) cancelling, so allow 1e-5.
func near(a, b float32) bool { return math.Abs(float64(a-b)) <= 1e-5 }

func checkSteps(t *testing.T, got, want [][2]float32) {
	t.Helper()
	for s := range want {
		for j := range want[s] {
			if !near(got[s][j], want[s][j]) {
				t.Errorf("step %d, w[%d] = %.7f, want %.7f", s+1, j, got[s][j], want[s][j])
			}
		}
	}
}

func TestRMSpropStep(t *testing.T) {
	// lr 0.1, rho 0.9, eps 0, w = (1, −2), g = (0.5, −0.1) twice.
	// Step 1: v = 0.1·g² = (0.025, 0.001); the update lr·g/√v is
	// lr·sign(g)/√0.1 = ±0.31622777, so w = (0.68377223, −1.68377223).
	// Step 2: v = 0.9·v + 0.1·g² = 0.19·g² = (0.0475, 0.0019); the update
	// is lr·sign(g)/√0.19 = ±0.22941573, so w = (0.45435650, −1.45435650).
	o := model.Optimizer{Name: RMSprop, LR: 0.1, Rho: 0.9}
	g := [2]float32{0.5, -0.1}
	checkSteps(t, runSteps(t, o, [][2]float32{g, g}),
		[][2]float32{{0.68377223, -1.68377223}, {0.45435650, -1.45435650}})

	// Keras puts epsilon inside the square root. With eps 0.01 and g = 0.5:
	// v = 0.025, update = 0.1·0.5/√(0.025+0.01) = 0.05/0.18708287 = 0.26726124
	// (outside the root it would be 0.05/(0.15811388+0.01) = 0.29742). For
	// g = −0.1: v = 0.001, update = −0.01/√0.011 = −0.09534626.
	o.Epsilon = 0.01
	checkSteps(t, runSteps(t, o, [][2]float32{g}),
		[][2]float32{{1 - 0.26726124, -2 + 0.09534626}})
}

func TestAdamStep(t *testing.T) {
	// lr 0.1, beta1 0.9, beta2 0.999, eps 0, w = (1, −2).
	// Step 1, g = (0.5, −0.1): m = 0.1·g, v = 0.001·g²,
	// α = lr·√(1−0.999)/(1−0.9) = 0.1·0.031622777/0.1 = 0.031622777,
	// update = α·0.1·g/(√0.001·|g|) = lr·sign(g) = ±0.1: w = (0.9, −1.9).
	// Step 2, g = (0.25, 0.1):
	// m = m + (g−m)·0.1 = (0.05+0.02, −0.01+0.011) = (0.07, 0.001),
	// v = v + (g²−v)·0.001 = (0.00025+0.00006225, 0.00001+0.00000999)
	//   = (0.00031225, 0.00001999),
	// α = 0.1·√(1−0.999²)/(1−0.9²) = 0.1·0.044710178/0.19 = 0.023531673,
	// update = α·m/√v = (0.023531673·0.07/0.017670597, 0.023531673·0.001/0.0044710178)
	//        = (0.0932180, 0.0052632): w = (0.8067820, −1.9052632).
	o := model.Optimizer{Name: Adam, LR: 0.1, Beta1: 0.9, Beta2: 0.999}
	checkSteps(t, runSteps(t, o, [][2]float32{{0.5, -0.1}, {0.25, 0.1}}),
		[][2]float32{{0.9, -1.9}, {0.8067820, -1.9052632}})

	// Epsilon is outside the root: step 1 with eps 0.01 and g = 0.5 is
	// α·0.05/(√0.00025+0.01) = 0.031622777·0.05/0.025811388 = 0.061257.
	o.Epsilon = 0.01
	if got := runSteps(t, o, [][2]float32{{0.5, -0.1}}); !near(got[0][0], 1-0.0612574) {
		t.Errorf("w[0] = %.7f, want %.7f", got[0][0], 1-0.0612574)
	}
}

func TestOptState(t *testing.T) {
	w := []model.Tensor{{Name: "a", Shape: []int{2}, Data: make([]float32, 2)}, {Name: "b", Shape: []int{1, 3}, Data: make([]float32, 3)}}
	st, err := newOptState(DefaultAdam(), w, 1)
	if err != nil {
		t.Fatal(err)
	}
	// Adam keeps all first moments, then all second moments, then the
	// learning rate decay.
	var names []string
	for _, s := range st {
		names = append(names, s.Name)
	}
	if want := "[a/m b/m a/v b/v lr_decay]"; fmtList(names) != want {
		t.Errorf("Adam state %s, want %s", fmtList(names), want)
	}
	if err := checkOptState(DefaultAdam(), w, st); err != nil {
		t.Error(err)
	}
	if err := checkOptState(KerasRMSprop(), w, st); err == nil {
		t.Error("Adam's state accepted for RMSprop")
	}
	if _, err := newOptState(model.Optimizer{Name: "sgd"}, w, 1); err == nil {
		t.Error("unknown optimizer accepted")
	}
}

func fmtList(s []string) string {
	out := "["
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out + "]"
}
