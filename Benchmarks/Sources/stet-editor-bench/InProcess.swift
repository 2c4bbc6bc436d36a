import BenchSupport
import Foundation
import StetApp
import StetCRDT
import StetEditor
import StetText

/// The client id of the benchmark's sessions (fixed, so runs are comparable); disk changes
/// get ids from a counter.
let sessionClientID: ClientID = 2_654_435_769

func openSession(_ path: String, clock: FakeClock) throws -> Session {
    var next: ClientID = 1000
    return try Session(path: path, clientID: sessionClientID, newClientID: { next += 1; return next },
                       rows: 24, columns: 80, now: { clock.ms })
}

// MARK: - open to first frame

/// One open: `Session(...)` (read the file, open or create the store, load the document,
/// reconcile), then `.resize(24, 80)`, then `render()`. Milliseconds per phase.
struct OpenTiming {
    var session: Double
    var resize: Double
    var render: Double
    var total: Double { session + resize + render }
}

func timeOpen(_ path: String) throws -> (OpenTiming, Frame, Session) {
    let clock = FakeClock()
    let t0 = nowNs()
    let s = try openSession(path, clock: clock)
    let t1 = nowNs()
    _ = s.editor.handle(.resize(rows: 24, columns: 80))
    let t2 = nowNs()
    let f = s.editor.render()
    let t3 = nowNs()
    return (OpenTiming(session: Double(t1 - t0) / 1e6, resize: Double(t2 - t1) / 1e6, render: Double(t3 - t2) / 1e6), f, s)
}

struct OpenResults {
    var cold: [OpenTiming] = []
    var warm: [OpenTiming] = []
    var storeBytes = 0
    var firstRow = ""
    /// Problems seen (text differing from the file, notices from the session).
    var warnings: [String] = []
}

/// The session's text must be the file's, byte for byte, and a clean open says nothing.
func check(_ s: Session, _ bytes: [UInt8], _ what: String, into warnings: inout [String]) {
    if !s.editor.buffer.string.utf8.elementsEqual(bytes) {
        let t = Array(s.editor.buffer.string.utf8)
        let i = zip(t, bytes).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(t.count, bytes.count)
        warnings.append("\(what): the text differs from the file (\(t.count) vs \(bytes.count) bytes, first difference at byte \(i))")
    }
    for n in s.notices { warnings.append("\(what): notice: \(n)") }
}

/// `runs` cold opens (each on a fresh copy of the file in its own folder: no store yet, the
/// open creates it and writes the whole document into it) and `runs` warm opens of the last
/// copy (the store exists and is loaded).
func measureOpen(bytes: [UInt8], workDir: String, name: String, runs: Int, cold: Bool = true, warm: Bool = true) throws -> OpenResults {
    var r = OpenResults()
    var lastPath = ""
    // Without cold runs, one untimed cold open creates the store the warm runs load.
    for i in 0..<(cold ? runs : 1) {
        let dir = "\(workDir)/cold-\(i)"
        try makeDirectory(dir)
        lastPath = "\(dir)/\(name)"
        try writeFile(lastPath, bytes)
        let (t, f, s) = try timeOpen(lastPath)
        if i == 0 { check(s, bytes, "cold open", into: &r.warnings) }
        s.close()
        r.firstRow = f.text(ofRow: 0)
        if !cold { break }
        r.cold.append(t)
        note(String(format: "  cold open %d: %.1f ms", i + 1, t.total))
    }
    if let st = try? FileManager.default.attributesOfItem(atPath: DocumentStoreLocation.of(lastPath)),
       let n = st[.size] as? Int {
        r.storeBytes = n
    }
    for i in 0..<(warm ? runs : 0) {
        let (t, _, s) = try timeOpen(lastPath)
        if i == 0 { check(s, bytes, "warm open", into: &r.warnings) }
        s.close()
        r.warm.append(t)
        note(String(format: "  warm open %d: %.1f ms", i + 1, t.total))
    }
    // Leave only the last copy (the keystroke and tmux runs use their own).
    for i in 0..<(cold ? runs - 1 : 0) { removeTree("\(workDir)/cold-\(i)") }
    return r
}

/// `<dir>/.stet/<name>.stetlog` (StetStore's layout; StetStore is not a product).
enum DocumentStoreLocation {
    static func of(_ path: String) -> String {
        let url = URL(fileURLWithPath: path)
        return url.deletingLastPathComponent().appendingPathComponent(".stet").appendingPathComponent(url.lastPathComponent + ".stetlog").path
    }
}

// MARK: - keystrokes

/// Per keystroke: `handle(.key)`, `render()`, `frame.changes(since: previous)`, in ms.
struct KeyTimings {
    var handle: [Double] = []
    var render: [Double] = []
    var diff: [Double] = []
    var total: [Double] = []
    /// The same span in this thread's CPU time: without the time the machine gave to others.
    var cpu: [Double] = []
    /// p99 of `total` in each round.
    var roundP99: [Double] = []
    /// Runs a driver would redraw, summed over all keys.
    var changedRuns = 0
    /// `session.idle()` (store undo steps, fdatasync, stat the file), once per simulated second.
    var idle: [Double] = []
    var kinds: [String: Int] = [:]
}

/// A deterministic script of `count` keys: typing (prose with some non-ASCII), Enter,
/// Backspace and arrows, in proportions a person might produce while writing.
func keyScript(count: Int, seed: UInt64) -> [KeyEvent] {
    var rng = SplitMix64(seed: seed)
    let source = Array("The quick brown fox jumps over the lazy dog; naïve café 日本語 テキスト 🙂 — then it returns (x + 1) * 2. ")
    var keys: [KeyEvent] = []
    var i = 0
    var sinceEnter = 0
    while keys.count < count {
        let r = rng.below(100)
        if r < 7 {
            keys.append(KeyEvent(.backspace))
        } else if r < 10 {
            keys.append(KeyEvent(rng.pick([.left, .right, .left, .right, .up, .down, .home, .end])))
        } else if r < 12 || sinceEnter > 70 {
            keys.append(KeyEvent(.enter))
            sinceEnter = 0
        } else {
            keys.append(KeyEvent(.char(source[i % source.count])))
            i += 1
            sinceEnter += 1
        }
    }
    return keys
}

func kindName(_ k: KeyEvent) -> String {
    switch k.key {
    case .char: return "char"
    case .enter: return "enter"
    case .backspace: return "backspace"
    default: return "arrow/home/end"
    }
}

/// Replays `keys` into `editor` (already scrolled to the middle), timing each one. With a
/// session, its idle work runs whenever a simulated second has passed (as the terminal loop
/// does) and is timed separately.
func replayKeys(_ keys: [KeyEvent], editor: Editor, session: Session?, clock: FakeClock, into t: inout KeyTimings) {
    let first = t.total.count
    var previous = editor.render()
    var lastIdle = clock.ms
    for (n, k) in keys.enumerated() {
        // A typing pace of ~150 ms per key, with a pause every 40 keys (undo steps split).
        clock.ms += n % 40 == 39 ? 1_200 : 150
        let c0 = threadCPUNs()
        let t0 = nowNs()
        let effects = editor.handle(.key(k))
        let t1 = nowNs()
        let frame = editor.render()
        let t2 = nowNs()
        let runs = frame.changes(since: previous)
        let t3 = nowNs()
        let c1 = threadCPUNs()
        t.cpu.append(Double(c1 &- c0) / 1e6)
        precondition(effects.allSatisfy { $0 != .quit }, "the key script must not quit")
        t.handle.append(Double(t1 - t0) / 1e6)
        t.render.append(Double(t2 - t1) / 1e6)
        t.diff.append(Double(t3 - t2) / 1e6)
        t.total.append(Double(t3 - t0) / 1e6)
        t.changedRuns += runs.count
        t.kinds[kindName(k), default: 0] += 1
        previous = frame
        if let s = session, clock.ms - lastIdle >= 1000 {
            let i0 = nowNs()
            s.idle()
            t.idle.append(msSince(i0))
            lastIdle = clock.ms
        }
    }
    t.roundP99.append(percentile(Array(t.total[first...]), 99) ?? 0)
}

struct KeyResults {
    /// Editor + Buffer + Doc built in memory (no session, no store).
    var model: KeyTimings
    /// A warm `Session` on the file: every update is also encoded and appended to the store.
    var session: KeyTimings
    var cursorLine = 0
    var linesAfter = 0
}

/// Moves to line `line` (1-based) with `goto`, then replays the key script, twice: on a bare
/// editor model and on a session with its store.
func measureKeys(bytes: [UInt8], path: String, line: Int, count: Int, rounds: Int, seed: UInt64) throws -> KeyResults {
    let keys = keyScript(count: count, seed: seed)
    // 1. The model alone: the document built from the text in one transaction, as a fresh
    //    open does, an editor over it, no store.
    var model = KeyTimings()
    do {
        let clock = FakeClock()
        let doc = Doc(clientID: sessionClientID)
        let text = String(decoding: bytes, as: UTF8.self)
        doc.transact { doc.getText("text").insert(text, at: 0) }
        let editor = Editor(buffer: Buffer(doc: doc, textName: "text"), path: path, rows: 24, columns: 80, now: { clock.ms })
        _ = editor.handle(.resize(rows: 24, columns: 80))
        for _ in 0..<rounds {
            _ = editor.runCommandLine("goto \(line)")
            replayKeys(keys, editor: editor, session: nil, clock: clock, into: &model)
        }
    }
    // 2. A session on the file with its store (warm open: the store exists).
    let clock = FakeClock()
    let s = try openSession(path, clock: clock)
    _ = s.editor.handle(.resize(rows: 24, columns: 80))
    _ = s.editor.runCommandLine("goto \(line)")
    let cursorLine = s.editor.buffer.rope.line(containing: s.editor.selection.head).index + 1
    var session = KeyTimings()
    for r in 0..<rounds {
        if r > 0 { _ = s.editor.runCommandLine("goto \(line)") }
        replayKeys(keys, editor: s.editor, session: s, clock: clock, into: &session)
    }
    let linesAfter = s.editor.buffer.rope.lineCount
    s.close()
    return KeyResults(model: model, session: session, cursorLine: cursorLine, linesAfter: linesAfter)
}

// MARK: - memory

struct MemoryResults {
    /// RSS deltas (bytes) for the structures held alone, after trimming the heap.
    var string: Int
    var rope: Int
    var doc: Int
    var sessionWarm: Int
    var sessionCold: Int
    var mallocString: Int?
    var mallocRope: Int?
    var mallocDoc: Int?
    var mallocSessionWarm: Int?
    var mallocSessionCold: Int?
}

/// RSS and malloc deltas of holding what `build` returns (heap trimmed before and after, so
/// garbage freed by `build` counts neither before nor after).
func resident<T>(_ build: () throws -> T) rethrows -> (rss: Int, malloc: Int?) {
    trimHeap()
    let r0 = residentBytes(), m0 = mallocInUse()
    let x = try build()
    trimHeap()
    let r1 = residentBytes(), m1 = mallocInUse()
    withExtendedLifetime(x) {}
    return (r1 - r0, m0.flatMap { a in m1.map { $0 - a } })
}

func measureMemory(bytes: [UInt8], warmPath: String, coldDir: String, name: String) throws -> MemoryResults {
    let str = resident { String(decoding: bytes, as: UTF8.self) }
    let text = String(decoding: bytes, as: UTF8.self)
    let rope = resident { Rope(text) }
    let doc = resident { () -> Doc in
        let d = Doc(clientID: sessionClientID)
        d.transact { d.getText("text").insert(text, at: 0) }
        return d
    }
    let warm = try resident { () -> Session in
        let s = try openSession(warmPath, clock: FakeClock())
        _ = s.editor.handle(.resize(rows: 24, columns: 80))
        _ = s.editor.render()
        return s
    }
    try makeDirectory(coldDir)
    try writeFile("\(coldDir)/\(name)", bytes)
    let cold = try resident { () -> Session in
        let s = try openSession("\(coldDir)/\(name)", clock: FakeClock())
        _ = s.editor.handle(.resize(rows: 24, columns: 80))
        _ = s.editor.render()
        return s
    }
    withExtendedLifetime(text) {}
    return MemoryResults(string: str.rss, rope: rope.rss, doc: doc.rss, sessionWarm: warm.rss, sessionCold: cold.rss,
                         mallocString: str.malloc, mallocRope: rope.malloc, mallocDoc: doc.malloc,
                         mallocSessionWarm: warm.malloc, mallocSessionCold: cold.malloc)
}
