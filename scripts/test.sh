#!/usr/bin/env bash
# The test command of the README: installs what the tests need (the real
# TensorFlow Lite runtime as WebAssembly, from npm, into interop/tfjs; the
# Cortex-M toolchain and QEMU, from Debian, when missing), then
# checks formatting, vets, and runs every test, the portable (pure-Go)
# kernels of internal/simd through the packages that use them, the
# interpreter on the AVX2 kernels too (where the CPU has AVX-512), and the
# race detector on the packages that run goroutines.
set -euo pipefail
cd "$(dirname "$0")/.."

npm ci --prefix interop/tfjs --no-audit --no-fund --loglevel=error

# examples/cortex-m's test cross-compiles the c-standalone model for a
# Cortex-M4 and runs it under QEMU; CI (root on Debian) installs the three
# packages, several hundred MB. Elsewhere the test says it skipped.
if ! command -v make >/dev/null || ! command -v arm-none-eabi-gcc >/dev/null \
	|| ! command -v qemu-system-arm >/dev/null || [ ! -f /usr/lib/arm-none-eabi/newlib/libc.a ]; then
	if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			make gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm >/dev/null
	fi
fi

unformatted=$(gofmt -l $(git ls-files '*.go'))
if [ -n "$unformatted" ]; then
	echo "gofmt would change:"; echo "$unformatted"; exit 1
fi
go vet ./...
go test -count=1 ./...
MNISTCNN_SIMD=generic go test -count=1 -short ./internal/simd/ ./train/ ./tflite/...
MNISTCNN_SIMD=avx2 go test -count=1 -short ./tflite/...
go test -count=1 -race -short ./mnist/ ./eval/ ./tflite/interp/ ./cmd/ ./internal/par/ ./internal/simd/ ./train/
