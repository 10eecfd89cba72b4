#!/usr/bin/env bash
# The test command of the README: installs what the tests need (the real
# TensorFlow Lite runtime as WebAssembly, from npm, into interop/tfjs), then
# checks formatting, vets, and runs every test, the portable (pure-Go)
# kernels of internal/simd through the packages that use them, the
# interpreter on the AVX2 kernels too (where the CPU has AVX-512), and the
# race detector on the packages that run goroutines.
set -euo pipefail
cd "$(dirname "$0")/.."

npm ci --prefix interop/tfjs --no-audit --no-fund --loglevel=error

unformatted=$(gofmt -l $(git ls-files '*.go'))
if [ -n "$unformatted" ]; then
	echo "gofmt would change:"; echo "$unformatted"; exit 1
fi
go vet ./...
go test -count=1 ./...
MNISTCNN_SIMD=generic go test -count=1 -short ./internal/simd/ ./train/ ./tflite/...
MNISTCNN_SIMD=avx2 go test -count=1 -short ./tflite/...
go test -count=1 -race -short ./mnist/ ./eval/ ./tflite/interp/ ./cmd/ ./internal/par/ ./internal/simd/ ./train/
