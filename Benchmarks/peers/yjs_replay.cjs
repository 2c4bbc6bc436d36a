#!/usr/bin/env node
// Peer benchmark: replays sequential editing traces in Yjs (Debian's node-yjs).
//
//   NODE_PATH=/usr/share/nodejs node Benchmarks/peers/yjs_replay.cjs --traces DIR --runs N [--only NAME] [--build esm|cjs]
//
// DIR holds *.json.gz traces ({startContent, endContent, txns:[{patches:[[pos, del, ins]...]}]},
// see shared/traces/README.md); a DIR with a sequential/ subfolder is accepted too.
// One Yjs transaction per patch, full history kept (gc: false), client id 2654435769,
// positions used as they are (trace positions are scalars = UTF-16 units, Yjs's unit).
// Prints one JSON line per trace:
//   {"system":"yjs","version":..,"build":..,"trace":..,"ops":patches,"replay_ms":[per run],
//    "encode_v1_bytes":n,"encode_v2_bytes":n,"load_ms":[per run],"load_read_ms":[per run],
//    "final_ok":bool,"note":..}
// replay_ms: fresh doc -> last patch applied (trace already parsed; text not read back).
// load_ms: Y.applyUpdate of the full-history v1 update into a fresh doc.
// load_read_ms: the same plus reading the whole text (comparable with lazy loaders).
// Exit status 1 if any replay or load did not reproduce endContent.
//
// --build: Debian's node-yjs ships two builds of the same source. Its CommonJS build
// (dist/yjs.cjs) reaches every lib0 function through a frozen namespace object with a
// getter per property (rollup interop); that getter costs ~40% of the replay time
// (automerge-paper: ~10 s against ~2.3-3.4 s). The ES module build (dist/yjs.mjs, default
// here) imports lib0 directly, as bundlers and upstream users see Yjs. Node's ES module
// loader ignores NODE_PATH, so a small resolve hook looks bare specifiers up in NODE_PATH.
'use strict'
const fs = require('fs')
const path = require('path')
const zlib = require('zlib')

// Resolve hook for the ES module loader: bare specifiers that Node cannot find are looked
// up in the NODE_PATH folders, honouring package.json "exports" ("import" condition first).
const HOOK = `
import { readFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
let roots = []
export function initialize (data) { roots = data.roots }
const pick = (v) => {
  if (typeof v === 'string') return v
  if (v && typeof v === 'object') for (const c of ['import', 'node', 'module', 'default']) if (c in v) { const r = pick(v[c]); if (r) return r }
  return null
}
export async function resolve (specifier, context, next) {
  try { return await next(specifier, context) } catch (e) {
    if (e.code !== 'ERR_MODULE_NOT_FOUND' || /^[./]|^[a-z]+:/.test(specifier)) throw e
    const parts = specifier.split('/')
    const n = specifier.startsWith('@') ? 2 : 1
    const pkg = parts.slice(0, n).join('/'); const sub = parts.slice(n).join('/')
    for (const root of roots) {
      const dir = join(root, pkg)
      if (!existsSync(join(dir, 'package.json'))) continue
      const meta = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
      let target = null
      if (meta.exports) {
        const ex = typeof meta.exports === 'string' || !Object.keys(meta.exports).some(k => k.startsWith('.')) ? { '.': meta.exports } : meta.exports
        target = pick(ex[sub ? './' + sub : '.'])
      } else target = sub || meta.module || meta.main || 'index.js'
      if (target) return { url: pathToFileURL(join(dir, target)).href, shortCircuit: true }
    }
    throw e
  }
}`

async function loadYjs (opts) {
  const { register } = require('node:module')
  if (opts.build === 'esm' && typeof register !== 'function') {
    process.stderr.write(`yjs_replay: node ${process.version} has no module.register (needs 18.19/20.6+): using the CommonJS build\n`)
    opts.build = 'cjs'
  }
  if (opts.build === 'cjs') return require('yjs')
  const { pathToFileURL } = require('node:url')
  const roots = (process.env.NODE_PATH || '/usr/share/nodejs').split(':').filter(Boolean)
  register('data:text/javascript,' + encodeURIComponent(HOOK), pathToFileURL(__filename), { data: { roots } })
  return import('yjs')
}

function parseArgs (argv) {
  const o = { traces: null, runs: 3, only: null, build: 'esm' }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const val = () => { if (i + 1 >= argv.length) usage(`${a} needs a value`); return argv[++i] }
    if (a === '--traces') o.traces = val()
    else if (a === '--runs') o.runs = parseInt(val(), 10)
    else if (a === '--only') o.only = val()
    else if (a === '--build') o.build = val()
    else if (a === '-h' || a === '--help') usage(null)
    else usage(`unknown argument ${a}`)
  }
  if (!o.traces) usage('--traces DIR is required')
  if (!(o.runs >= 1)) usage('--runs must be at least 1')
  if (o.build !== 'esm' && o.build !== 'cjs') usage('--build is esm or cjs')
  return o
}

function usage (err) {
  const text = 'usage: yjs_replay.cjs --traces DIR --runs N [--only NAME] [--build esm|cjs]'
  if (err) { process.stderr.write(`yjs_replay: ${err}\n${text}\n`); process.exit(2) }
  process.stdout.write(text + '\n'); process.exit(0)
}

function traceFiles (dir, only) {
  const seq = path.join(dir, 'sequential')
  if (fs.existsSync(seq) && fs.statSync(seq).isDirectory()) dir = seq
  let files = fs.readdirSync(dir).filter(f => f.endsWith('.json.gz')).sort()
  if (only) files = files.filter(f => f === only || f === `${only}.json.gz` || f.replace(/\.json\.gz$/, '') === only)
  if (files.length === 0) { process.stderr.write(`yjs_replay: no trace${only ? ` named ${only}` : ''} in ${dir}\n`); process.exit(2) }
  return files.map(f => path.join(dir, f))
}

const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6
const round = (x) => Math.round(x * 1000) / 1000

let Y = null
// A fixed client id makes sizes reproducible: every item's origin repeats the id as a
// varUint, so a random id changes encode_v1_bytes by ~1 byte per item. This one takes
// 5 bytes, like 15 of 16 random 32-bit ids (and like the anchors in traces/README.md).
const CLIENT_ID = 2654435769

function replay (trace) {
  const doc = new Y.Doc({ gc: false })
  doc.clientID = CLIENT_ID
  const text = doc.getText('text')
  const t0 = process.hrtime.bigint()
  if (trace.startContent) doc.transact(() => text.insert(0, trace.startContent))
  for (const txn of trace.txns) {
    for (const [pos, del, ins] of txn.patches) {
      doc.transact(() => {
        if (del > 0) text.delete(pos, del)
        if (ins) text.insert(pos, ins)
      })
    }
  }
  return { doc, text, ms: ms(t0) }
}

async function main () {
  const opts = parseArgs(process.argv.slice(2))
  Y = await loadYjs(opts)
  const version = require('yjs/package.json').version
  let allOk = true
  for (const file of traceFiles(opts.traces, opts.only)) {
    const trace = JSON.parse(zlib.gunzipSync(fs.readFileSync(file)).toString('utf8'))
    const ops = trace.txns.reduce((n, t) => n + t.patches.length, 0)
    const replayMs = []
    let finalOk = true
    let last = null
    for (let r = 0; r < opts.runs; r++) {
      last = null
      if (global.gc) global.gc()
      const res = replay(trace)
      replayMs.push(round(res.ms))
      if (res.text.toString() !== trace.endContent) finalOk = false
      last = res
    }
    const v1 = Y.encodeStateAsUpdate(last.doc)
    const v2 = Y.encodeStateAsUpdateV2(last.doc)
    last = null
    const loadMs = []
    const loadReadMs = []
    for (let r = 0; r < opts.runs; r++) {
      const d = new Y.Doc({ gc: false })
      const t = d.getText('text')
      const t0 = process.hrtime.bigint()
      Y.applyUpdate(d, v1)
      loadMs.push(round(ms(t0)))
      const s = t.toString()
      loadReadMs.push(round(ms(t0)))
      if (s !== trace.endContent) finalOk = false
    }
    allOk = allOk && finalOk
    const name = path.basename(file).replace(/\.json\.gz$/, '')
    process.stdout.write(JSON.stringify({
      system: 'yjs',
      version,
      build: opts.build,
      trace: name,
      ops,
      replay_ms: replayMs,
      encode_v1_bytes: v1.length,
      encode_v2_bytes: v2.length,
      load_ms: loadMs,
      load_read_ms: loadReadMs,
      final_ok: finalOk,
      note: `node ${process.version}, ${opts.build === 'esm' ? 'ES module build' : 'CommonJS build (slow lib0 interop)'}; one transaction per patch, gc off; runs in one process (first run includes JIT warm-up)`
    }) + '\n')
  }
  process.exitCode = allOk ? 0 : 1
}

main().catch(e => { process.stderr.write(`yjs_replay: ${e.stack || e}\n`); process.exit(2) })
