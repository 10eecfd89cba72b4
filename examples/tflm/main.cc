// Runs the MNIST CNN exported by mnistcnn on TensorFlow Lite Micro over the
// test images emitted by mnistcnn, printing each prediction and the accuracy.
//
// The same code runs the float and the int8 model: the model's input type
// decides how a pixel p (0..255) becomes an input value, p / 255.0f for a
// FLOAT32 input, round(p / 255 / scale) + zero_point for an INT8 one.
//
// Files this program expects beside it (see README.md):
//   mnist_int8.h/.cc       g_mnist_int8, g_mnist_int8_len,
//                          g_mnist_int8_arena_bytes          (default)
//   mnist_float.h/.cc      g_mnist_float, g_mnist_float_len,
//                          g_mnist_float_arena_bytes         (with MNIST_FLOAT)
//   mnist_test_data.h      g_mnist_test_count, g_mnist_test_images,
//                          g_mnist_test_labels

#include <stddef.h>
#include <stdint.h>

#include "tensorflow/lite/micro/micro_interpreter.h"
#include "tensorflow/lite/micro/micro_log.h"
#include "tensorflow/lite/micro/micro_mutable_op_resolver.h"
#include "tensorflow/lite/micro/system_setup.h"
#include "tensorflow/lite/schema/schema_generated.h"

#if defined(MNIST_FLOAT)
#include "mnist_float.h"
#define MNIST_MODEL g_mnist_float
#define MNIST_MODEL_ARENA_BYTES g_mnist_float_arena_bytes
#else
#include "mnist_int8.h"
#define MNIST_MODEL g_mnist_int8
#define MNIST_MODEL_ARENA_BYTES g_mnist_int8_arena_bytes
#endif
#include "mnist_test_data.h"

namespace {

// The arena size mnistcnn wrote into the model's header: what TFLM's
// AllocateTensors needs for the model, activations and TFLM's own data, as
// mnistcnn models it (29,824 bytes for the int8 MNIST model, 110,880 for the
// float one, what TFLM's reference kernels use on a 64-bit host; a 32-bit
// Cortex-M build needs a little less). The program prints what the model
// really uses. Override with -DMNIST_ARENA_BYTES=<n>.
#ifndef MNIST_ARENA_BYTES
#define MNIST_ARENA_BYTES MNIST_MODEL_ARENA_BYTES
#endif
constexpr size_t kArenaBytes = MNIST_ARENA_BYTES;
alignas(16) uint8_t g_arena[kArenaBytes];

constexpr int kPixels = 28 * 28;
constexpr int kClasses = 10;

// SetInput writes image k into the input tensor; false if the input has a
// type or size this program does not handle.
bool SetInput(TfLiteTensor* input, unsigned int k) {
  const unsigned char* rows = &g_mnist_test_images[k][0][0];
  if (input->type == kTfLiteFloat32 &&
      input->bytes == static_cast<size_t>(kPixels) * sizeof(float)) {
    for (int i = 0; i < kPixels; i++) {
      input->data.f[i] = rows[i] / 255.0f;
    }
    return true;
  }
  if (input->type == kTfLiteInt8 &&
      input->bytes == static_cast<size_t>(kPixels)) {
    // q = round(r / scale) + zero_point, rounding half away from zero as
    // TFLite's QUANTIZE does, clamped to int8.
    const float scale = input->params.scale;
    const int32_t zero_point = input->params.zero_point;
    for (int i = 0; i < kPixels; i++) {
      const float r = rows[i] / 255.0f / scale;
      int32_t q = static_cast<int32_t>(r + 0.5f) + zero_point;  // r >= 0
      if (q < -128) q = -128;
      if (q > 127) q = 127;
      input->data.int8[i] = static_cast<int8_t>(q);
    }
    return true;
  }
  return false;
}

// ArgMax returns the class with the largest output, or -1 for an output
// this program does not handle. For int8 the quantized values order the
// classes as the real ones do (the scale is positive).
int ArgMax(const TfLiteTensor* output) {
  int best = 0;
  if (output->type == kTfLiteFloat32 &&
      output->bytes == static_cast<size_t>(kClasses) * sizeof(float)) {
    for (int i = 1; i < kClasses; i++) {
      if (output->data.f[i] > output->data.f[best]) best = i;
    }
    return best;
  }
  if (output->type == kTfLiteInt8 &&
      output->bytes == static_cast<size_t>(kClasses)) {
    for (int i = 1; i < kClasses; i++) {
      if (output->data.int8[i] > output->data.int8[best]) best = i;
    }
    return best;
  }
  return -1;
}

}  // namespace

int main(int argc, char* argv[]) {
  (void)argc;
  (void)argv;
  tflite::InitializeTarget();

  const tflite::Model* model = tflite::GetModel(MNIST_MODEL);
  if (model->version() != TFLITE_SCHEMA_VERSION) {
    MicroPrintf("model schema version %d, this TFLM supports %d",
                static_cast<int>(model->version()), TFLITE_SCHEMA_VERSION);
    return 1;
  }

  // Exactly the ops both exported models use, as the emitted header's "Ops
  // to register" line lists them; every registration costs flash. A model
  // with another op fails AllocateTensors, and TFLM names the op.
  tflite::MicroMutableOpResolver<5> resolver;
  if (resolver.AddConv2D() != kTfLiteOk ||
      resolver.AddMaxPool2D() != kTfLiteOk ||
      resolver.AddReshape() != kTfLiteOk ||
      resolver.AddFullyConnected() != kTfLiteOk ||
      resolver.AddSoftmax() != kTfLiteOk) {
    MicroPrintf("registering ops failed");
    return 1;
  }

  tflite::MicroInterpreter interpreter(model, resolver, g_arena, kArenaBytes);
  if (interpreter.AllocateTensors() != kTfLiteOk) {
    MicroPrintf("AllocateTensors failed: arena of %d bytes too small?",
                static_cast<int>(kArenaBytes));
    return 1;
  }
  MicroPrintf("arena: %d of %d bytes used",
              static_cast<int>(interpreter.arena_used_bytes()),
              static_cast<int>(kArenaBytes));

  TfLiteTensor* input = interpreter.input(0);
  TfLiteTensor* output = interpreter.output(0);
  MicroPrintf("input %s, output %s",
              input->type == kTfLiteInt8 ? "int8" : "float32",
              output->type == kTfLiteInt8 ? "int8" : "float32");

  unsigned int correct = 0;
  for (unsigned int k = 0; k < g_mnist_test_count; k++) {
    if (!SetInput(input, k)) {
      MicroPrintf("unsupported input: type %d, %d bytes",
                  static_cast<int>(input->type),
                  static_cast<int>(input->bytes));
      return 1;
    }
    if (interpreter.Invoke() != kTfLiteOk) {
      MicroPrintf("Invoke failed on image %d", static_cast<int>(k));
      return 1;
    }
    const int predicted = ArgMax(output);
    if (predicted < 0) {
      MicroPrintf("unsupported output: type %d, %d bytes",
                  static_cast<int>(output->type),
                  static_cast<int>(output->bytes));
      return 1;
    }
    const int label = g_mnist_test_labels[k];
    if (predicted == label) correct++;
    MicroPrintf("image %d: label %d, predicted %d%s", static_cast<int>(k),
                label, predicted, predicted == label ? "" : "  WRONG");
  }
  // Plain %d and %s only: TFLM's own printf (used where there is no C
  // library) knows no %f, no widths and no %%.
  const unsigned int n = g_mnist_test_count;
  const unsigned int hundredths = (correct * 10000 + n / 2) / n;
  MicroPrintf("accuracy: %d/%d = %d.%d%d%s", static_cast<int>(correct),
              static_cast<int>(n), static_cast<int>(hundredths / 100),
              static_cast<int>(hundredths / 10 % 10),
              static_cast<int>(hundredths % 10), "%");
  return 0;
}
