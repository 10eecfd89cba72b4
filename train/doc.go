// Package train trains mnistcnn's reference CNN (package model) on MNIST
// with Gorgonia, reproducibly and resumably.
//
// Gorgonia builds the graph and differentiates it; the graph's ops are the
// project's own (ops.go: convolution with bias and ReLU, max-pool keeping
// its argmax, flatten, dense, softmax cross-entropy, each with its backward
// ops), whose math is in layers.go and whose matrix products and vector
// loops run on internal/simd. The optimizer (Keras's RMSprop or Adam, see
// step) runs in plain Go on the weights' []float32, so its state lives in
// the checkpoint and a resumed run continues bit for bit. Conventions:
//
//   - Activations are NHWC (no transposes between layers); the weights keep
//     the checkpoint's layouts of package model: conv kernels
//     (out,in,kh,kw), dense kernels (in,out) used as x·W, the flatten in
//     C,H,W order. The ops convert what they need, through internal/layout.
//   - Pixels are divided by 255 (mnist.Set.Float).
//   - The loss is the mean softmax cross-entropy of the batch.
//   - The only randomness is the checkpoint's Seed: initial weights come
//     from PCG(Seed, 1<<63), the order of epoch e from PCG(Seed, e), its
//     random shifts (Config.Shift) from PCG(Seed, 1<<62 + e).
//   - A training graph has a fixed batch size; the last fit.N mod Batch
//     images of each epoch's order are not trained on in that epoch.
//   - Results are the same for any GOMAXPROCS: work is cut into chunks fixed
//     by the shapes alone (8 images, or a fixed count of matrix tiles), and
//     partial sums are added in chunk order. They may differ in the last
//     bits between kernel sets of internal/simd (AVX-512, AVX2, generic),
//     which round and sum in other orders.
//
// Nothing here prints: progress goes to Hooks, failures are errors
// prefixed "train:".
package train
