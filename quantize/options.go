package quantize

// Options choose how Int8 quantizes a model.
type Options struct {
	// Method is the calibration method: MinMax (the default when empty),
	// Mean or Percentile.
	Method string
	// Percentile is the percentile Percentile keeps; DefaultPercentile when 0.
	Percentile float64
	// PerChannelFC quantizes FULLY_CONNECTED weights per output channel
	// instead of per tensor (TensorFlow's converter writes per tensor).
	PerChannelFC bool
	// InputMin and InputMax, when InputMax > InputMin, fix the range of the
	// model's inputs instead of calibrating it. mnistcnn's model takes
	// pixel/255, so [0, 1] gives scale 1/255 and zero point −128: the int8
	// input is exactly pixel − 128.
	InputMin, InputMax float32
}

// DefaultOptions are the options mnistcnn quantizes its model with: min/max
// calibration, per-tensor fully connected weights, input range [0, 1].
func DefaultOptions() Options {
	return Options{Method: MinMax, InputMin: 0, InputMax: 1}
}

func (o Options) method() string {
	if o.Method == "" {
		return MinMax
	}
	return o.Method
}

func (o Options) percentile() float64 {
	if o.Percentile == 0 {
		return DefaultPercentile
	}
	return o.Percentile
}
