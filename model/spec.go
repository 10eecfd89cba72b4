package model

import (
	"fmt"
	"strconv"
	"strings"
)

// SpecHelp documents the spec form of an architecture, for --help and the
// README.
const SpecHelp = `An architecture is a preset name (reference, lenet5, depthwise, tiny) or a
spec: layers separated by commas or white space (a file may put one layer a
line; '#' starts a comment), each a kind and its arguments joined by ':'.

  conv:F:K[:sS][:same|valid][:relu|relu6|linear]  Conv2D, F filters, K×K kernel
  dwconv:K[:mM][:sS][:same|valid][:relu|relu6|linear]
                                  DepthwiseConv2D, channel multiplier M
  maxpool:K[:sS][:same|valid]     MaxPool2D, K×K window, stride S (default K)
  avgpool:K[:sS][:same|valid]     AveragePooling2D
  gap                             GlobalAveragePooling2D (feature map → channels)
  flatten                         Flatten (feature map → H·W·C values)
  dense:U[:relu|relu6|linear]     Dense, U units
  dropout:R                       Dropout of a fraction R of the values, training only
  input:HxWxC                     the image shape, optional and first; it must
                                  match the data

Defaults: stride 1, valid padding, relu, multiplier 1. The last layer is the
classifier, a dense layer with softmax: write it as dense (its units are the
number of classes in the data) or dense:N with N the number of classes.
Layers are named by kind and count: conv1, dwconv1, pool1 (max), avgpool1, gap1,
flatten, dense1, dropout1.

  reference  conv:32:3,maxpool:2,conv:32:3,maxpool:2,flatten,dense:200,dense:50,dense
`

// Limits on what a spec may ask for. They keep the tensors of training and
// of the checkpoint (weights and optimizer state, 64 MiB at most) and the
// interpreter's arena reasonable.
const (
	MaxLayers     = 64
	MaxChannels   = 4096 // conv filters, dense units, depthwise output channels
	MaxKernel     = 31
	MaxStride     = 8
	MaxMultiplier = 64
	MaxParams     = 4_000_000
	MaxValues     = 4 << 20 // values in one layer's output for one image
	MaxImageSide  = 1024
	MaxSpecBytes  = 64 << 10
)

// Spec is a parsed architecture spec: layers whose shapes are not known
// until the input's shape and the number of classes are (Build).
type Spec struct {
	Name   string // the preset's name, "" for a spec
	Text   string // the text parsed
	Input  []int  // (H, W, C) if the spec says it, else nil
	layers []specLayer
}

type specLayer struct {
	Layer
	pos, end int  // the token's byte range in Text
	units    bool // Dense: units were given
	act      bool // an activation was given
}

// SpecError is a mistake in a spec, at a token.
type SpecError struct {
	Text     string
	Pos, End int // the token's byte range in Text; Pos == End == len(Text) for its end
	Msg      string
}

// Error names the mistake and shows the line of the spec it is on with the
// token underlined:
//
//	model: arch: unknown layer kind "pool" (want conv, dwconv, maxpool, avgpool, gap, flatten, dense, dropout, input)
//	  conv:32:3,pool:2
//	            ^^^^^^
func (e *SpecError) Error() string {
	start := strings.LastIndexByte(e.Text[:e.Pos], '\n') + 1
	end := len(e.Text)
	if i := strings.IndexByte(e.Text[e.Pos:], '\n'); i >= 0 {
		end = e.Pos + i
	}
	line := e.Text[start:end]
	prefix := "  "
	if start > 0 || end < len(e.Text) {
		prefix = fmt.Sprintf("  line %d: ", strings.Count(e.Text[:e.Pos], "\n")+1)
	}
	n := max(1, min(e.End, end)-e.Pos)
	pad := strings.Repeat(" ", len([]rune(prefix+e.Text[start:e.Pos])))
	return fmt.Sprintf("model: arch: %s\n%s%s\n%s%s", e.Msg, prefix, line, pad, strings.Repeat("^", n))
}

// Parse reads an architecture: a preset name or a spec (SpecHelp).
func Parse(s string) (*Spec, error) {
	if p, ok := presets[strings.TrimSpace(s)]; ok {
		sp, err := parseSpec(p)
		if err != nil {
			panic("model: preset " + s + ": " + err.Error()) // a bug, tested
		}
		sp.Name = strings.TrimSpace(s)
		return sp, nil
	}
	return parseSpec(s)
}

func parseSpec(s string) (*Spec, error) {
	if len(s) > MaxSpecBytes {
		return nil, fmt.Errorf("model: arch: spec of %d bytes, more than %d", len(s), MaxSpecBytes)
	}
	sp := &Spec{Text: s}
	for _, tok := range tokens(s) {
		errf := func(format string, args ...any) error {
			return &SpecError{Text: s, Pos: tok.pos, End: tok.end, Msg: fmt.Sprintf(format, args...)}
		}
		if len(sp.layers) >= MaxLayers {
			return nil, errf("more than %d layers", MaxLayers)
		}
		parts := strings.Split(tok.text, ":")
		kind, args := strings.ToLower(parts[0]), parts[1:]
		if kind == "input" {
			if len(sp.layers) > 0 || sp.Input != nil {
				return nil, errf("input must come first, once")
			}
			in, err := parseInput(args)
			if err != nil {
				return nil, errf("%v", err)
			}
			sp.Input = in
			continue
		}
		l, err := parseLayer(kind, args)
		if err != nil {
			return nil, errf("%v", err)
		}
		l.pos, l.end = tok.pos, tok.end
		sp.layers = append(sp.layers, l)
	}
	if len(sp.layers) == 0 {
		return nil, &SpecError{Text: s, Pos: len(s), End: len(s), Msg: "no layers (want a preset name: reference, lenet5, depthwise, tiny; or a spec such as conv:8:3,maxpool:2,flatten,dense)"}
	}
	return sp, nil
}

type token struct {
	text     string
	pos, end int
}

// tokens splits s at commas and white space, dropping '#' comments.
func tokens(s string) []token {
	var ts []token
	start, comment := -1, false
	for i := 0; i <= len(s); i++ {
		c := byte('\n')
		if i < len(s) {
			c = s[i]
		}
		sep := c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '#'
		if start >= 0 && (sep || comment) {
			ts = append(ts, token{s[start:i], start, i})
			start = -1
		}
		switch {
		case c == '#':
			comment = true
		case c == '\n':
			comment = false
		case !sep && !comment && start < 0:
			start = i
		}
	}
	return ts
}

func parseInput(args []string) ([]int, error) {
	if len(args) == 1 {
		f := strings.Split(strings.ToLower(args[0]), "x")
		if len(f) == 2 {
			f = append(f, "1")
		}
		if len(f) == 3 {
			in := make([]int, 3)
			ok := true
			for i, v := range f {
				n, err := strconv.Atoi(v)
				ok = ok && err == nil && n >= 1 && n <= MaxImageSide
				in[i] = n
			}
			if ok && in[2] <= MaxChannels {
				return in, nil
			}
		}
	}
	return nil, fmt.Errorf("want input:HxW or input:HxWxC with sizes 1 to %d", MaxImageSide)
}

// parseLayer reads one layer's kind and arguments: the positional numbers
// first, then the options in any order.
func parseLayer(kind string, args []string) (specLayer, error) {
	var l specLayer
	var nums []string
	for len(args) > 0 && len(args[0]) > 0 && (args[0][0] >= '0' && args[0][0] <= '9' || args[0][0] == '.') {
		nums, args = append(nums, args[0]), args[1:]
	}
	intArg := func(what string, s string, lo, hi int) (int, error) {
		n, err := strconv.Atoi(s)
		if err != nil || n < lo || n > hi {
			return 0, fmt.Errorf("%s %q: want a whole number from %d to %d", what, s, lo, hi)
		}
		return n, nil
	}
	want := func(n int, usage string) error {
		if len(nums) != n {
			return fmt.Errorf("%s takes %s", kind, usage)
		}
		return nil
	}
	var err error
	opts := map[byte]bool{} // options this kind takes: s stride, m multiplier, p padding, a activation
	switch kind {
	case "conv":
		l.Kind, l.Activation = Conv, ReLU
		if err = want(2, "filters and kernel size, e.g. conv:32:3"); err != nil {
			return l, err
		}
		if l.Filters, err = intArg("filters", nums[0], 1, MaxChannels); err != nil {
			return l, err
		}
		if l.Kernel, err = intArg("kernel size", nums[1], 1, MaxKernel); err != nil {
			return l, err
		}
		opts['s'], opts['p'], opts['a'] = true, true, true
	case "dwconv":
		l.Kind, l.Activation, l.Multiplier = DepthwiseConv, ReLU, 1
		if err = want(1, "a kernel size, e.g. dwconv:3"); err != nil {
			return l, err
		}
		if l.Kernel, err = intArg("kernel size", nums[0], 1, MaxKernel); err != nil {
			return l, err
		}
		opts['s'], opts['m'], opts['p'], opts['a'] = true, true, true, true
	case "maxpool", "avgpool":
		l.Kind = MaxPool
		if kind == "avgpool" {
			l.Kind = AvgPool
		}
		if err = want(1, "a window size, e.g. "+kind+":2"); err != nil {
			return l, err
		}
		if l.Kernel, err = intArg("window size", nums[0], 1, MaxKernel); err != nil {
			return l, err
		}
		l.Stride = l.Kernel
		opts['s'], opts['p'] = true, true
	case "gap", "flatten":
		l.Kind = GlobalAvgPool
		if kind == "flatten" {
			l.Kind = Flatten
		}
		if err = want(0, "no arguments"); err != nil {
			return l, err
		}
	case "dense":
		l.Kind, l.Activation = Dense, ReLU
		if len(nums) > 1 {
			return l, fmt.Errorf("dense takes a number of units, e.g. dense:64")
		}
		if len(nums) == 1 {
			if l.Units, err = intArg("units", nums[0], 1, MaxChannels); err != nil {
				return l, err
			}
			l.units = true
		}
		opts['a'] = true
	case "dropout":
		l.Kind = Dropout
		if err = want(1, "a rate, e.g. dropout:0.25"); err != nil {
			return l, err
		}
		r, err := strconv.ParseFloat(nums[0], 64)
		if err != nil || !(r >= 0 && r < 1) {
			return l, fmt.Errorf("dropout rate %q: want a number in [0, 1)", nums[0])
		}
		l.Rate = r
	default:
		return l, fmt.Errorf("unknown layer kind %q (want conv, dwconv, maxpool, avgpool, gap, flatten, dense, dropout, input)", kind)
	}
	if l.Stride == 0 {
		l.Stride = 1
	}
	seen := map[byte]bool{}
	for _, o := range args {
		lo := strings.ToLower(o)
		var key byte
		switch {
		case lo == "same" || lo == "valid":
			key = 'p'
			l.Padding = Valid
			if lo == "same" {
				l.Padding = Same
			}
		case lo == "relu" || lo == "relu6" || lo == "linear":
			key = 'a'
			l.Activation = map[string]Activation{"relu": ReLU, "relu6": ReLU6, "linear": Linear}[lo]
			l.act = true
		case len(lo) > 1 && lo[0] == 's':
			key = 's'
			if l.Stride, err = intArg("stride", lo[1:], 1, MaxStride); err != nil {
				return l, err
			}
		case len(lo) > 1 && lo[0] == 'm':
			key = 'm'
			if l.Multiplier, err = intArg("multiplier", lo[1:], 1, MaxMultiplier); err != nil {
				return l, err
			}
		default:
			return l, fmt.Errorf("%s: unknown option %q (%s)", kind, o, optionHelp(opts))
		}
		if !opts[key] {
			return l, fmt.Errorf("%s takes no option %q (%s)", kind, o, optionHelp(opts))
		}
		if seen[key] {
			return l, fmt.Errorf("%s: option %q given twice", kind, o)
		}
		seen[key] = true
	}
	return l, nil
}

func optionHelp(opts map[byte]bool) string {
	var h []string
	for _, o := range []struct {
		key  byte
		help string
	}{{'s', "sN stride"}, {'m', "mN multiplier"}, {'p', "same or valid"}, {'a', "relu, relu6 or linear"}} {
		if opts[o.key] {
			h = append(h, o.help)
		}
	}
	if len(h) == 0 {
		return "it takes none"
	}
	return "options: " + strings.Join(h, ", ")
}

// Build gives the spec's layers their names and shapes for images of
// h×w×c values and the given number of classes, and checks that every
// layer fits what comes before it, that the last layer is the classifier,
// and the limits.
func (sp *Spec) Build(h, w, c, classes int) (*Arch, error) {
	if h < 1 || w < 1 || c < 1 || h > MaxImageSide || w > MaxImageSide || c > MaxChannels {
		return nil, fmt.Errorf("model: arch: images of %d×%d×%d, want sides 1 to %d", h, w, c, MaxImageSide)
	}
	if classes < 2 || classes > MaxChannels {
		return nil, fmt.Errorf("model: arch: %d classes, want 2 to %d", classes, MaxChannels)
	}
	if sp.Input != nil && (sp.Input[0] != h || sp.Input[1] != w || sp.Input[2] != c) {
		return nil, fmt.Errorf("model: arch: the spec is for %d×%d×%d images, the data has %d×%d×%d", sp.Input[0], sp.Input[1], sp.Input[2], h, w, c)
	}
	a := &Arch{Name: sp.Name, Layers: []Layer{{Name: "input", Kind: Input, Out: []int{h, w, c}}}}
	count := map[Kind]int{}
	params := 0
	for i, sl := range sp.layers {
		l := sl.Layer
		errf := func(format string, args ...any) error {
			return &SpecError{Text: sp.Text, Pos: sl.pos, End: sl.end, Msg: fmt.Sprintf(format, args...)}
		}
		prev := a.Layers[len(a.Layers)-1]
		l.In = prev.Out
		last := i == len(sp.layers)-1
		if l.Kind != Dense && l.Kind != Dropout && !spatialIn(prev) {
			return nil, errf("needs a feature map, but %s before it is flat (%d values)", prev.Name, prev.Out[0])
		}
		switch l.Kind {
		case Conv, DepthwiseConv, MaxPool, AvgPool:
			ih, iw, ic := l.In[0], l.In[1], l.In[2]
			if l.Padding == Valid && (l.Kernel > ih || l.Kernel > iw) {
				return nil, errf("a %d×%d window does not fit the %d×%d input with valid padding", l.Kernel, l.Kernel, ih, iw)
			}
			oh, ow := outSize(ih, l.Kernel, l.Stride, l.Padding), outSize(iw, l.Kernel, l.Stride, l.Padding)
			oc := ic
			switch l.Kind {
			case Conv:
				oc = l.Filters
			case DepthwiseConv:
				oc = ic * l.Multiplier
				if oc > MaxChannels {
					return nil, errf("%d output channels, more than %d", oc, MaxChannels)
				}
			}
			l.Out = []int{oh, ow, oc}
		case GlobalAvgPool:
			l.Out = []int{l.In[2]}
		case Flatten:
			l.Out = []int{shapeLen(l.In)}
		case Dense:
			if spatialIn(prev) {
				return nil, errf("dense needs flat input: put flatten or gap before it (its input is %s)", shapeString(l.In))
			}
			if last {
				if sl.act {
					return nil, errf("the last dense layer is the classifier, its activation is softmax: drop %s", l.Activation)
				}
				if !sl.units {
					l.Units = classes
				} else if l.Units != classes {
					return nil, errf("the classifier has %d units, the data has %d classes", l.Units, classes)
				}
				l.Activation = Softmax
			} else if !sl.units {
				return nil, errf("dense needs a number of units, e.g. dense:64 (only the classifier, last, may leave it out)")
			}
			l.Out = []int{l.Units}
		case Dropout:
			l.Out = l.In
		}
		if last && l.Kind != Dense {
			return nil, errf("the last layer must be the classifier, a dense layer (add dense after it)")
		}
		if n := shapeLen(l.Out); n > MaxValues {
			return nil, errf("its output %s holds %d values, more than %d", shapeString(l.Out), n, MaxValues)
		}
		count[l.Kind]++
		l.Name = layerName(l.Kind, count[l.Kind])
		if params += l.NumParams(); params > MaxParams {
			return nil, errf("more than %d parameters", MaxParams)
		}
		a.Layers = append(a.Layers, l)
	}
	return a, nil
}

func spatialIn(l Layer) bool { return len(l.Out) == 3 }

func outSize(in, k, s int, p Padding) int {
	if p == Same {
		return (in + s - 1) / s
	}
	return (in-k)/s + 1
}

func layerName(k Kind, n int) string {
	prefix := map[Kind]string{Conv: "conv", DepthwiseConv: "dwconv", MaxPool: "pool", AvgPool: "avgpool",
		GlobalAvgPool: "gap", Dense: "dense", Dropout: "dropout"}[k]
	if k == Flatten {
		if n == 1 {
			return "flatten"
		}
		return fmt.Sprintf("flatten%d", n)
	}
	return fmt.Sprintf("%s%d", prefix, n)
}

func shapeString(s []int) string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = strconv.Itoa(d)
	}
	return strings.Join(parts, "×")
}

// Spec is the architecture's canonical spec, with its input shape and the
// classifier's units, and every default left out:
//
//	input:28x28x1,conv:32:3,maxpool:2,conv:32:3,maxpool:2,flatten,dense:200,dense:50,dense:10
//
// Parse and Build of it give the same Arch back.
func (a *Arch) Spec() string {
	in := a.Layers[0].Out
	parts := []string{fmt.Sprintf("input:%dx%dx%d", in[0], in[1], in[2])}
	for _, l := range a.Layers[1:] {
		parts = append(parts, l.spec())
	}
	return strings.Join(parts, ",")
}

// spec is the layer's token in canonical form.
func (l Layer) spec() string {
	var f []string
	opt := func(cond bool, s string) {
		if cond {
			f = append(f, s)
		}
	}
	switch l.Kind {
	case Conv, DepthwiseConv:
		if l.Kind == Conv {
			f = append(f, "conv", strconv.Itoa(l.Filters), strconv.Itoa(l.Kernel))
		} else {
			f = append(f, "dwconv", strconv.Itoa(l.Kernel))
			opt(l.Multiplier != 1, fmt.Sprintf("m%d", l.Multiplier))
		}
		opt(l.Stride != 1, fmt.Sprintf("s%d", l.Stride))
		opt(l.Padding == Same, "same")
		opt(l.Activation != ReLU, l.Activation.String())
	case MaxPool, AvgPool:
		f = append(f, map[Kind]string{MaxPool: "maxpool", AvgPool: "avgpool"}[l.Kind], strconv.Itoa(l.Kernel))
		opt(l.Stride != l.Kernel, fmt.Sprintf("s%d", l.Stride))
		opt(l.Padding == Same, "same")
	case GlobalAvgPool:
		f = append(f, "gap")
	case Flatten:
		f = append(f, "flatten")
	case Dense:
		f = append(f, "dense", strconv.Itoa(l.Units))
		opt(l.Activation != ReLU && l.Activation != Softmax, l.Activation.String())
	case Dropout:
		f = append(f, "dropout", strconv.FormatFloat(l.Rate, 'g', -1, 64))
	}
	return strings.Join(f, ":")
}

// String is the architecture for people: the preset's name, or its spec.
func (a *Arch) String() string {
	if a.Name != "" {
		return a.Name
	}
	return a.Spec()
}
