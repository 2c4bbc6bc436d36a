import BenchSupport
import Foundation

#if canImport(Glibc)
import Glibc
#endif

// stet-editor-bench: opening a large file, keystroke-to-frame latency and memory of the
// editor (StetApp.Session over StetEditor), compared with vim / nano / the real `stet`
// binary in tmux in the same run. See Benchmarks/README.md, "Editor benchmark".

let usage = """
    usage: stet-editor-bench [--lines N] [--mb X] [--runs N] [--keys N] [--key-rounds N] [--goto LINE]
                             [--stet PATH] [--peer-runs N] [--only open,memory,keys,peers]
                             [--open cold|warm|both] [--dir DIR] [--keep] [--seed N]
    """

struct Options {
    var lines = 200_000
    var megabytes = 10.0
    var runs = 5
    var keys = 2_000
    var keyRounds = 3
    var gotoLine: Int?
    var stet: String?
    var peerRuns = 5
    var only: Set<String> = ["open", "keys", "memory", "peers"]
    var dir: String?
    var keep = false
    var seed: UInt64 = 1
    var openKinds: Set<String> = ["cold", "warm"]
}

func parseOptions() -> Options {
    var o = Options()
    var args = Array(CommandLine.arguments.dropFirst())
    func value(_ flag: String) -> String {
        guard !args.isEmpty else { note("\(flag) needs a value\n\(usage)"); exit(2) }
        return args.removeFirst()
    }
    func int(_ flag: String) -> Int {
        let v = value(flag)
        guard let n = Int(v.replacingOccurrences(of: "_", with: "")), n > 0 else { note("\(flag): not a positive number: \(v)"); exit(2) }
        return n
    }
    while !args.isEmpty {
        let a = args.removeFirst()
        switch a {
        case "--lines": o.lines = int(a)
        case "--mb":
            guard let x = Double(value(a)), x > 0 else { note("--mb: not a positive number"); exit(2) }
            o.megabytes = x
        case "--runs": o.runs = int(a)
        case "--keys": o.keys = int(a)
        case "--key-rounds": o.keyRounds = int(a)
        case "--goto": o.gotoLine = int(a)
        case "--stet": o.stet = value(a)
        case "--peer-runs": o.peerRuns = int(a)
        case "--only":
            o.only = Set(value(a).split(separator: ",").map(String.init))
            let bad = o.only.subtracting(["open", "keys", "memory", "peers"])
            if !bad.isEmpty { note("--only: unknown part(s) \(bad.sorted().joined(separator: ", "))\n\(usage)"); exit(2) }
        case "--dir": o.dir = value(a)
        case "--keep": o.keep = true
        case "--open":
            let v = value(a)
            guard ["cold", "warm", "both"].contains(v) else { note("--open: cold, warm or both"); exit(2) }
            o.openKinds = v == "both" ? ["cold", "warm"] : [v]
        case "--seed": o.seed = UInt64(int(a))
        case "-h", "--help": print(usage); exit(0)
        default: note("unknown option \(a)\n\(usage)"); exit(2)
        }
    }
    return o
}

/// The repository root: this file is <root>/Benchmarks/Sources/stet-editor-bench/main.swift.
func repoRoot() -> String {
    var u = URL(fileURLWithPath: #filePath)
    for _ in 0..<4 { u.deleteLastPathComponent() }
    return u.path
}

func findStet(_ given: String?) -> String? {
    if let g = given { return access(g, X_OK) == 0 ? URL(fileURLWithPath: g).standardizedFileURL.path : nil }
    let root = repoRoot()
    for p in ["\(root)/.build-release/release/stet", "\(root)/.build/release/stet"] where access(p, X_OK) == 0 { return p }
    return nil
}

let opts = parseOptions()
let mib = 1_048_576.0
let targetBytes = Int(opts.megabytes * mib)

// MARK: - the file

let workDir: String = {
    if let d = opts.dir {
        try? makeDirectory(d)
        return d
    }
    var template = Array((NSTemporaryDirectory() + "/stet-editor-bench-XXXXXX").utf8CString)
    guard let p = mkdtemp(&template) else { note("cannot create a temporary folder"); exit(1) }
    return String(cString: p)
}()
let fileName = "bench.txt"

note("generating \(grouped(opts.lines)) lines, ~\(opts.megabytes) MiB (seed \(opts.seed))…")
let g0 = nowNs()
let bytes = TextGen.generate(lines: opts.lines, targetBytes: targetBytes, seed: opts.seed)
let genMs = msSince(g0)
let text = String(decoding: bytes, as: UTF8.self)
let lineCount = bytes.reduce(0) { $1 == 10 ? $0 + 1 : $0 }
let scalarCount = text.unicodeScalars.count
let nonASCIILines = text.split(separator: "\n", omittingEmptySubsequences: false).reduce(0) { n, l in l.utf8.contains { $0 >= 0x80 } ? n + 1 : n }
let marker = TextGen.firstLine(lines: opts.lines, seed: opts.seed)
let gotoLine = opts.gotoLine ?? max(lineCount / 2, 1)
let textMiB = Double(bytes.count) / mib

print("stet editor benchmark — \(Date())")
print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, load average \(loadAverage() ?? "?") (start)")
print(String(format: "file: %@ bytes (%.2f MiB), %@ lines, %@ scalars, %@ lines with non-ASCII; generated in %.0f ms in %@",
             grouped(bytes.count), textMiB, grouped(lineCount), grouped(scalarCount), grouped(nonASCIILines), genMs, workDir))
print("")

var summary: [String] = []

// MARK: - open to first frame

var openResults: OpenResults?
if opts.only.contains("open") {
    note("open to first frame (\(opts.openKinds.sorted().map { "\(opts.runs) \($0)" }.joined(separator: " + ")))…")
    let r = try measureOpen(bytes: bytes, workDir: workDir, name: fileName, runs: opts.runs,
                            cold: opts.openKinds.contains("cold"), warm: opts.openKinds.contains("warm"))
    openResults = r
    print("Open to first frame, in process: Session(path:) + handle(.resize(24, 80)) + render()")
    print("  cold = no store yet (the open creates .stet/\(fileName).stetlog and writes the whole document);")
    print("  warm = the store exists and is loaded. \(opts.runs) runs each; store after the cold open: \(grouped(r.storeBytes)) bytes.")
    func row(_ name: String, _ ts: [OpenTiming]) -> [String] {
        [name, fmtMs(ts.map(\.total).min()), fmtMs(median(ts.map(\.total))), fmtMs(median(ts.map(\.session))),
         fmtMs(median(ts.map(\.resize))), fmtMs(median(ts.map(\.render))), median(ts.map(\.total)).map { $0 < 300 ? "MET" : "NOT MET" } ?? "–"]
    }
    printTable(["open", "min", "median", "Session() med", "resize med", "render med", "< 300 ms (median)"],
               (r.cold.isEmpty ? [] : [row("cold", r.cold)]) + (r.warm.isEmpty ? [] : [row("warm", r.warm)]))
    for w in r.warnings { print("  WARNING: \(w)") }
    if !r.firstRow.contains(String(marker.prefix(20))) { print("  WARNING: the first frame's first row is not the file's first line: \(r.firstRow)") }
    print("")
    let kinds = [("cold", r.cold), ("warm", r.warm)].filter { !$0.1.isEmpty }.map { "\($0.0) \(fmtMs(median($0.1.map(\.total))))" }
    summary.append("open to first frame (median): \(kinds.joined(separator: ", ")) (target < 300 ms)")
}

// MARK: - memory

if opts.only.contains("memory") {
    note("memory…")
    // The warm session needs a file with a store: the last cold copy, or a new one.
    let warmDir = "\(workDir)/memory-warm"
    try makeDirectory(warmDir)
    try writeFile("\(warmDir)/\(fileName)", bytes)
    do { let (_, _, s) = try timeOpen("\(warmDir)/\(fileName)"); s.close() }
    let m = try measureMemory(bytes: bytes, warmPath: "\(warmDir)/\(fileName)", coldDir: "\(workDir)/memory-cold", name: fileName)
    removeTree("\(workDir)/memory-cold")
    print("Memory: RSS delta of holding each structure alone (heap trimmed before and after), per MiB of text")
    func row(_ name: String, _ rss: Int, _ malloc: Int?) -> [String] {
        [name, fmtMiB(rss), String(format: "%.2f MiB", Double(rss) / mib / textMiB), String(format: "%.2fx", Double(rss) / Double(bytes.count)),
         malloc.map(fmtMiB) ?? "–"]
    }
    printTable(["held", "RSS delta", "per MiB of text", "x text", "malloc delta"], [
        row("String (the text, UTF-8)", m.string, m.mallocString),
        row("Rope(text)", m.rope, m.mallocRope),
        row("Doc, text inserted in 1 transaction", m.doc, m.mallocDoc),
        row("Session, warm open + first frame", m.sessionWarm, m.mallocSessionWarm),
        row("Session, cold open + first frame", m.sessionCold, m.mallocSessionCold),
    ])
    let other = m.sessionWarm - m.rope - m.doc
    print(String(format: "  share of the warm session (estimates from the structures measured alone): Rope ~%.0f%%, CRDT Doc ~%.0f%%, rest (editor, layouts, store) %@",
                 100 * Double(m.rope) / Double(max(m.sessionWarm, 1)), 100 * Double(m.doc) / Double(max(m.sessionWarm, 1)),
                 other <= m.sessionWarm / 50 ? "~0 (within the error of the estimate)" : String(format: "~%.0f%%", 100 * Double(other) / Double(max(m.sessionWarm, 1)))))
    print("")
    summary.append(String(format: "memory: %.1f MiB RSS per MiB of text (warm session; Rope %.2f, Doc %.2f MiB per MiB)",
                          Double(m.sessionWarm) / mib / textMiB, Double(m.rope) / mib / textMiB, Double(m.doc) / mib / textMiB))
}

// MARK: - keystrokes

if opts.only.contains("keys") {
    note("keystrokes (\(opts.keys) x \(opts.keyRounds) rounds, model then session)…")
    let kdir = "\(workDir)/keys"
    try makeDirectory(kdir)
    let kpath = "\(kdir)/\(fileName)"
    try writeFile(kpath, bytes)
    do { let (_, _, s) = try timeOpen(kpath); s.close() }  // create the store: the session below opens warm
    let k = try measureKeys(bytes: bytes, path: kpath, line: gotoLine, count: opts.keys, rounds: opts.keyRounds, seed: opts.seed &+ 7)
    print("Keystroke to frame, in the middle (goto \(gotoLine); cursor on line \(k.cursorLine)), \(opts.keyRounds) rounds of \(opts.keys) keys"
          + " (each round starts with goto \(gotoLine)): "
          + k.session.kinds.sorted { $0.key < $1.key }.map { "\($0.value / opts.keyRounds) \($0.key)" }.joined(separator: ", "))
    print("  per key: handle(.key) + render() + frame.changes(since: previous), wall clock; \"CPU\" = the same span in thread CPU time")
    print("  (what is left when the machine's other work is taken out). Simulated typing pace 150 ms/key; percentiles over all rounds.")
    func row(_ name: String, _ xs: [Double]) -> [String] {
        [name, fmtUs(percentile(xs, 50)), fmtUs(percentile(xs, 90)), fmtUs(percentile(xs, 99)), fmtUs(xs.max()), fmtUs(xs.first)]
    }
    printTable(["", "p50", "p90", "p99", "max", "first key"], [
        row("model: total", k.model.total),
        row("  total, CPU", k.model.cpu),
        row("  handle", k.model.handle),
        row("  render", k.model.render),
        row("  changes(since:)", k.model.diff),
        row("session+store: total", k.session.total),
        row("  total, CPU", k.session.cpu),
        row("  handle (+ encode, append to log)", k.session.handle),
        row("  render", k.session.render),
        row("  changes(since:)", k.session.diff),
        row("session idle() per sim. second", k.session.idle),
    ])
    func verdict(_ xs: [Double]) -> String { (percentile(xs, 99) ?? 1e9) < 1 ? "MET" : "NOT MET" }
    print("  target p99 < 1 ms (model and frame diff): model \(verdict(k.model.total)) (p99 \(fmtUs(percentile(k.model.total, 99)))), "
          + "with the store \(verdict(k.session.total)) (p99 \(fmtUs(percentile(k.session.total, 99))))")
    print("  p99 per round: model " + k.model.roundP99.map(fmtUs).joined(separator: ", ") + "; session+store " + k.session.roundP99.map(fmtUs).joined(separator: ", "))
    print(String(format: "  redrawn runs per key (mean): %.1f; lines after the script: %@", Double(k.session.changedRuns) / Double(max(opts.keys * opts.keyRounds, 1)), grouped(k.linesAfter)))
    print("")
    summary.append("keystroke→frame p99: model \(fmtUs(percentile(k.model.total, 99))), with store \(fmtUs(percentile(k.session.total, 99))) (target < 1 ms)")
}

// MARK: - peers in tmux

if opts.only.contains("peers") {
    let stet = findStet(opts.stet)
    if stet == nil {
        note("NOTE: no stet binary\(opts.stet.map { " at \($0)" } ?? ""): build it with `swift build -c release --scratch-path .build-release` in \(repoRoot()) or pass --stet PATH")
    }
    note("first screen in tmux (\(opts.peerRuns) rounds)…")
    if let rows = try measurePeers(bytes: bytes, workDir: workDir, name: fileName, marker: marker, stet: stet, runs: opts.peerRuns) {
        print("First screen in tmux 80x24: from `tmux new-session` until `capture-pane -p` shows the first line (\(opts.peerRuns) rounds, interleaved)")
        if let s = stet { print("  stet binary: \(s)") }
        let vim = rows.first { $0.name.hasPrefix("vim") }
        let floor = rows.first { $0.name.hasPrefix("floor") }
        printTable(["program", "min", "median", "minus floor (med)", "RSS at first screen", "peak RSS", "vs vim (median)"], rows.map { r in
            if let m = r.missing { return [r.name, m, "", "", "", "", ""] }
            let minusFloor = r.msMedian.flatMap { a in floor?.msMedian.map { a - $0 } }
            let vsVim: String = {
                guard r.name.hasPrefix("stet") || r.name.hasPrefix("nano"), let a = r.msMedian, let b = vim?.msMedian, b > 0 else { return "" }
                return fmtRatio(a / b)
            }()
            return [r.name, fmtMs(r.msMin), fmtMs(r.msMedian), r.name.hasPrefix("floor") ? "" : fmtMs(minusFloor),
                    r.rssMedian.map(fmtMiB) ?? "–", r.peakMedian.map(fmtMiB) ?? "–", vsVim]
        })
        if let v = vim, v.missing == nil {
            for r in rows where r.name.hasPrefix("stet") && r.missing == nil {
                let minRatio = r.msMin.flatMap { a in v.msMin.map { a / $0 } }
                let medRatio = r.msMedian.flatMap { a in v.msMedian.map { a / $0 } }
                print("  \(r.name) / vim: \(fmtRatio(minRatio)) (min), \(fmtRatio(medRatio)) (median)")
                summary.append("\(r.name) / vim first screen: \(fmtRatio(medRatio)) (median; \(fmtMs(r.msMedian)) vs \(fmtMs(v.msMedian)))")
            }
        }
        print("")
    } else {
        print("First screen in tmux: tmux not installed (or its server did not start); skipped")
        print("")
    }
}

print("load average \(loadAverage() ?? "?") (end)")
if !summary.isEmpty {
    print("Summary:")
    for s in summary { print("  " + s) }
}
if !opts.keep && opts.dir == nil { removeTree(workDir) } else { print("files kept in \(workDir)") }
