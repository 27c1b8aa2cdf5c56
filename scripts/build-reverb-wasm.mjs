/* global Buffer */
// Generates the WebAssembly version of the hall reverb (src/render/hall-reverb.ts) and writes it to
// src/render/hall-reverb-wasm.ts as base64, so the library needs no build step or file loading, in
// Node or in a browser. The WAT is generated here from the same formulas as the JavaScript loop, with
// the same operations in the same order (f64 arithmetic, f32 delay lines), so both give the same
// samples; the tests compare them. Run after editing: `node scripts/build-reverb-wasm.mjs`
// (`--check` fails if the file is stale; `--wat` prints the WAT).
//
// Memory layout (bytes): 0 state, 8 f64 (n as f64, lp1, lp2, lp3, cos1, sin1, cos2, sin2); 64
// parameters, 13 f64 (preLowpass, fi, si, decay, ft, st, dp, gain, depth, rotCos1, rotSin1,
// rotCos2, rotSin2); 256 the lines, 50 i32 (12 offsets in floats, 12 masks, 12 lags, 14 taps);
// 1024 the delay lines (f32). `process(count, send, left, right)` reads `count` f32 at byte
// address `send` and WRITES the wet signal at `left` and `right`.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import wabtInit from 'wabt';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const target = path.join(root, 'src/render/hall-reverb-wasm.ts');

const LINES = 12;
const f64 = (name) => `(local.get $${name})`;
const i32 = (name) => `(local.get $${name})`;
/** Byte address of float `index` (an i32 expression) of line k, wrapped by its mask. */
const addr = (k, index) =>
  `(i32.shl (i32.add (local.get $o${k}) (i32.and ${index} (local.get $m${k}))) (i32.const 2))`;
/** A line's sample at `index` (i32 expression), as f64. */
const read = (k, index) => `(f64.promote_f32 (f32.load offset=1024 ${addr(k, index)}))`;
/** The sample at the read position of line k. */
const R = (k) => read(k, i32('n'));
/** The sample `tap` after the read position. */
const A = (k, tap) => read(k, `(i32.add (local.get $n) (local.get $t${tap}))`);
/** Writes f64 expression `value` (stored as f32) at the write position of line k. */
const W = (k, value) =>
  `(f32.store offset=1024 ${addr(k, `(i32.add (local.get $n) (local.get $g${k}))`)} (f32.demote_f64 ${value}))`;
const add = (...xs) => xs.reduce((a, b) => `(f64.add ${a} ${b})`);
const sub = (a, b) => `(f64.sub ${a} ${b})`;
const mul = (a, b) => `(f64.mul ${a} ${b})`;
const set = (name, value) => `(local.set $${name} ${value})`;
const c = (x) => `(f64.const ${x})`;

/** Catmull-Rom read of line k, `x` (f64 local name) samples after the read position, into local `out`. */
function cubic(k, x, out) {
  return [
    set('w', `(i32.trunc_f64_s ${f64(x)})`),
    set('fr', sub(f64(x), `(f64.convert_i32_s (local.get $w))`)),
    set('i0', `(i32.sub (i32.add (local.get $w) (local.get $n)) (i32.const 1))`),
    set('x0', read(k, i32('i0'))),
    set('x1', read(k, `(i32.add (local.get $i0) (i32.const 1))`)),
    set('x2', read(k, `(i32.add (local.get $i0) (i32.const 2))`)),
    set('x3', read(k, `(i32.add (local.get $i0) (i32.const 3))`)),
    // a = (3 (x1 - x2) - x0 + x3) / 2; b = 2 x2 + x0 - (5 x1 + x3) / 2; c = (x2 - x0) / 2
    set('ca', `(f64.div ${add(sub(mul(c(3), sub(f64('x1'), f64('x2'))), f64('x0')), f64('x3'))} ${c(2)})`),
    set(
      'cb',
      sub(add(mul(c(2), f64('x2')), f64('x0')), `(f64.div ${add(mul(c(5), f64('x1')), f64('x3'))} ${c(2)})`),
    ),
    set('cc', `(f64.div ${sub(f64('x2'), f64('x0'))} ${c(2)})`),
    set(
      out,
      add(
        mul(add(mul(add(mul(f64('ca'), f64('fr')), f64('cb')), f64('fr')), f64('cc')), f64('fr')),
        f64('x1'),
      ),
    ),
  ].join('\n');
}

const p = (i) => `(f64.load offset=${64 + 8 * i} (i32.const 0))`;
const intAt = (i) => `(i32.load offset=${256 + 4 * i} (i32.const 0))`;
const names = {
  params: ['pre', 'fi', 'si', 'dc', 'ft', 'st', 'dp', 'gain', 'depth', 'rc1', 'rs1', 'rc2', 'rs2'],
  state: ['lp1', 'lp2', 'lp3', 'cos1', 'sin1', 'cos2', 'sin2'],
};
const lineLocals = Array.from(
  { length: LINES },
  (_, k) => `(local $o${k} i32) (local $m${k} i32) (local $g${k} i32)`,
);
const tapLocals = Array.from({ length: 14 }, (_, t) => `(local $t${t} i32)`);
const f64Locals = [
  ...names.params,
  ...names.state,
  'x',
  'y',
  'split',
  'd0',
  'd1',
  'd2',
  'd3',
  'd6',
  'd10',
  'tap4',
  'tap8',
  'e1',
  'e2',
  'fr',
  'x0',
  'x1',
  'x2',
  'x3',
  'ca',
  'cb',
  'cc',
  'wl',
  'wr',
  'nc',
];

const body = [
  ...names.params.map((name, i) => set(name, p(i))),
  set('n', `(i32.trunc_f64_u (f64.load (i32.const 0)))`),
  ...names.state.map((name, i) => set(name, `(f64.load offset=${8 + 8 * i} (i32.const 0))`)),
  ...Array.from({ length: LINES }, (_, k) =>
    [set(`o${k}`, intAt(k)), set(`m${k}`, intAt(12 + k)), set(`g${k}`, intAt(24 + k))].join(' '),
  ),
  ...Array.from({ length: 14 }, (_, t) => set(`t${t}`, intAt(36 + t))),
  `(block $done (loop $next
  (br_if $done (i32.ge_u (local.get $i) (local.get $count)))`,
  // lp1 += pre * (send[i] - lp1)
  set(
    'lp1',
    add(
      f64('lp1'),
      mul(
        f64('pre'),
        sub(
          `(f64.promote_f32 (f32.load (i32.add (local.get $send) (i32.shl (local.get $i) (i32.const 2)))))`,
          f64('lp1'),
        ),
      ),
    ),
  ),
  set('d0', R(0)),
  set('d1', R(1)),
  set('d2', R(2)),
  set('d3', R(3)),
  set('x', sub(f64('lp1'), mul(f64('fi'), f64('d0')))),
  W(0, f64('x')),
  set('x', add(mul(f64('fi'), sub(f64('x'), f64('d1'))), f64('d0'))),
  W(1, f64('x')),
  set('x', sub(add(mul(f64('fi'), f64('x')), f64('d1')), mul(f64('si'), f64('d2')))),
  W(2, f64('x')),
  set('x', add(mul(f64('si'), sub(f64('x'), f64('d3'))), f64('d2'))),
  W(3, f64('x')),
  set('split', add(mul(f64('si'), f64('x')), f64('d3'))),
  set('e1', mul(f64('depth'), add(c(1), f64('cos1')))),
  cubic(4, 'e1', 'tap4'),
  set('y', add(add(f64('split'), mul(f64('dc'), R(11))), mul(f64('ft'), f64('tap4')))),
  W(4, f64('y')),
  W(5, sub(f64('tap4'), mul(f64('ft'), f64('y')))),
  set('lp2', add(f64('lp2'), mul(f64('dp'), sub(R(5), f64('lp2'))))),
  set('d6', R(6)),
  set('y', sub(mul(f64('dc'), f64('lp2')), mul(f64('st'), f64('d6')))),
  W(6, f64('y')),
  W(7, add(f64('d6'), mul(f64('st'), f64('y')))),
  set('e2', mul(f64('depth'), add(c(1), f64('sin2')))),
  cubic(8, 'e2', 'tap8'),
  set('y', add(add(f64('split'), mul(f64('dc'), R(7))), mul(f64('ft'), f64('tap8')))),
  W(8, f64('y')),
  W(9, sub(f64('tap8'), mul(f64('ft'), f64('y')))),
  set('lp3', add(f64('lp3'), mul(f64('dp'), sub(R(9), f64('lp3'))))),
  set('d10', R(10)),
  set('y', sub(mul(f64('dc'), f64('lp3')), mul(f64('st'), f64('d10')))),
  W(10, f64('y')),
  W(11, add(f64('d10'), mul(f64('st'), f64('y')))),
  set('wl', sub(sub(sub(add(sub(add(A(9, 0), A(9, 1)), A(10, 2)), A(11, 3)), A(5, 4)), A(6, 5)), A(7, 6))),
  set(
    'wr',
    sub(sub(sub(add(sub(add(A(5, 7), A(5, 8)), A(6, 9)), A(7, 10)), A(9, 11)), A(10, 12)), A(11, 13)),
  ),
  `(f32.store (i32.add (local.get $left) (i32.shl (local.get $i) (i32.const 2))) (f32.demote_f64 ${mul(f64('wl'), f64('gain'))}))`,
  `(f32.store (i32.add (local.get $right) (i32.shl (local.get $i) (i32.const 2))) (f32.demote_f64 ${mul(f64('wr'), f64('gain'))}))`,
  set('nc', sub(mul(f64('cos1'), f64('rc1')), mul(f64('sin1'), f64('rs1')))),
  set('sin1', add(mul(f64('sin1'), f64('rc1')), mul(f64('cos1'), f64('rs1')))),
  set('cos1', f64('nc')),
  set('nc', sub(mul(f64('cos2'), f64('rc2')), mul(f64('sin2'), f64('rs2')))),
  set('sin2', add(mul(f64('sin2'), f64('rc2')), mul(f64('cos2'), f64('rs2')))),
  set('cos2', f64('nc')),
  set('n', `(i32.and (i32.add (local.get $n) (i32.const 1)) (i32.const 0x3fffffff))`),
  set('i', `(i32.add (local.get $i) (i32.const 1))`),
  `(br $next)))`,
  `(f64.store (i32.const 0) (f64.convert_i32_u (local.get $n)))`,
  ...names.state.map((name, i) => `(f64.store offset=${8 + 8 * i} (i32.const 0) ${f64(name)})`),
];

const wat = `;; Generated by scripts/build-reverb-wasm.mjs: the hall reverb's sample loop (see hall-reverb.ts).
(module
  (memory (export "memory") 1)
  (func (export "process") (param $count i32) (param $send i32) (param $left i32) (param $right i32)
    (local $i i32) (local $n i32) (local $w i32) (local $i0 i32)
    ${lineLocals.join('\n    ')}
    ${tapLocals.join(' ')}
    ${f64Locals.map((name) => `(local $${name} f64)`).join(' ')}
    ${body.join('\n    ')}
  )
)
`;

if (process.argv.includes('--wat')) {
  console.log(wat);
  process.exit(0);
}
const wabt = await wabtInit();
const module = wabt.parseWat('hall-reverb.wat', wat);
module.validate();
const { buffer } = module.toBinary({});
module.destroy();
const base64 = Buffer.from(buffer).toString('base64');
const text = `// Generated by scripts/build-reverb-wasm.mjs: do not edit.\n\n/** The hall reverb's sample loop (${buffer.length} bytes of WebAssembly), base64. */\nexport const HALL_REVERB_WASM_BASE64 =\n  '${base64}';\n`;
if (process.argv.includes('--check')) {
  const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : '';
  if (current !== text) {
    console.error(`${path.relative(root, target)} is stale: run node scripts/build-reverb-wasm.mjs`);
    process.exit(1);
  }
  console.log(`${path.relative(root, target)} is up to date`);
} else {
  fs.writeFileSync(target, text);
  console.log(`wrote ${path.relative(root, target)} (${buffer.length} bytes of wasm)`);
}
