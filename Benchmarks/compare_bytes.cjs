#!/usr/bin/env node
// Byte-for-byte check of stet's encoded documents against Yjs's.
//
//   swift run -c release --package-path Benchmarks stet-bench --traces ../shared/traces --dump-v1 /tmp/stet-v1
//   NODE_PATH=/usr/share/nodejs node Benchmarks/compare_bytes.cjs --traces ../shared/traces --dump /tmp/stet-v1 [--only NAME]
//
// For every NAME.v1.bin in the dump folder (written by `stet-bench --dump-v1 DIR`, with
// NAME.v2.bin beside it), replays the trace NAME in Yjs exactly as stet-bench and
// peers/yjs_replay.cjs do (gc: false, client id 2654435769, the start content in one
// transaction, then one transaction per patch), encodes the full state (v1 and v2) and
// compares the bytes. One JSON line per trace:
//   {"trace":..,"yjs_version":..,"stet_v1_bytes":n,"yjs_v1_bytes":n,"v1_identical":bool,
//    "v1_first_diff":offset|null,"stet_v2_bytes":n|null,"yjs_v2_bytes":n,"v2_identical":bool|null,
//    "v2_first_diff":offset|null,"final_ok":bool,"detail":..}
// Exit status: 0 all identical, 1 some bytes differ (or Yjs's replay is wrong), 2 bad usage.
// Speed does not matter here, so it uses the plain CommonJS build (`require('yjs')`).
'use strict'
const fs = require('fs')
const path = require('path')
const zlib = require('zlib')

const CLIENT_ID = 2654435769

function usage (err) {
  const text = 'usage: compare_bytes.cjs --traces DIR --dump DIR [--only NAME]'
  if (err) { process.stderr.write(`compare_bytes: ${err}\n${text}\n`); process.exit(2) }
  process.stdout.write(text + '\n'); process.exit(0)
}

const o = { traces: null, dump: null, only: null }
const argv = process.argv.slice(2)
for (let i = 0; i < argv.length; i++) {
  const a = argv[i]
  const val = () => { if (i + 1 >= argv.length) usage(`${a} needs a value`); return argv[++i] }
  if (a === '--traces') o.traces = val()
  else if (a === '--dump') o.dump = val()
  else if (a === '--only') o.only = val()
  else if (a === '-h' || a === '--help') usage(null)
  else usage(`unknown argument ${a}`)
}
if (!o.traces || !o.dump) usage('--traces and --dump are required')

let Y
try { Y = require('yjs') } catch (e) { process.stderr.write(`compare_bytes: cannot load yjs (set NODE_PATH=/usr/share/nodejs): ${e.message}\n`); process.exit(2) }
const version = require('yjs/package.json').version

let traceDir = o.traces
if (fs.existsSync(path.join(traceDir, 'sequential'))) traceDir = path.join(traceDir, 'sequential')

if (!fs.existsSync(o.dump) || !fs.statSync(o.dump).isDirectory()) usage(`no folder ${o.dump}`)
let names = fs.readdirSync(o.dump).filter(f => f.endsWith('.v1.bin')).map(f => f.slice(0, -'.v1.bin'.length)).sort()
if (o.only) names = names.filter(n => n === o.only)
if (names.length === 0) usage(`no ${o.only ? o.only + '.v1.bin' : '*.v1.bin'} in ${o.dump}`)

const firstDiff = (a, b) => {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i
  return a.length === b.length ? null : n
}
const hex = (buf, at) => Buffer.from(buf.subarray(Math.max(0, at - 4), at + 8)).toString('hex')

let allOk = true
for (const name of names) {
  const file = [path.join(traceDir, name + '.json.gz'), path.join(traceDir, name + '.json')].find(f => fs.existsSync(f))
  if (!file) usage(`no trace ${name}.json.gz in ${traceDir}`)
  const raw = fs.readFileSync(file)
  const trace = JSON.parse((file.endsWith('.gz') ? zlib.gunzipSync(raw) : raw).toString('utf8'))

  const doc = new Y.Doc({ gc: false })
  doc.clientID = CLIENT_ID
  const text = doc.getText('text')
  if (trace.startContent) doc.transact(() => text.insert(0, trace.startContent))
  for (const txn of trace.txns) {
    for (const [pos, del, ins] of txn.patches) {
      doc.transact(() => {
        if (del > 0) text.delete(pos, del)
        if (ins) text.insert(pos, ins)
      })
    }
  }
  const finalOk = text.toString() === trace.endContent
  const yv1 = Y.encodeStateAsUpdate(doc)
  const yv2 = Y.encodeStateAsUpdateV2(doc)
  const sv1 = fs.readFileSync(path.join(o.dump, name + '.v1.bin'))
  const v2file = path.join(o.dump, name + '.v2.bin')
  const sv2 = fs.existsSync(v2file) ? fs.readFileSync(v2file) : null

  const d1 = firstDiff(sv1, yv1)
  const d2 = sv2 ? firstDiff(sv2, yv2) : null
  const detail = []
  if (d1 !== null) detail.push(`v1 differs at byte ${d1}: stet ${hex(sv1, d1)} / yjs ${hex(yv1, d1)} (from byte ${Math.max(0, d1 - 4)})`)
  if (sv2 && d2 !== null) detail.push(`v2 differs at byte ${d2}: stet ${hex(sv2, d2)} / yjs ${hex(yv2, d2)} (from byte ${Math.max(0, d2 - 4)})`)
  if (!finalOk) detail.push('Yjs replay does not reproduce endContent')
  const ok = d1 === null && (sv2 === null || d2 === null) && finalOk
  allOk = allOk && ok
  process.stdout.write(JSON.stringify({
    trace: name,
    yjs_version: version,
    stet_v1_bytes: sv1.length,
    yjs_v1_bytes: yv1.length,
    v1_identical: d1 === null,
    v1_first_diff: d1,
    stet_v2_bytes: sv2 ? sv2.length : null,
    yjs_v2_bytes: yv2.length,
    v2_identical: sv2 ? d2 === null : null,
    v2_first_diff: d2,
    final_ok: finalOk,
    detail: detail.join('; ') || 'identical'
  }) + '\n')
}
process.exitCode = allOk ? 0 : 1
