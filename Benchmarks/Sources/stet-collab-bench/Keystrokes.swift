import BenchSupport
import Dispatch
import Foundation
import StetApp
import StetCRDT
import StetEditor
import StetNet
import StetSync
import Synchronization

// Part 1: a keystroke on editor A until editor B shows it.

/// Per keystroke, milliseconds. `total` is t0 (A's owner thread, just before
/// `editor.handle(.key)`) to the end of the render + frame diff on B's owner thread after
/// B's document holds the character. The stages split it: A's `handle` (the update is sent
/// from inside it), t0 → the first byte of traffic at B's event loop, that arrival → B's
/// owner thread awake, the wake → inbox pumped (update applied, buffer mirrored, peers'
/// cursors refreshed), pumped → frame rendered and diffed.
struct KeyRun {
    var name: String
    var total: [Double] = []
    var aHandle: [Double] = []
    var toLoop: [Double] = []
    var wake: [Double] = []
    var apply: [Double] = []
    var render: [Double] = []
    var timeouts = 0
    var textsEqual = false
    var docBytes = 0
    var keys = 0
}

/// Shared between A's thread (sets the baseline, stamps t0), B's thread (acks) and the
/// driver (waits for the ack).
final class Probe: @unchecked Sendable {
    /// A's clock before the keystroke; B acks when it holds more of A's structs. -1: idle.
    let baseline = Atomic<Int>(-1)
    let t0 = Atomic<UInt64>(0)
    let tHandled = Atomic<UInt64>(0)
    let bWake = Atomic<UInt64>(0)
    let bPumped = Atomic<UInt64>(0)
    let bRendered = Atomic<UInt64>(0)
    let ack = DispatchSemaphore(value: 0)
}

/// Printable keys (some non-ASCII, 1-4 UTF-8 bytes, some outside the BMP) and an Enter
/// every 50-70 characters: each key inserts, so each one is an update B must show.
func typingScript(count: Int, seed: UInt64) -> [KeyEvent] {
    var rng = SplitMix64(seed: seed)
    let source = Array("The quick brown fox jumps over the lazy dog; naïve café 日本語 テキスト 🙂 — then it returns (x + 1) * 2. ")
    var keys: [KeyEvent] = []
    var i = 0
    var untilEnter = 50 + rng.below(21)
    while keys.count < count {
        if untilEnter == 0 {
            keys.append(KeyEvent(.enter))
            untilEnter = 50 + rng.below(21)
        } else {
            keys.append(KeyEvent(.char(source[i % source.count])))
            i += 1
            untilEnter -= 1
        }
    }
    return keys
}

struct KeyOptions {
    var keys = 1_000
    var warmup = 20
    var gapMinMs = 2.0
    var gapMaxMs = 10.0
    var seed: UInt64 = 1
    var line = 1
}

/// Types `opts.keys` (+ warm-up) keys on A, one at a time: the next key goes after B showed
/// the previous one and a pause of `gap` (random in gapMin…gapMax, so the owner threads are
/// asleep when a key comes, as between a person's keystrokes).
func typeAndWatch(name: String, a: EditorPeer, b: EditorPeer, bStamps: ArrivalStamps, opts: KeyOptions) -> KeyRun {
    var run = KeyRun(name: name)
    let probe = Probe()
    let aID = a.doc.clientID
    // Set on B's thread, which reads it after each frame.
    b.sync { b.onFrame = { p in
        let base = probe.baseline.load(ordering: .sequentiallyConsistent)
        guard base >= 0, p.doc.state(of: aID) > base else { return }
        probe.baseline.store(-1, ordering: .sequentiallyConsistent)
        probe.bWake.store(p.tWake, ordering: .sequentiallyConsistent)
        probe.bPumped.store(p.tPumped, ordering: .sequentiallyConsistent)
        probe.bRendered.store(p.tRendered, ordering: .sequentiallyConsistent)
        probe.ack.signal()
    } }
    // Both at the same line, so that B's screen shows what A types.
    _ = a.sync { a.editor.runCommandLine("goto \(opts.line)") }
    _ = b.sync { b.editor.runCommandLine("goto \(opts.line)") }
    let keys = typingScript(count: opts.keys + opts.warmup, seed: opts.seed)
    var rng = SplitMix64(seed: opts.seed &+ 7)
    for (n, k) in keys.enumerated() {
        sleepMs(rng.uniform(opts.gapMinMs, opts.gapMaxMs))
        a.perform {
            let base = a.doc.state(of: aID)
            bStamps.arm()
            probe.baseline.store(base, ordering: .sequentiallyConsistent)
            probe.t0.store(nowNs(), ordering: .sequentiallyConsistent)
            let effects = a.editor.handle(.key(k))
            _ = a.session.perform(effects)
            probe.tHandled.store(nowNs(), ordering: .sequentiallyConsistent)
        }
        if probe.ack.wait(timeout: .now() + .seconds(5)) == .timedOut {
            probe.baseline.store(-1, ordering: .sequentiallyConsistent)
            if n >= opts.warmup { run.timeouts += 1 }
            note("  \(name): key \(n) not seen on B within 5 s")
            continue
        }
        guard n >= opts.warmup else { continue }
        let t0 = probe.t0.load(ordering: .sequentiallyConsistent)
        let th = probe.tHandled.load(ordering: .sequentiallyConsistent)
        let arr = bStamps.firstMessage.load(ordering: .sequentiallyConsistent)
        let w = probe.bWake.load(ordering: .sequentiallyConsistent)
        let p = probe.bPumped.load(ordering: .sequentiallyConsistent)
        let r = probe.bRendered.load(ordering: .sequentiallyConsistent)
        run.total.append(ms(t0, r))
        run.aHandle.append(ms(t0, th))
        if arr > 0 {
            run.toLoop.append(ms(t0, arr))
            run.wake.append(max(0, ms(arr, w)))
        }
        run.apply.append(ms(w, p))
        run.render.append(ms(p, r))
    }
    bStamps.armed.store(false, ordering: .sequentiallyConsistent)
    b.sync { b.onFrame = nil }
    run.keys = opts.keys
    let ta = a.sync { a.editor.buffer.string }
    let tb = b.sync { b.editor.buffer.string }
    run.textsEqual = ta == tb
    run.docBytes = ta.utf8.count
    return run
}

/// `stet join` twice: A and B are scratch sessions (no file, no store) linked to a room of
/// a relay; A brings the text (inserted before connecting), B receives it.
func keystrokesOverWebSocket(target: RelayTarget, room: String, text: String, opts: KeyOptions) throws -> KeyRun {
    let sa = try Session(path: nil, clientID: ids.take(), newClientID: ids.take, now: monoMs)
    sa.doc.transact { sa.doc.getText("text").insert(text, at: 0) }
    let sb = try Session(path: nil, clientID: ids.take(), newClientID: ids.take, now: monoMs)
    let a = EditorPeer(label: "A", session: sa, role: .guest)
    let b = EditorPeer(label: "B", session: sb, role: .guest)
    a.start()
    b.start()
    defer {
        b.stop()
        a.stop()
    }
    let aStamps = ArrivalStamps(), bStamps = ArrivalStamps()
    let url = target.url(room)
    a.sync {
        let t = connectWebSocket(url: url, inbox: a.collab.inbox, stamps: aStamps)
        a.collab.attach(t, isLink: true, waitForOpen: true, now: nowMs())
    }
    guard waitUntil(timeoutMs: 20_000, { a.sync { a.collab.hub.status.syncedConnections > 0 } }) else {
        throw BenchError("A did not sync with \(url)")
    }
    b.sync {
        let t = connectWebSocket(url: url, inbox: b.collab.inbox, stamps: bStamps)
        b.collab.attach(t, isLink: true, waitForOpen: true, now: nowMs())
    }
    let want = text.utf8.count
    guard waitUntil(timeoutMs: 30_000, { b.sync { b.collab.hub.status.syncedConnections > 0 && b.editor.buffer.rope.utf8Count == want } }) else {
        throw BenchError("B did not receive the text from \(url)")
    }
    return typeAndWatch(name: target.name, a: a, b: b, bStamps: bStamps, opts: opts)
}

/// `stet FILE` twice on one machine: A opens the file (its store) and hosts on the Unix
/// socket beside it, B opens the same file joining (no store) and connects.
func keystrokesOverUnixSocket(dir: String, bytes: [UInt8], opts: KeyOptions) throws -> KeyRun {
    try makeDirectory(dir)
    let file = dir + "/keys.txt"
    try writeFile(file, bytes)
    let sa = try Session(path: file, clientID: ids.take(), newClientID: ids.take, now: monoMs)
    let a = EditorPeer(label: "A", session: sa, role: .host)
    try makeDirectory(dir + "/.stet")
    let sock = dir + "/.stet/keys.txt.sock"
    let server = try listenUnix(path: sock, inbox: a.collab.inbox)
    let sb = try Session(path: file, clientID: ids.take(), newClientID: ids.take, joining: true, now: monoMs)
    let b = EditorPeer(label: "B", session: sb, role: .guest)
    a.start()
    b.start()
    defer {
        b.stop()
        a.stop()
        server.stop()
    }
    let bStamps = ArrivalStamps()
    b.sync {
        let t = connectUnix(path: sock, inbox: b.collab.inbox, stamps: bStamps)
        b.collab.attach(t, isLink: true, waitForOpen: true, now: nowMs())
    }
    guard waitUntil(timeoutMs: 30_000, { b.sync { b.collab.hub.status.syncedConnections > 0 } }) else {
        throw BenchError("B did not sync over unix:\(sock)")
    }
    return typeAndWatch(name: "Unix socket (A hosts, B joins)", a: a, b: b, bStamps: bStamps, opts: opts)
}
