// run.mjs runs a .tflite model in the real TensorFlow Lite interpreter, compiled to
// WebAssembly by the @tensorflow/tfjs-tflite package, under Node.
//
//   node run.mjs MODEL.tflite                  print the model's input/output tensors
//   node run.mjs MODEL.tflite IN.bin OUT.bin   run a batch of inputs
//
// The model must have one input and one output tensor. IN.bin holds N inputs back to
// back, each one the input tensor's bytes (little-endian, the tensor's own element type
// and shape, batch dimension included), so N = size(IN.bin) / input bytes. OUT.bin gets
// the N output tensors the same way, in the output tensor's own type. The model is loaded
// once and the interpreter invoked N times.
//
// stdout gets one JSON line: the tensors as the runtime reports them, N, timings, and the
// WebAssembly features the build was chosen by ({simd, multiThreading}).
// Errors go to stderr with exit status 1 (2 for bad usage).
//
// tfjs-tflite expects a browser. It is made to believe it runs in a web worker: `self`,
// `self.location` and `importScripts` are defined here, and `fetch` serves only the
// package's own files from disk (nothing is ever downloaded). MessageChannel is removed so
// the feature probe picks the single-threaded WebAssembly build.

import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runInThisContext } from 'node:vm';

function fail(msg, code = 1) {
  process.stderr.write(`tfjs: ${msg}\n`);
  process.exit(code);
}

const args = process.argv.slice(2);
if (args.length !== 1 && args.length !== 3) {
  fail('usage: node run.mjs MODEL.tflite [INPUT.bin OUTPUT.bin]', 2);
}

// The web-worker shims. They must exist before the package is loaded: loading it starts
// the feature probe and the download of the WebAssembly module at once. That download
// resolves the file names against location.href, so location points into the package's
// wasm/ folder and no setWasmPath is needed.
const require = createRequire(import.meta.url);
let wasmDir;
try {
  wasmDir = join(dirname(require.resolve('@tensorflow/tfjs-tflite/package.json')), 'wasm');
} catch (e) {
  fail(`@tensorflow/tfjs-tflite is not installed (run "npm ci --prefix interop/tfjs"): ${e.message}`);
}
let scriptError = null; // why importScripts failed: the loader itself swallows it
delete globalThis.MessageChannel;
globalThis.self = globalThis;
globalThis.location = { origin: 'file://', href: pathToFileURL(join(wasmDir, 'index.html')).href };
globalThis.importScripts = (url) => {
  try {
    const path = fileURLToPath(url);
    if (dirname(path) !== wasmDir) throw new Error(`refusing to load ${path}: not in ${wasmDir}`);
    runInThisContext(readFileSync(path, 'utf8'), { filename: path });
  } catch (e) {
    scriptError = e;
    throw e;
  }
};
globalThis.fetch = async (url) => {
  const s = String(url);
  if (!s.startsWith('file:')) {
    throw new Error(`fetch of ${s} refused: no network`);
  }
  const headers = s.endsWith('.wasm') ? { 'Content-Type': 'application/wasm' } : {};
  return new Response(readFileSync(fileURLToPath(s)), { headers });
};
const tflite = require('@tensorflow/tfjs-tflite');

const typedArrays = {
  float32: Float32Array,
  float64: Float64Array,
  int8: Int8Array,
  uint8: Uint8Array,
  bool: Uint8Array,
  int16: Int16Array,
  int32: Int32Array,
  uint32: Uint32Array,
};

function describe(t) {
  const shape = t.shape === '' ? [] : t.shape.split(',').map(Number);
  const elements = shape.reduce((a, b) => a * b, 1);
  const T = typedArrays[t.dataType];
  if (!T) fail(`tensor ${t.name}: unsupported type ${t.dataType}`);
  if (shape.some((d) => !(d >= 1))) fail(`tensor ${t.name}: dynamic shape [${t.shape}] unsupported`);
  return { name: t.name, dtype: t.dataType, shape, bytes: elements * T.BYTES_PER_ELEMENT };
}

const [modelPath, inPath, outPath] = args;
let modelBytes;
try {
  modelBytes = readFileSync(modelPath);
} catch (e) {
  fail(`read model: ${e.message}`);
}

const t0 = performance.now();
let runner;
try {
  const ab = modelBytes.buffer.slice(modelBytes.byteOffset, modelBytes.byteOffset + modelBytes.byteLength);
  // numThreads must be given: the default reads navigator, which Node 20 lacks.
  const model = await tflite.loadTFLiteModel(ab, { numThreads: 1 });
  // The TFLiteModel wrapper converts through tfjs tensors (int8 becomes int32); the
  // runner underneath exposes the interpreter's own tensor buffers.
  runner = model.modelRunner;
} catch (e) {
  const why = scriptError ? `cannot load the WebAssembly runtime: ${scriptError.message}` : e && e.message ? e.message : e;
  fail(`load ${modelPath}: ${why}`);
}
const loadMs = performance.now() - t0;

const inputs = runner.getInputs().map(describe);
const outputs = runner.getOutputs().map(describe);
const wasm = await tflite.getWasmFeatures();
const info = { inputs, outputs, n: 0, load_ms: loadMs, infer_ms: 0, wasm };
if (inputs.length !== 1 || outputs.length !== 1) {
  fail(`model has ${inputs.length} inputs and ${outputs.length} outputs, want 1 and 1: ${JSON.stringify(info)}`);
}

if (inPath !== undefined) {
  let input;
  try {
    input = readFileSync(inPath);
  } catch (e) {
    fail(`read input: ${e.message}`);
  }
  const inBytes = inputs[0].bytes;
  const outBytes = outputs[0].bytes;
  if (input.length % inBytes !== 0) {
    fail(`input is ${input.length} bytes, not a multiple of the input tensor's ${inBytes} bytes`);
  }
  const n = input.length / inBytes;
  const out = Buffer.alloc(n * outBytes);
  const t1 = performance.now();
  // data() views the WebAssembly heap: take the views once, and again only if the heap
  // grew (which detaches the old views, leaving them empty).
  const inTensor = runner.getInputs()[0];
  const outTensor = runner.getOutputs()[0];
  let inView, outView;
  const bytesOf = (t, size) => {
    const v = t.data();
    return new Uint8Array(v.buffer, v.byteOffset, size);
  };
  for (let i = 0; i < n; i++) {
    if (!inView || inView.length === 0) inView = bytesOf(inTensor, inBytes);
    inView.set(input.subarray(i * inBytes, (i + 1) * inBytes));
    if (!runner.infer()) fail(`inference failed on input ${i}`);
    if (!outView || outView.length === 0) outView = bytesOf(outTensor, outBytes);
    out.set(outView, i * outBytes);
  }
  info.n = n;
  info.infer_ms = performance.now() - t1;
  try {
    writeFileSync(outPath, out);
  } catch (e) {
    fail(`write output: ${e.message}`);
  }
}
process.stdout.write(JSON.stringify(info) + '\n');
