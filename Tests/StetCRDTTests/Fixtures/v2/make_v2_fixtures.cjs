#!/usr/bin/env node
// Generates v2_fixtures.json: pairs of (v1, v2) encodings of the same update, made by Yjs.
//
//   NODE_PATH=/usr/share/nodejs node make_v2_fixtures.cjs   (Debian package node-yjs)
//
// Entries ({name, kind, v1hex, v2hex}):
//   kind "convert": v2 = Y.convertUpdateFormatV1ToV2(v1) for every update of every conformance
//                   vector (updates[], mergedUpdate, fullStateUpdate{}, and the update-shaped
//                   hex strings of `extra`), the synthetic documents below, and a few hand-made
//                   v1 updates (legacy JSON content).
//   kind "doc":     v1 = Y.encodeStateAsUpdate(doc), v2 = Y.encodeStateAsUpdateV2(doc) of the same
//                   live Y.Doc: the vectors replayed (gc on and off) and synthetic documents that
//                   use every content kind (formats, embeds, maps, XML, sub-documents, binary, ...).
'use strict'
const fs = require('fs')
const path = require('path')
const Y = require('yjs')

const here = __dirname
const vectorsDir = path.join(here, '..', '..', 'Vectors')
const outFile = path.join(here, 'v2_fixtures.json')

const toHex = u8 => Buffer.from(u8).toString('hex')
const fromHex = h => new Uint8Array(Buffer.from(h, 'hex'))

const fixtures = []
const seen = new Set()
function add (name, kind, v1, v2) {
  const key = kind + ':' + toHex(v1)
  if (seen.has(key)) return
  seen.add(key)
  fixtures.push({ name, kind, v1hex: toHex(v1), v2hex: toHex(v2) })
}
function addConvert (name, v1hex) {
  const v1 = fromHex(v1hex)
  add(name, 'convert', v1, Y.convertUpdateFormatV1ToV2(v1))
}
function addDoc (name, doc) {
  const v1 = Y.encodeStateAsUpdate(doc)
  add(name, 'doc', v1, Y.encodeStateAsUpdateV2(doc))
  // Yjs-made v1 of the synthetic documents through the converter as well.
  if (name.startsWith('synthetic/')) addConvert(name + '/converted', toHex(v1))
}

// Conformance vectors.
const updateShapedExtra = ['diffUpdateHex', 'encodeStateAsUpdateWithSvHex', 'mergedWithoutMiddleHex',
  'craftedHex', 'restoredDocFullUpdateHex']
for (const file of fs.readdirSync(vectorsDir).filter(f => f.endsWith('.json')).sort()) {
  const v = JSON.parse(fs.readFileSync(path.join(vectorsDir, file), 'utf8'))
  if (!Array.isArray(v.updates)) continue
  const base = file.replace(/\.json$/, '')
  const all = []
  v.updates.forEach((u, i) => { addConvert(`${base}/updates[${i}]`, u.hex); all.push(u.hex) })
  if (v.mergedUpdate) addConvert(`${base}/mergedUpdate`, v.mergedUpdate)
  for (const label of Object.keys(v.fullStateUpdate || {}).sort()) {
    addConvert(`${base}/fullStateUpdate.${label}`, v.fullStateUpdate[label])
  }
  for (const k of updateShapedExtra) {
    if (v.extra && typeof v.extra[k] === 'string') addConvert(`${base}/extra.${k}`, v.extra[k])
  }
  for (const gc of [true, false]) {
    const doc = new Y.Doc({ gc })
    for (const h of all) Y.applyUpdate(doc, fromHex(h))
    addDoc(`${base}/doc(gc:${gc})`, doc)
  }
}

// Synthetic documents covering every content kind.
function richDoc (gc) {
  const a = new Y.Doc({ gc }); a.clientID = 7
  const b = new Y.Doc({ gc }); b.clientID = 4000000001
  const sync = () => {
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)))
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)))
  }
  const t = a.getText('text')
  t.insert(0, 'Hello 😀 wörld 𝄞 and more text')
  t.format(0, 5, { bold: true, size: 12.5, color: '#ff0000' })
  t.format(2, 4, { italic: { level: 2, '10': 'x', '2': [1, 'y', null] } })
  t.insertEmbed(6, { image: 'cat.png', width: 300, ratio: 0.1, big: 1e21, neg: -3, '1': true })
  t.insertEmbed(7, 'plain-string-embed')
  sync()
  const tb = b.getText('text')
  tb.insert(3, '𝒳y')
  tb.delete(9, 4)
  tb.format(1, 3, { bold: null })
  t.insert(0, '>> ')
  sync()
  const m = a.getMap('meta')
  m.set('int', 42); m.set('neg', -5); m.set('big', 2 ** 40); m.set('half', 1.5); m.set('pi', Math.PI)
  m.set('f32', 0.5); m.set('str', 'sé 😀'); m.set('t', true); m.set('f', false); m.set('nul', null)
  m.set('list', [1, 'two', null, { k: [] }]); m.set('obj', { k: { n: 2 }, '5': 'five' })
  m.set('bytes', new Uint8Array([0, 255, 7])); m.set('bigint', { v: 12345678901234n })
  m.set('int', 43); m.set('int', 44) // overwritten keys: items with an origin and a parentSub
  const nested = new Y.Map(); m.set('nested', nested); nested.set('x', 'y'); nested.set('x', 'z')
  const sub = new Y.Doc({ guid: 'sub-doc-guid', autoLoad: true, meta: { a: 1 } }); m.set('subdoc', sub)
  const arr = a.getArray('arr')
  arr.insert(0, [1, 2.25, 'three', { four: 4 }, [5], null, true])
  arr.insert(2, [new Uint8Array([1, 2, 3])])
  const inner = new Y.Array(); arr.insert(1, [inner]); inner.insert(0, ['in', 'side'])
  arr.delete(4, 2)
  sync()
  b.getMap('meta').set('fromB', 'hi')
  b.getMap('meta').delete('half')
  b.getMap('meta').set('nested', 'replaced') // deletes the nested map (GC'd when gc is on)
  const x = b.getXmlFragment('xml')
  const el = new Y.XmlElement('paragraph'); x.insert(0, [el])
  el.setAttribute('class', 'intro'); el.setAttribute('id', 'p1')
  const xt = new Y.XmlText(); el.insert(0, [xt]); xt.insert(0, 'xml text', { bold: true })
  const el2 = new Y.XmlElement('section'); x.insert(1, [el2, new Y.XmlHook('my-hook')])
  x.delete(1, 1)
  sync()
  return a
}
addDoc('synthetic/rich(gc:true)', richDoc(true))
addDoc('synthetic/rich(gc:false)', richDoc(false))

function manyKeysDoc () {
  const d = new Y.Doc({ gc: false }); d.clientID = 99
  const t = d.getText('text')
  t.insert(0, 'abcdefghijklmnopqrstuvwxyz'.repeat(4))
  for (let i = 0; i < 40; i++) t.format(i, 3, { ['k' + (i % 7)]: i % 3 === 0 ? null : i })
  for (let i = 0; i < 30; i++) t.delete((i * 7) % 60, 1)
  return d
}
addDoc('synthetic/many-format-keys', manyKeysDoc())

function manyClientsDoc () {
  const docs = []
  for (let c = 0; c < 6; c++) { const d = new Y.Doc({ gc: true }); d.clientID = [1, 2 ** 31, 17, 2 ** 32 - 1, 300, 2 ** 40][c]; docs.push(d) }
  for (let round = 0; round < 5; round++) {
    docs.forEach((d, i) => {
      const t = d.getText('text')
      t.insert(Math.min(t.length, (round * 3 + i) % 5), `${i}:${round}🎉`)
      if (t.length > 8 && (round + i) % 2 === 0) t.delete(2, 3)
    })
    for (const d1 of docs) for (const d2 of docs) if (d1 !== d2) Y.applyUpdate(d2, Y.encodeStateAsUpdate(d1, Y.encodeStateVector(d2)))
  }
  return docs[0]
}
addDoc('synthetic/six-clients', manyClientsDoc())

// Updates with gaps (Skip structs), via Y.mergeUpdates.
{
  const d = new Y.Doc(); d.clientID = 5
  const ups = []
  d.on('update', u => ups.push(u))
  const t = d.getText('text')
  t.insert(0, 'aa'); t.insert(2, 'bb'); t.insert(4, 'cc'); t.insert(0, '𝄞'); t.delete(1, 2)
  addConvert('synthetic/merge-with-gaps', toHex(Y.mergeUpdates([ups[0], ups[2], ups[4]])))
  addConvert('synthetic/merge-all', toHex(Y.mergeUpdates(ups)))
}

// Hand-made v1 updates: legacy ContentJSON (ref 2), ContentDeleted, GC, empty update.
{
  const parts = []
  const vu = n => { const o = []; while (n > 127) { o.push(0x80 | (n & 127)); n = Math.floor(n / 128) } o.push(n); return o }
  const vs = s => { const b = Buffer.from(s, 'utf8'); return [...vu(b.length), ...b] }
  // 2 clients; client 9: JSON item (root "arr"), Deleted item, GC; client 3: JSON with origin.
  parts.push(...vu(2))
  parts.push(...vu(3), ...vu(9), ...vu(0))
  parts.push(0x02, ...vu(1), ...vs('arr'), ...vu(3), ...vs('{"a":1}'), ...vs('undefined'), ...vs('[1,"x"]'))
  parts.push(0x81, ...vu(9), ...vu(2), ...vu(4))
  parts.push(0x00, ...vu(5))
  parts.push(...vu(1), ...vu(3), ...vu(0))
  parts.push(0x82, ...vu(9), ...vu(1), ...vu(1), ...vs('"s"'))
  parts.push(...vu(1), ...vu(9), ...vu(2), ...vu(0), ...vu(2), ...vu(5), ...vu(1))
  addConvert('synthetic/legacy-json-deleted-gc', Buffer.from(parts).toString('hex'))
  addConvert('synthetic/empty', '0000')
}
{
  const d = new Y.Doc(); addDoc('synthetic/empty-doc', d)
}

fs.writeFileSync(outFile, JSON.stringify(fixtures, null, 1) + '\n')
console.log(`wrote ${fixtures.length} fixtures to ${path.relative(process.cwd(), outFile)}`)
