#!/usr/bin/env bash
# The test command of the README: installs what the tests need (the real
# TensorFlow Lite runtime as WebAssembly, from npm, into interop/tfjs), then
# checks formatting, vets, and runs every test, and the race detector on the
# packages that run goroutines.
set -euo pipefail
cd "$(dirname "$0")/.."

npm ci --prefix interop/tfjs --no-audit --no-fund --loglevel=error

unformatted=$(gofmt -l $(git ls-files '*.go'))
if [ -n "$unformatted" ]; then
	echo "gofmt would change:"; echo "$unformatted"; exit 1
fi
go vet ./...
go test -count=1 ./...
go test -count=1 -race -short ./mnist/ ./eval/ ./tflite/interp/ ./cmd/
