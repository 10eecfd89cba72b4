package model

// The reference architecture on MNIST, as package-level values, for code
// that does not take an Arch yet.
//
// Deprecated: take an *Arch (Reference() for the reference model).
var Layers = Reference().Layers

// Image geometry of MNIST.
//
// Deprecated: take them from an *Arch or the data.
const (
	Height  = 28
	Width   = 28
	Classes = 10
)

// Params is Reference().Params().
//
// Deprecated: use (*Arch).Params.
func Params() []ParamSpec { return Reference().Params() }

// NumParams is Reference().NumParams().
//
// Deprecated: use (*Arch).NumParams.
func NumParams() int { return Reference().NumParams() }

// MACs is Reference().MACs().
//
// Deprecated: use (*Arch).MACs.
func MACs() int { return Reference().MACs() }

// LayerParams is the number of parameters of the reference layer named name.
//
// Deprecated: use Layer.NumParams.
func LayerParams(name string) int {
	l, _ := Reference().Layer(name)
	return l.NumParams()
}

// LayerMACs is l.MACs().
//
// Deprecated: use Layer.MACs.
func LayerMACs(l Layer) int { return l.MACs() }
