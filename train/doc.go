// Package train trains mnistcnn's reference CNN (package model) on MNIST
// with Gorgonia, reproducibly and resumably.
//
// Gorgonia builds the graph and computes the loss and its gradients; the
// optimizer (Keras's RMSprop or Adam, see step) runs in plain Go on the
// weights' []float32, so its state lives in the checkpoint and a resumed run
// continues bit for bit. Conventions:
//
//   - Layouts are Gorgonia's, as in package model: NCHW activations, conv
//     kernels (out,in,kh,kw), dense kernels (in,out) used as x·W.
//   - Pixels are divided by 255 (mnist.Set.Float).
//   - The loss is the mean softmax cross-entropy of the batch.
//   - The only randomness is the checkpoint's Seed: initial weights come
//     from PCG(Seed, 1<<63), the order of epoch e from PCG(Seed, e).
//   - A training graph has a fixed batch size; the last fit.N mod Batch
//     images of each epoch's order are not trained on in that epoch.
//   - Results are the same for any GOMAXPROCS.
//
// Nothing here prints: progress goes to Hooks, failures are errors
// prefixed "train:".
package train
