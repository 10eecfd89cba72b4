// The float build of main.cc: the same program, reading g_mnist_float.
#define MNIST_FLOAT 1
#include "main.cc"
