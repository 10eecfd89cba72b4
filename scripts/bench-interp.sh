#!/usr/bin/env bash
# Inference speed against TensorFlow Lite (its C++ interpreter with XNNPACK,
# as WebAssembly: the npm runtime in interop/tfjs) on the same .tflite files,
# in one sitting: for each model, ROUNDS alternating runs of mnistcnn's
# BenchmarkFile (one goroutine) and of TensorFlow Lite on N inputs (one
# thread), then mnistcnn's BenchmarkFileParallel and two TensorFlow Lite
# processes side by side (images/s on two cores). Prints every figure, the
# medians, and the ratio mnistcnn ÷ TensorFlow Lite per image (below 0.5:
# mnistcnn is more than twice as fast).
#
# Not part of the tests. Needs Node.js with the npm packages installed
# (npm ci --prefix interop/tfjs --no-audit --no-fund) and python3. Without
# model arguments it trains the reference CNN for one epoch (seed 1) and
# converts it, into a temporary folder.
#
#   scripts/bench-interp.sh [-r ROUNDS] [-n INPUTS] [MODEL.tflite ...]   # defaults 3, 2000
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=3 n=2000
while getopts r:n: o; do
	case $o in
	r) rounds=$OPTARG ;;
	n) n=$OPTARG ;;
	*) echo "usage: $0 [-r ROUNDS] [-n INPUTS] [MODEL.tflite ...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))

[ -d interop/tfjs/node_modules/@tensorflow/tfjs-tflite ] ||
	{ echo "bench-interp: run npm ci --prefix interop/tfjs --no-audit --no-fund first" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

models=("$@")
if [ ${#models[@]} -eq 0 ]; then
	echo "bench-interp: training one epoch (seed 1) and converting, into $tmp" >&2
	go build -o "$tmp/mnistcnn" .
	(cd "$tmp" && ./mnistcnn train --quiet --epochs 1 --seed 1 --out m.ckpt >/dev/null &&
		./mnistcnn convert --quiet --checkpoint m.ckpt --out-dir . >/dev/null)
	models=("$tmp/mnist_float.tflite" "$tmp/mnist_int8.tflite")
fi
go test -c -o "$tmp/interp.test" ./tflite/interp >/dev/null

# field NAME: the value before unit NAME in a benchmark line.
field() { awk -v u="$1" '{for (i = 2; i <= NF; i++) if ($i == u) print $(i-1)}'; }
median() { sort -g | awk '{a[n++] = $1} END {print n % 2 ? a[int(n/2)] : (a[n/2-1] + a[n/2]) / 2}'; }

for m in "${models[@]}"; do
	m=$(realpath "$m")
	# Inputs: the same image-like pattern for every input, in the input's type.
	info=$(node interop/tfjs/run.mjs "$m" 2>/dev/null)
	python3 - "$info" "$n" "$tmp/in.bin" <<'EOF'
import json, struct, sys
t = json.loads(sys.argv[1])["inputs"][0]
n, path = int(sys.argv[2]), sys.argv[3]
size = t["bytes"] // {"float32": 4, "int8": 1, "uint8": 1}[t["dtype"]]
one = {"float32": lambda i: struct.pack("<f", (i * 7 % 256) / 255),
       "int8": lambda i: struct.pack("<b", i * 7 % 256 - 128),
       "uint8": lambda i: struct.pack("<B", i * 7 % 256)}[t["dtype"]]
img = b"".join(one(i) for i in range(size))
open(path, "wb").write(img * n)
EOF
	ours=() theirs=()
	for r in $(seq "$rounds"); do
		o=$(cd "$tmp" && MNISTCNN_BENCH_MODEL=$m ./interp.test -test.run '^$' -test.bench 'File$' -test.benchtime 2s | field µs/image)
		t=$(node interop/tfjs/run.mjs "$m" "$tmp/in.bin" "$tmp/out.bin" 2>/dev/null |
			python3 -c 'import json,sys; d=json.load(sys.stdin); print(1000*d["infer_ms"]/d["n"])')
		printf '%s round %d: mnistcnn %.1f µs/image, TFLite %.1f µs/image\n' "$(basename "$m")" "$r" "$o" "$t"
		ours+=("$o") theirs+=("$t")
	done
	mo=$(printf '%s\n' "${ours[@]}" | median)
	mt=$(printf '%s\n' "${theirs[@]}" | median)
	# Two cores: mnistcnn's clones on GOMAXPROCS goroutines; two TFLite
	# processes at once, their images over the longer of their times.
	po=$(cd "$tmp" && MNISTCNN_BENCH_MODEL=$m ./interp.test -test.run '^$' -test.bench 'FileParallel' -test.benchtime 2s | field images/s)
	node interop/tfjs/run.mjs "$m" "$tmp/in.bin" "$tmp/out1.bin" >"$tmp/p1.json" 2>/dev/null &
	node interop/tfjs/run.mjs "$m" "$tmp/in.bin" "$tmp/out2.bin" >"$tmp/p2.json" 2>/dev/null
	wait
	pt=$(python3 -c 'import json,sys; d=[json.load(open(f)) for f in sys.argv[1:]]; print(sum(x["n"] for x in d) / max(x["infer_ms"] for x in d) * 1000)' "$tmp/p1.json" "$tmp/p2.json")
	printf '%s: one thread, median of %d: mnistcnn %.1f µs/image, TFLite %.1f µs/image, ratio %.2f\n' \
		"$(basename "$m")" "$rounds" "$mo" "$mt" "$(echo "$mo / $mt" | bc -l)"
	printf '%s: two cores: mnistcnn %.0f images/s, TFLite %.0f images/s (two processes)\n' "$(basename "$m")" "$po" "$pt"
done
