#!/usr/bin/env node
// Generates algorithm_fixtures.json: inputs and Yjs's outputs for Y.mergeUpdates,
// Y.diffUpdate and Y.encodeStateVectorFromUpdate, to check UpdateAlgorithms byte for byte.
//
//   NODE_PATH=/usr/share/nodejs node make_algorithm_fixtures.cjs   (Debian package node-yjs)
//
// Debian ships yjs 13.5.43. Its merge, diff and state-vector code is the same as in
// v13.6.31 (the version stet follows), except that 13.6 writes delete-set clients in
// descending order (DeleteSet.js writeDeleteSet) where 13.5 keeps insertion order; this
// script loads a copy of the Debian build with that one function patched to sort.
//
// Deterministic: a fixed-seed PRNG drives random multi-client sessions (text inserts and
// deletes with emoji and CJK, formatting, embeds, map entries holding nested texts that are
// later overwritten so gc'd documents produce GC structs, out-of-order delivery, partial
// state updates). Their updates form a pool; cases pick from it.
//
// Output: { yjsVersion, note, pool: [hex], cases: [
//   {kind: "merge", inputs: [poolIndex], output: hex},
//   {kind: "diff", update: poolIndex, sv: hex, output: hex},
//   {kind: "sv", update: poolIndex, output: hex} ] }
// Merge outputs are added to the pool so later cases can merge and diff them again.
'use strict'
const fs = require('fs')
const os = require('os')
const path = require('path')

// --- Yjs with the v13.6 delete-set order -------------------------------------------------
const distFile = require.resolve('yjs') // dist/yjs.cjs
let src = fs.readFileSync(distFile, 'utf8')
const before = 'ds.clients.forEach((dsitems, client) => {\n    encoder.resetDsCurVal();'
if (src.split(before).length !== 2) throw new Error('writeDeleteSet not found in ' + distFile)
src = src.replace(before, 'Array.from(ds.clients.entries()).sort((a, b) => b[0] - a[0]).forEach(([client, dsitems]) => {\n    encoder.resetDsCurVal();')
const patched = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'yjs-')), 'yjs.cjs')
fs.writeFileSync(patched, src)
const Y = require(patched)
const yjsVersion = JSON.parse(fs.readFileSync(path.join(path.dirname(distFile), '..', 'package.json'), 'utf8')).version

// --- helpers ---------------------------------------------------------------------------
const toHex = u8 => Buffer.from(u8).toString('hex')
const fromHex = h => new Uint8Array(Buffer.from(h, 'hex'))

let seed = 0x5eed1e55
const rnd = () => { // mulberry32
  seed = (seed + 0x6D2B79F5) | 0
  let t = seed
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
const int = n => Math.floor(rnd() * n)
const pick = xs => xs[int(xs.length)]
const chance = p => rnd() < p

const pool = []
const poolIndex = new Map()
function addPool (u8) {
  const h = toHex(u8)
  if (!poolIndex.has(h)) { poolIndex.set(h, pool.length); pool.push(h) }
  return poolIndex.get(h)
}
const cases = []
const seenCase = new Set()
function addCase (c) {
  const key = JSON.stringify(c)
  if (seenCase.has(key)) return
  seenCase.add(key)
  cases.push(c)
}
function mergeCase (indices) {
  const out = Y.mergeUpdates(indices.map(i => fromHex(pool[i])))
  addCase({ kind: 'merge', inputs: indices, output: toHex(out) })
  return addPool(out)
}
function diffCase (i, sv) {
  addCase({ kind: 'diff', update: i, sv: toHex(sv), output: toHex(Y.diffUpdate(fromHex(pool[i]), sv)) })
}
function encodeSv (entries) { // [[client, clock]], written in the given order
  const bytes = []
  const varUint = n => { while (n > 127) { bytes.push((n % 128) | 128); n = Math.floor(n / 128) } bytes.push(n) }
  varUint(entries.length)
  for (const [c, k] of entries) { varUint(c); varUint(k) }
  return new Uint8Array(bytes)
}

// --- random sessions -------------------------------------------------------------------
const clientPool = [1, 2, 3, 7, 11, 300, 70000, 2 ** 31 + 5, 2 ** 32 - 1, 123456789]
const pieces = ['a', 'b', 'xyz', 'hello', ' ', 'é', '😀', '👨‍👩‍👧', '日本', '𠮷', 'q\n', 'The quick brown fox']

function boundaries (s) { // UTF-16 offsets that are not inside a surrogate pair
  const out = [0]
  let i = 0
  for (const ch of s) { i += ch.length; out.push(i) }
  return out
}

function session (n) {
  const docs = []
  const captured = [] // per doc: list of update bytes this doc emitted
  const ids = []
  while (ids.length < 2 + int(3)) { const c = pick(clientPool); if (!ids.includes(c)) ids.push(c) }
  for (const id of ids) {
    const doc = new Y.Doc({ gc: chance(0.5) })
    doc.clientID = id
    const list = []
    doc.on('update', u => list.push(u))
    docs.push(doc)
    captured.push(list)
  }
  const states = [] // state vectors seen along the way
  const fulls = []
  const steps = 20 + int(40)
  for (let s = 0; s < steps; s++) {
    const k = int(docs.length)
    const doc = docs[k]
    const text = doc.getText('text')
    const map = doc.getMap('m')
    const r = rnd()
    if (r < 0.45) {
      const b = boundaries(text.toString())
      doc.transact(() => {
        const times = chance(0.2) ? 2 + int(3) : 1
        for (let t = 0; t < times; t++) text.insert(pick(boundaries(text.toString())), pick(pieces))
      })
      void b
    } else if (r < 0.65) {
      const b = boundaries(text.toString())
      if (b.length > 1) {
        const i = int(b.length - 1)
        const j = i + 1 + int(Math.min(4, b.length - 1 - i))
        text.delete(b[i], b[j] - b[i])
      }
    } else if (r < 0.7) {
      const b = boundaries(text.toString())
      if (b.length > 2) {
        const i = int(b.length - 1)
        const j = i + 1 + int(b.length - 1 - i)
        text.format(b[i], b[j] - b[i], chance(0.5) ? { bold: true } : { italic: null })
      }
    } else if (r < 0.73) {
      text.insertEmbed(pick(boundaries(text.toString())), { image: 'x.png' })
    } else if (r < 0.8) {
      const key = pick(['k1', 'k2', 'k3'])
      if (chance(0.5)) {
        const nested = new Y.Text()
        map.set(key, nested)
        nested.insert(0, pick(pieces) + pick(pieces))
        nested.insert(0, pick(pieces))
      } else if (chance(0.8)) {
        map.set(key, pick(['v', 'value', 'ü']))
      } else {
        map.delete(key)
      }
    } else if (r < 0.93) {
      // sync one doc from another (state-based)
      const from = docs[int(docs.length)]
      if (from !== doc) Y.applyUpdate(doc, Y.encodeStateAsUpdate(from, Y.encodeStateVector(doc)), 'remote')
    } else {
      // deliver a random captured update of another doc, possibly out of order
      const other = int(docs.length)
      if (other !== k && captured[other].length > 0) Y.applyUpdate(doc, pick(captured[other]), 'remote')
    }
    if (chance(0.15)) states.push(Y.encodeStateVector(docs[int(docs.length)]))
    if (chance(0.08)) fulls.push(Y.encodeStateAsUpdate(docs[int(docs.length)]))
  }
  for (const d of docs) { fulls.push(Y.encodeStateAsUpdate(d)); states.push(Y.encodeStateVector(d)) }

  // Random state vectors: known clients with random clocks (also inside items), unknown ones.
  const svs = states.slice()
  for (let t = 0; t < 6; t++) {
    const entries = []
    for (const id of ids) if (chance(0.7)) entries.push([id, int(40)])
    if (chance(0.3)) entries.push([999, 3])
    svs.push(encodeSv(entries))
  }
  const partials = []
  for (let t = 0; t < 4; t++) partials.push(Y.encodeStateAsUpdate(pick(docs), pick(svs)))

  const local = []
  for (const list of captured) for (const u of list) local.push(addPool(u))
  for (const u of fulls) local.push(addPool(u))
  for (const u of partials) local.push(addPool(u))

  // merges of random selections (order, duplicates) of the pool
  const merged = []
  for (let t = 0; t < 14; t++) {
    const size = chance(0.1) ? 1 : 2 + int(chance(0.3) ? 12 : 4)
    const sel = []
    for (let i = 0; i < size; i++) sel.push(pick(local))
    if (chance(0.2)) sel.push(sel[0])
    merged.push(mergeCase(sel))
  }
  // merges that involve merged updates (these carry Skips and cut items)
  for (let t = 0; t < 5; t++) {
    const sel = [pick(merged), pick(local), pick(merged)]
    if (chance(0.5)) sel.push(pick(local))
    merged.push(mergeCase(sel))
  }
  // everything at once, and in reverse
  const everything = local.slice()
  merged.push(mergeCase(everything))
  merged.push(mergeCase(everything.slice().reverse()))
  if (n % 5 === 0) {
    // many inputs (Yjs sorts them with V8's TimSort; 64 and more use its merging path)
    const sel = []
    for (let i = 0; i < 64 + int(40); i++) sel.push(pick(local))
    merged.push(mergeCase(sel))
  }
  // diffs
  for (let t = 0; t < 12; t++) {
    const u = chance(0.5) ? pick(merged) : pick(local)
    diffCase(u, pick(svs))
  }
  // state vectors from updates
  for (const i of local.concat(merged)) addCase({ kind: 'sv', update: i, output: toHex(Y.encodeStateVectorFromUpdate(fromHex(pool[i]))) })
}

for (let n = 0; n < 40; n++) session(n)

// --- hand-made inputs for the unusual paths --------------------------------------------
function writer () {
  const bytes = []
  const w = {
    u: n => { while (n > 127) { bytes.push((n % 128) | 128); n = Math.floor(n / 128) } bytes.push(n); return w },
    s: str => { const b = Buffer.from(str, 'utf8'); w.u(b.length); for (const x of b) bytes.push(x); return w },
    raw: (...xs) => { bytes.push(...xs); return w },
    done: () => new Uint8Array(bytes)
  }
  return w
}
// Items: root string (no origin), string with origin, GC, Skip.
const root = (w, str) => w.raw(4).u(1).s('text').s(str)
const after = (w, c, k, str) => w.raw(0x84).u(c).u(k).s(str)
const gc = (w, n) => w.raw(0).u(n)
const skip = (w, n) => w.raw(10).u(n)
const crafted = []
{ // client sections ascending (1 then 5)
  const w = writer().u(2)
  w.u(1).u(1).u(0); root(w, 'ab')
  w.u(2).u(5).u(0); root(w, 'xy'); after(w, 5, 1, 'z')
  w.u(0)
  crafted.push(w.done())
}
{ // the same client in two sections, with another in between (5, 3, 5)
  const w = writer().u(3)
  w.u(1).u(5).u(0); root(w, 'abc')
  w.u(1).u(3).u(0); root(w, 'q')
  w.u(1).u(5).u(6); after(w, 5, 5, 'gh')
  w.u(0)
  crafted.push(w.done())
}
{ // a section starting with a Skip at clock 0 (first section of the update)
  const w = writer().u(2)
  w.u(2).u(9).u(0); skip(w, 3); after(w, 9, 2, 'de')
  w.u(1).u(4).u(0); root(w, 'mn')
  w.u(0)
  crafted.push(w.done())
}
{ // a Skip at clock 0 in a later section, GCs next to each other, a zero-length GC
  const w = writer().u(2)
  w.u(3).u(9).u(2); gc(w, 2); gc(w, 3); gc(w, 0)
  w.u(2).u(4).u(0); skip(w, 2); after(w, 4, 1, 'k')
  w.u(0)
  crafted.push(w.done())
}
{ // delete set: duplicate clients, unsorted and overlapping ranges, zero-length ranges, an empty entry
  const w = writer().u(1)
  w.u(1).u(5).u(0); root(w, 'abcdefgh')
  w.u(5)
  w.u(5).u(3).u(6).u(1).u(0).u(2).u(3).u(0)
  w.u(7).u(0)
  w.u(9).u(1).u(20).u(0)
  w.u(5).u(2).u(2).u(2).u(10).u(0)
  w.u(3).u(1).u(1).u(1)
  crafted.push(w.done())
}
{ // GC and Item at the same ID in different inputs
  const w1 = writer().u(1); w1.u(2).u(8).u(0); root(w1, 'abc'); after(w1, 8, 2, 'd'); w1.u(0)
  const w2 = writer().u(1); w2.u(1).u(8).u(0); gc(w2, 4); w2.u(0)
  const w3 = writer().u(1); w3.u(2).u(8).u(2); gc(w3, 1); after(w3, 8, 2, 'd'); w3.u(0)
  crafted.push(w1.done(), w2.done(), w3.done())
}
const craftedIdx = crafted.map(addPool)
for (const i of craftedIdx) {
  addCase({ kind: 'sv', update: i, output: toHex(Y.encodeStateVectorFromUpdate(fromHex(pool[i]))) })
  for (const entries of [[], [[5, 1]], [[5, 4], [9, 2]], [[9, 3], [4, 1], [3, 4]], [[8, 1]], [[1, 1], [5, 7]]]) diffCase(i, encodeSv(entries))
}
for (let a = 0; a < craftedIdx.length; a++) {
  for (let b = 0; b < craftedIdx.length; b++) {
    mergeCase([craftedIdx[a], craftedIdx[b]])
    mergeCase([craftedIdx[a], craftedIdx[b], craftedIdx[(a + b) % craftedIdx.length]])
  }
}
const [g1, g2, g3] = craftedIdx.slice(-3)
for (const sel of [[g1, g2], [g2, g1], [g1, g3], [g3, g1], [g2, g3], [g3, g2], [g1, g2, g3], [g3, g2, g1], [g2, g1, g3, g1], [g1, g1, g2, g2, g3]]) mergeCase(sel)

const counts = {}
for (const c of cases) counts[c.kind] = (counts[c.kind] || 0) + 1
fs.writeFileSync(path.join(__dirname, 'algorithm_fixtures.json'), JSON.stringify({
  yjsVersion,
  note: 'Generated by make_algorithm_fixtures.cjs with Yjs ' + yjsVersion + ' (writeDeleteSet patched to the v13.6 descending order).',
  counts,
  pool,
  cases
}) + '\n')
console.log(JSON.stringify({ pool: pool.length, counts }))
