#!/usr/bin/env node
// Differential oracle: replays a multi-peer YText session in Yjs (Debian's node-yjs).
// Same protocol as pycrdt_oracle.py; read that file's docstring for the full schema.
//
//   NODE_PATH=/usr/share/nodejs node Tests/Oracles/yjs_oracle.cjs < session.json
//   ... --selftest   prints OK
//   ... --lines      one JSON document per line in, one answer per line out
//
// Session: {"peers":[{"clientID":N}...], "root":"text", "gc":false, "finalSync":bool,
//           "events":[{"peer":i,"op":"insert","index":u16,"text":s}
//                     |{"peer":i,"op":"delete","index":u16,"len":u16}
//                     |{"peer":i,"op":"transact","ops":[insert|delete...]}
//                     |{"peer":i,"op":"deliver","update":k}
//                     |{"peer":i,"op":"apply","hex":"..."}]}
//   -> {"updates":[hex...], "peers":[{"clientID","text","stateVector","fullState","pending"}...]}
//   ("pending" exists only here, not in the pycrdt oracle: true while the peer holds
//   structs or deletes that wait for missing dependencies.)
// Load:    {"mode":"load","updates":[hex...]} -> {"text","stateVector","fullState"}
// Errors:  {"error":message} on stdout, exit status 2.
//
// Where yrs (pycrdt_oracle.py) and this oracle legitimately differ (delete-set order;
// yrs's handling of out-of-order delivery) is described in pycrdt_oracle.py's docstring.
//
// Indices are UTF-16 code units, native to Yjs: no conversion. Every local operation
// yields exactly one update, numbered in production order; an operation that changes
// nothing yields the empty update "0000" (Yjs emits no event for it).
'use strict'
const Y = require('yjs')

const EMPTY_UPDATE = new Uint8Array([0, 0])
const hex = (u8) => Buffer.from(u8).toString('hex')
const unhex = (h) => {
  if (typeof h !== 'string' || h.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(h)) throw new InputError(`bad hex string ${JSON.stringify(h).slice(0, 40)}`)
  return new Uint8Array(Buffer.from(h, 'hex'))
}

class InputError extends Error {}

const int = (v, what) => {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new InputError(`${what} must be an integer, got ${JSON.stringify(v)}`)
  return v
}

// Yjs clamps or misbehaves on out-of-range indices instead of failing; check them so a
// bad input fails the same way here and in pycrdt_oracle.py.
const checkIndex = (s, i) => {
  if (i < 0 || i > s.length) throw new InputError(`index ${i} beyond UTF-16 length ${s.length}`)
  if (i > 0 && i < s.length) {
    const c = s.charCodeAt(i)
    if (c >= 0xdc00 && c <= 0xdfff && (s.charCodeAt(i - 1) & 0xfc00) === 0xd800) throw new InputError(`index ${i} splits a surrogate pair`)
  }
}

class Peer {
  constructor (clientID, root, gc) {
    this.clientID = clientID
    this.doc = new Y.Doc({ gc })
    this.doc.clientID = clientID
    this.text = this.doc.getText(root)
    this.captured = null
    this.capturing = false
    this.doc.on('update', (u) => { if (this.capturing) this.captured = u })
  }

  applyLocal (op) {
    const current = this.text.toString()
    if (op.op === 'insert') {
      if (typeof op.text !== 'string') throw new InputError("insert needs a string 'text'")
      const i = int(op.index, 'index'); checkIndex(current, i)
      this.text.insert(i, op.text)
    } else if (op.op === 'delete') {
      const i = int(op.index, 'index'); const n = int(op.len, 'len')
      if (n < 0) throw new InputError(`negative delete length ${n}`)
      checkIndex(current, i); checkIndex(current, i + n)
      if (n > 0) this.text.delete(i, n)
    } else {
      throw new InputError(`unknown local op ${JSON.stringify(op.op)}`)
    }
  }

  local (event) {
    const ops = event.op === 'transact' ? event.ops : [event]
    if (!Array.isArray(ops)) throw new InputError("transact needs an 'ops' list")
    this.captured = null
    this.capturing = true
    try {
      this.doc.transact(() => { for (const op of ops) this.applyLocal(op) })
    } finally {
      this.capturing = false
    }
    if (this.doc.clientID !== this.clientID) throw new Error(`Yjs changed peer ${this.clientID}'s client id`)
    return this.captured || EMPTY_UPDATE
  }

  apply (update) { Y.applyUpdate(this.doc, update) }

  result () {
    return {
      clientID: this.clientID,
      text: this.text.toString(),
      stateVector: hex(Y.encodeStateVector(this.doc)),
      fullState: hex(Y.encodeStateAsUpdate(this.doc)),
      // Yjs only: structs or deletes still waiting for missing dependencies.
      pending: this.doc.store.pendingStructs !== null || this.doc.store.pendingDs !== null
    }
  }
}

function runSession (spec) {
  const root = spec.root ?? 'text'
  const gc = Boolean(spec.gc ?? false)
  if (!Array.isArray(spec.peers) || spec.peers.length === 0) throw new InputError("'peers' must be a non-empty list")
  const peers = spec.peers.map(p => new Peer(int(p.clientID, 'clientID'), root, gc))
  const updates = []
  const events = spec.events ?? []
  events.forEach((event, n) => {
    try {
      const peer = peers[event.peer]
      if (!Number.isInteger(event.peer) || !peer) throw new InputError("bad or missing 'peer'")
      switch (event.op) {
        case 'insert': case 'delete': case 'transact':
          updates.push(peer.local(event)); break
        case 'deliver': {
          const k = int(event.update, 'update')
          if (k < 0 || k >= updates.length) throw new InputError(`update ${k} does not exist yet (${updates.length} produced)`)
          peer.apply(updates[k]); break
        }
        case 'apply':
          peer.apply(unhex(event.hex)); break
        default:
          throw new InputError(`unknown op ${JSON.stringify(event.op)}`)
      }
    } catch (e) {
      if (e instanceof InputError) throw new InputError(`event ${n} (${event.op}): ${e.message}`)
      throw e
    }
  })
  if (spec.finalSync) for (const peer of peers) for (const u of updates) peer.apply(u)
  return { updates: updates.map(hex), peers: peers.map(p => p.result()) }
}

function runLoad (spec) {
  const doc = new Y.Doc({ gc: Boolean(spec.gc ?? false) })
  const text = doc.getText(spec.root ?? 'text')
  for (const h of spec.updates ?? []) Y.applyUpdate(doc, unhex(h))
  return { text: text.toString(), stateVector: hex(Y.encodeStateVector(doc)), fullState: hex(Y.encodeStateAsUpdate(doc)) }
}

function handle (spec) {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) throw new InputError('input must be a JSON object')
  const mode = spec.mode ?? 'session'
  if (mode === 'load') return runLoad(spec)
  if (mode !== 'session') throw new InputError(`unknown mode ${JSON.stringify(mode)}`)
  return runSession(spec)
}

function answer (textIn) {
  try {
    return [handle(JSON.parse(textIn)), null]
  } catch (e) {
    const msg = e instanceof InputError ? e.message : `${e.name}: ${e.message}`
    return [{ error: msg }, msg]
  }
}

// The same session as pycrdt_oracle.py's SELFTEST, with the same expected results.
const SELFTEST = {
  peers: [{ clientID: 1 }, { clientID: 2 }, { clientID: 3 }],
  events: [
    { peer: 0, op: 'insert', index: 0, text: 'a😀b' },
    { peer: 0, op: 'insert', index: 3, text: 'é' },
    { peer: 1, op: 'deliver', update: 1 },
    { peer: 1, op: 'deliver', update: 0 },
    { peer: 1, op: 'deliver', update: 0 },
    { peer: 1, op: 'delete', index: 1, len: 2 },
    { peer: 0, op: 'insert', index: 0, text: 'X' },
    { peer: 2, op: 'transact', ops: [{ op: 'insert', index: 0, text: '日本' }, { op: 'delete', index: 0, len: 1 }] },
    { peer: 0, op: 'delete', index: 0, len: 0 }
  ],
  finalSync: true
}
const SELFTEST_TEXT = 'Xaéb本'
const SELFTEST_UPDATE0 = '01010100040104746578740661f09f98806200' // byte-identical in yrs

function selftest () {
  const out = runSession(JSON.parse(JSON.stringify(SELFTEST)))
  const texts = out.peers.map(p => p.text)
  const problems = []
  if (out.updates.length !== 6) problems.push(`expected 6 updates, got ${out.updates.length}`)
  else if (out.updates[5] !== '0000') problems.push(`no-op update should be 0000, got ${out.updates[5]}`)
  if (new Set(texts).size !== 1) problems.push(`peers diverge: ${JSON.stringify(texts)}`)
  if (texts[0] !== SELFTEST_TEXT) problems.push(`final text ${JSON.stringify(texts[0])}, expected ${JSON.stringify(SELFTEST_TEXT)}`)
  if (out.updates[0] !== SELFTEST_UPDATE0) problems.push(`update 0 is ${out.updates[0]}, expected ${SELFTEST_UPDATE0}`)
  const loaded = runLoad({ updates: out.updates })
  if (loaded.text !== texts[0]) problems.push(`load mode gives ${JSON.stringify(loaded.text)}`)
  try { checkIndex('a😀b', 2); problems.push('splitting a surrogate pair was not rejected') } catch (e) {}
  if (problems.length) { console.log('FAIL: ' + problems.join('; ')); return 1 }
  console.log('OK')
  return 0
}

function main () {
  const args = process.argv.slice(2)
  if (args.includes('--selftest')) { process.exitCode = selftest(); return }
  if (args.includes('--lines')) {
    const rl = require('readline').createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false })
    rl.on('line', (line) => { if (line.trim()) process.stdout.write(JSON.stringify(answer(line)[0]) + '\n') })
    return
  }
  const chunks = []
  process.stdin.on('data', c => chunks.push(c))
  process.stdin.on('end', () => {
    const [result, error] = answer(Buffer.concat(chunks).toString('utf8'))
    process.stdout.write(JSON.stringify(result) + '\n')
    if (error !== null) { process.stderr.write(`yjs_oracle: ${error}\n`); process.exitCode = 2 }
  })
}

main()
