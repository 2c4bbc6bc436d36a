#!/usr/bin/env node
// Regenerates the seed corpus Fuzz/corpus/ from the conformance vectors
// (Tests/StetCRDTTests/Vectors/*.json). Each seed is one raw fuzz input: a mode byte
// (see FuzzHarness.Mode) followed by the payload. File names are content hashes, so reruns
// are stable. v2 seeds need Yjs (Debian node-yjs):
//
//   NODE_PATH=/usr/share/nodejs node Fuzz/make-corpus.cjs
'use strict'
const fs = require('fs')
const path = require('path')
const crypto = require('crypto')
let Y = null
try { Y = require('yjs') } catch (e) { console.error('yjs not found: no v2 seeds (set NODE_PATH=/usr/share/nodejs)') }

const MODE = { v1Decode: 0, v2Decode: 1, stateVector: 2, deleteSetV1: 3, deleteSetV2: 4, relativePosition: 5,
  v1Apply: 6, v2Apply: 7, multiApply: 8, mergeDiff: 9, snapshot: 10 }
const MAX_SEED = 4096 // bigger seeds only slow the fuzzer down

const here = __dirname
const vectorsDir = path.join(here, '..', 'Tests', 'StetCRDTTests', 'Vectors')
const outDir = path.join(here, 'corpus')
fs.rmSync(outDir, { recursive: true, force: true })
fs.mkdirSync(outDir)

const varUint = n => { const out = []; while (n >= 0x80) { out.push((n % 0x80) | 0x80); n = Math.floor(n / 0x80) } out.push(n); return out }
const varBytes = b => [...varUint(b.length), ...b]
const fromHex = h => [...Buffer.from(h, 'hex')]
const isHex = s => typeof s === 'string' && s.length > 0 && s.length % 2 === 0 && /^[0-9a-f]+$/.test(s)

let written = 0
function seed (mode, payload) {
  if (payload.length > MAX_SEED) return
  const bytes = Buffer.from([mode, ...payload])
  const name = crypto.createHash('sha1').update(bytes).digest('hex')
  const file = path.join(outDir, name)
  if (!fs.existsSync(file)) { fs.writeFileSync(file, bytes); written++ }
}

// Delete sets of an update, in v1 (DSEncoderV1) and v2 (DSEncoderV2) layout.
function deleteSets (u) {
  const ds = Y.decodeUpdate(Uint8Array.from(u)).ds
  const clients = [...ds.clients.entries()].sort((a, b) => b[0] - a[0])
  const v1 = [...varUint(clients.length)]
  const v2 = [...varUint(clients.length)]
  for (const [client, items] of clients) {
    v1.push(...varUint(client), ...varUint(items.length))
    v2.push(...varUint(client), ...varUint(items.length))
    let cur = 0
    for (const it of items) {
      v1.push(...varUint(it.clock), ...varUint(it.len))
      v2.push(...varUint(it.clock - cur), ...varUint(it.len - 1))
      cur = it.clock + it.len
    }
  }
  return [v1, v2]
}

function update (u) {
  seed(MODE.v1Decode, u)
  seed(MODE.v1Apply, u)
  if (!Y) return
  const v2 = [...Y.convertUpdateFormatV1ToV2(Uint8Array.from(u))]
  seed(MODE.v2Decode, v2)
  seed(MODE.v2Apply, v2)
  const [d1, d2] = deleteSets(u)
  seed(MODE.deleteSetV1, d1)
  seed(MODE.deleteSetV2, d2)
}

const updateShapedExtra = ['diffUpdateHex', 'encodeStateAsUpdateWithSvHex', 'mergedWithoutMiddleHex',
  'craftedHex', 'restoredDocFullUpdateHex', 'fullStateOfCWhilePending']
const svShapedExtra = ['peerStateVector', 'stateVectorFromUpdate']
for (const file of fs.readdirSync(vectorsDir).filter(f => f.endsWith('.json')).sort()) {
  const v = JSON.parse(fs.readFileSync(path.join(vectorsDir, file), 'utf8'))
  if (!Array.isArray(v.updates)) continue
  const ups = v.updates.map(u => fromHex(u.hex))
  ups.forEach(update)
  if (isHex(v.mergedUpdate)) update(fromHex(v.mergedUpdate))
  for (const h of Object.values(v.fullStateUpdate || {})) if (isHex(h)) update(fromHex(h))
  for (const h of Object.values(v.stateVector || {})) if (isHex(h)) seed(MODE.stateVector, fromHex(h))
  for (const s of v.steps || []) if (isHex(s.stateVectorAfter)) seed(MODE.stateVector, fromHex(s.stateVectorAfter))
  const extra = v.extra || {}
  for (const k of updateShapedExtra) if (isHex(extra[k])) update(fromHex(extra[k]))
  for (const k of svShapedExtra) if (isHex(extra[k])) seed(MODE.stateVector, fromHex(extra[k]))
  for (const rp of extra.relativePositions || []) if (isHex(rp.hex)) seed(MODE.relativePosition, fromHex(rp.hex))
  if (isHex(extra.snapshotHex)) seed(MODE.snapshot, fromHex(extra.snapshotHex))
  // Whole sessions: in order, reversed (exercises pending structs), and merged.
  const small = ups.filter(u => u.length <= MAX_SEED)
  seed(MODE.multiApply, small.flatMap(varBytes))
  seed(MODE.multiApply, [...small].reverse().flatMap(varBytes))
  seed(MODE.mergeDiff, small.flatMap(varBytes))
}
console.log(`${written} seeds in ${path.relative(process.cwd(), outDir) || outDir}`)
