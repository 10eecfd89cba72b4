package model

// presets are the architectures mnistcnn knows by name, as specs without an
// input shape: they fit any image size they can (Build says when one does
// not) and any number of classes. Their figures on MNIST are in the README.
var presets = map[string]string{
	// The Keras model of the Python project mnistcnn replaces: 180,328
	// parameters, an int8 file of 186 KB.
	"reference": "conv:32:3,maxpool:2,conv:32:3,maxpool:2,flatten,dense:200,dense:50,dense",
	// LeNet-5 (LeCun et al. 1998) as it is usually rebuilt today: ReLU for
	// tanh, average pools for the subsampling layers, and the first
	// convolution padded so that 28×28 images give LeNet's 28×28 maps.
	"lenet5": "conv:6:5:same,avgpool:2,conv:16:5,avgpool:2,flatten,dense:120,dense:84,dense",
	// Depthwise-separable convolutions (MobileNet's building block): each
	// a depthwise 3×3 then a pointwise 1×1 convolution, ending in global
	// average pooling. The depthwise convolutions are linear, the ReLU
	// coming after the pointwise one (as Xception found best): without
	// batch normalisation a ReLU after each depthwise filter leaves many
	// channels dead from the start, and the first version of this preset
	// (16/32/64 channels, ReLU after both) reached only 95.1 % on MNIST.
	// 48,586 parameters, 99.2 % on MNIST.
	"depthwise": "conv:32:3,maxpool:2,dwconv:3:linear,conv:64:1,dwconv:3:linear,conv:128:1,maxpool:2,dwconv:3:linear,conv:256:1,gap,dense",
	// The most accurate model found with an int8 file ≤ 20 KB and a
	// TensorFlow Lite Micro arena ≤ 8 KB, trained by the default schedule:
	// 14,658 parameters, an int8 file of 18,496 bytes, an arena of 7,984
	// bytes (5,760 of activations: conv1's 24×24×8 and pool1's), 99.1–99.2 %
	// on MNIST, float and int8 alike (the search is in the README). The
	// 5×5 first convolution keeps the largest activations small; 8 of its
	// filters are as many as the arena takes.
	"tiny": "conv:8:5,maxpool:2,conv:40:5,maxpool:2,flatten,dense",
}

// PresetNames lists the presets, the default first.
func PresetNames() []string { return []string{"reference", "lenet5", "depthwise", "tiny"} }

// DefaultArch is the preset train uses without --arch.
const DefaultArch = "reference"
