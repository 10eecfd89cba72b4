// Package train trains mnistcnn's networks (package model: the reference
// CNN or any architecture a spec describes) with Gorgonia, reproducibly and
// resumably.
//
// Gorgonia builds the graph and differentiates it; the graph's ops are the
// project's own (ops.go: convolution with bias and a fused linear, ReLU or
// ReLU6 activation, max-pool keeping its argmax, flatten, dense, softmax
// cross-entropy; ops_arch.go: depthwise convolution, average and global
// average pooling, dropout; each with its backward ops), whose math is in
// layers.go and whose matrix products and vector loops run on
// internal/simd. The optimizer (Keras's RMSprop or Adam, see step) runs in
// plain Go on the weights' []float32, so its state lives in the checkpoint
// and a resumed run continues bit for bit. Conventions:
//
//   - Activations are NHWC (no transposes between layers); the weights keep
//     the checkpoint's layouts of package model: conv kernels
//     (out,in,kh,kw), depthwise kernels (in·multiplier,1,kh,kw), dense
//     kernels (in,out) used as x·W, the flatten in C,H,W order. The ops
//     convert what they need, through internal/layout.
//   - Pools and convolutions pad as TensorFlow does (SAME: the smaller half
//     of the padding before); a pool's window counts only its cells inside
//     the image (a max never takes padding; an average divides by the cells
//     it covers, as TFLite's AVERAGE_POOL_2D).
//   - Images are one grey channel of any size, their pixels divided by 255
//     (mnist.Set.Float); the architecture is built for the data's size and
//     classes (NewCheckpoint, InputOf).
//   - The loss is the mean softmax cross-entropy of the batch.
//   - The only randomness is the checkpoint's Seed: initial weights come
//     from PCG(Seed, 1<<63), the order of epoch e from PCG(Seed, e), its
//     random shifts (Config.Shift) from PCG(Seed, 1<<62 + e), the dropout
//     masks of step s of epoch e from PCG(Seed, 1<<61 | e<<32 | s).
//     Evaluation does no dropout.
//   - A training graph has a fixed batch size; the last fit.N mod Batch
//     images of each epoch's order are not trained on in that epoch.
//   - Results are the same for any GOMAXPROCS: work is cut into chunks fixed
//     by the shapes alone (8 images, or a fixed count of matrix tiles), and
//     partial sums are added in chunk order. They may differ in the last
//     bits between kernel sets of internal/simd (AVX-512, AVX2, generic),
//     which round and sum in other orders (the depthwise convolution's
//     multiply-adds are fused on AVX2 and not in Go).
//
// Nothing here prints: progress goes to Hooks, failures are errors
// prefixed "train:".
package train
