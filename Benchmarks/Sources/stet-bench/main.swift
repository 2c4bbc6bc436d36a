// stet-bench: replays the sequential editing traces in stet (StetCRDT) and, with --compare,
// in Yjs, yrs and Loro in the same run. See Benchmarks/README.md.
import Foundation
import StetCRDT

let usage = """
usage: stet-bench --traces DIR [--runs N] [--only NAME[,NAME...]] [--compare] [--peers yjs,yrs,loro]
                  [--peer-runs N] [--json] [--dump-v1 DIR] [--node PATH] [--python PATH]

  --traces DIR     folder of traces (its sequential/ subfolder is used if present)
  --runs N         timed runs of stet's replay and of stet's load (default 5)
  --only NAMES     trace names (file name without .json.gz), comma separated
  --compare        also run the peers (Benchmarks/peers) on each trace, after stet's timing,
                   compare bytes with Yjs (Benchmarks/compare_bytes.cjs), print ratios and
                   the targets of issue #2
  --peers LIST     which peers --compare runs (default yjs,yrs,loro)
  --peer-runs N    runs per peer (default: Yjs 3, yrs 2 (6-14 s a run on automerge-paper), Loro 3)
  --json           machine-readable output: one JSON object per line (progress goes to stderr)
  --dump-v1 DIR    write stet's full-history updates as DIR/NAME.v1.bin (and NAME.v2.bin)
  --node PATH, --python PATH   peer runtimes (default: node on PATH, <repo>/.venv/bin/python)
"""

struct Options {
    var traces: String? = nil
    var runs = 5
    var only: [String]? = nil
    var compare = false
    var peers = ["yjs", "yrs", "loro"]
    var peerRuns: Int? = nil
    var json = false
    var dumpV1: String? = nil
    var node: String? = nil
    var python: String? = nil
}

func fail(_ message: String, status: Int32 = 2) -> Never {
    FileHandle.standardError.write(Data("stet-bench: \(message)\n".utf8))
    exit(status)
}

func parseOptions() -> Options {
    var o = Options()
    var args = CommandLine.arguments.dropFirst()
    func value(_ flag: String) -> String {
        guard let v = args.popFirst() else { fail("\(flag) needs a value\n\(usage)") }
        return v
    }
    func count(_ flag: String) -> Int {
        let v = value(flag)
        guard let n = Int(v), n >= 1 else { fail("\(flag) needs a positive integer, not \(v)") }
        return n
    }
    while let a = args.popFirst() {
        switch a {
        case "--traces": o.traces = value(a)
        case "--runs": o.runs = count(a)
        case "--only": o.only = value(a).split(separator: ",").map(String.init)
        case "--compare": o.compare = true
        case "--peers":
            o.peers = value(a).split(separator: ",").map { $0.lowercased() }
            for p in o.peers where !["yjs", "yrs", "loro"].contains(p) { fail("unknown peer \(p) (yjs, yrs, loro)") }
        case "--peer-runs": o.peerRuns = count(a)
        case "--json": o.json = true
        case "--dump-v1": o.dumpV1 = value(a)
        case "--node": o.node = value(a)
        case "--python": o.python = value(a)
        case "-h", "--help": print(usage); exit(0)
        default: fail("unknown argument \(a)\n\(usage)")
        }
    }
    return o
}

let opts = parseOptions()

/// Human output on stdout unless --json; progress always on stderr.
func say(_ s: String = "") { if !opts.json { print(s) } }
func emit(_ obj: [String: Any]) { if opts.json { print(jsonLine(obj)); fflush(nil) } }
func progress(_ s: String) { FileHandle.standardError.write(Data("[stet-bench] \(s)\n".utf8)) }

func shell(_ args: [String]) -> String? {
    let out = runProcess("/usr/bin/env", args)
    return out.status == 0 ? out.stdout.trimmingCharacters(in: .whitespacesAndNewlines) : nil
}

// MARK: - setup

let tracesPath = opts.traces ?? repoRoot.deletingLastPathComponent().appendingPathComponent("shared/traces").path
let (traceDir, traceFiles): (URL, [String])
do { (traceDir, traceFiles) = try Trace.files(in: tracesPath) } catch { fail("cannot read traces in \(tracesPath): \(error)") }
var selected = traceFiles
if let only = opts.only {
    for n in only where !traceFiles.contains(where: { Trace.name(of: $0) == n || $0 == n }) {
        fail("no trace \(n) in \(traceDir.path) (have: \(traceFiles.map(Trace.name(of:)).joined(separator: ", ")))")
    }
    selected = traceFiles.filter { f in only.contains { Trace.name(of: f) == $0 || f == $0 } }
}
if selected.isEmpty { fail("no *.json.gz trace in \(traceDir.path)") }

let stetVersion: String = {
    guard let rev = shell(["git", "-C", repoRoot.path, "rev-parse", "--short", "HEAD"]) else { return "unknown" }
    let dirty = shell(["git", "-C", repoRoot.path, "status", "--porcelain", "--", "Sources/StetCRDT"]).map { !$0.isEmpty } ?? false
    return rev + (dirty ? "+uncommitted StetCRDT changes" : "")
}()
let cpu: String = {
    let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
    let model = info.split(separator: "\n").first { $0.hasPrefix("model name") }?.split(separator: ":").last?
        .trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
    return "\(model), \(ProcessInfo.processInfo.activeProcessorCount) cores"
}()
func loadAverage() -> String {
    ((try? String(contentsOfFile: "/proc/loadavg", encoding: .ascii)) ?? "?").split(separator: " ").prefix(3).joined(separator: " ")
}

var peers: [Peer] = []
var notes: [String] = []
if opts.compare {
    progress("looking for peer runtimes")
    peers = discoverPeers(wanted: opts.peers, nodeOverride: opts.node, pythonOverride: opts.python)
}
let yjsPeer = peers.first { $0.id == "yjs" }
let nodeForBytes: Peer? = opts.compare ? (yjsPeer ?? discoverPeers(wanted: ["yjs"], nodeOverride: opts.node, pythonOverride: nil).first) : nil

// Where our bytes go: --dump-v1, or a temporary folder when --compare checks bytes with Yjs.
var tempDump: URL? = nil
let dumpDir: String? = {
    if let d = opts.dumpV1 { return d }
    guard opts.compare, nodeForBytes?.executable != nil else { return nil }
    let t = FileManager.default.temporaryDirectory.appendingPathComponent("stet-bench-v1-\(getpid())")
    tempDump = t
    return t.path
}()
if let d = dumpDir {
    do { try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) } catch { fail("cannot create \(d): \(error)") }
}

say("stet-bench: stet \(stetVersion), StetCRDT release build (-Ounchecked bench driver), \(cpu)")
say("traces \(traceDir.path); stet runs \(opts.runs)\(opts.compare ? ", peer runs " + (opts.peerRuns.map(String.init) ?? "Yjs 3 / yrs 2 / Loro 3") : ""); client id \(benchClientID); load average at start \(loadAverage())")
say("replay and load: min and median over the runs; ns/op = replay min / patches; sizes are the full-history update; peers run one after another, never during stet's timing")
emit(["kind": "run", "stet_version": stetVersion, "cpu": cpu, "runs": opts.runs, "traces": traceDir.path,
      "peer_runs": opts.peerRuns ?? NSNull(), "client_id": benchClientID, "loadavg": loadAverage()])
for p in peers {
    if let why = p.skipReason {
        say("NOTE: \(p.display) will be skipped: \(why)")
        emit(["kind": "note", "peer": p.id, "note": "skipped: \(why)"])
        progress("\(p.display) will be skipped: \(why)")
    }
}
if opts.compare, nodeForBytes?.executable == nil {
    let why = nodeForBytes?.skipReason ?? "no Node"
    say("NOTE: the byte-for-byte check with Yjs is skipped: \(why)")
    emit(["kind": "note", "note": "byte-for-byte check with Yjs skipped: \(why)"])
}

// MARK: - per trace

struct TraceOutcome {
    var stet: StetResult
    var peers: [String: PeerResult]
    var bytes: ByteCheck?
}
var outcomes: [TraceOutcome] = []
var allFinalOK = true

for file in selected {
    let name = Trace.name(of: file)
    progress("\(name): reading trace")
    let trace: Trace
    do { trace = try Trace.load(traceDir.appendingPathComponent(file)) } catch { fail("\(name): \(error)") }
    progress("\(name): stet, \(opts.runs) runs of replay and of load, then one replay for memory")
    let r: StetResult
    do { r = try measureStet(trace, runs: opts.runs) } catch { fail("\(name): loading stet's own update failed: \(error)", status: 1) }
    allFinalOK = allFinalOK && r.finalOK
    if let d = dumpDir {
        let base = URL(fileURLWithPath: d).appendingPathComponent(name)
        do {
            try Data(r.v1).write(to: base.appendingPathExtension("v1.bin"))
            try Data(r.v2).write(to: base.appendingPathExtension("v2.bin"))
        } catch { fail("cannot write to \(d): \(error)") }
    }
    emit(stetJSON(r, version: stetVersion))

    // Peers: one after another, after stet's timing is over.
    var results: [String: PeerResult] = [:]
    var traceNotes: [String] = []
    var bytes: ByteCheck? = nil
    if opts.compare {
        for p in peers {
            let runs = opts.peerRuns ?? p.defaultRuns
            if p.executable != nil { progress("\(name): \(p.display), \(runs) run\(runs == 1 ? "" : "s")") }
            let (res, note) = runPeer(p, traces: traceDir.path, trace: name, runs: runs)
            if let res {
                results[p.id] = res
                allFinalOK = allFinalOK && res.finalOK
                var o = res.raw
                o["kind"] = "result"
                emit(o)
            }
            if let note {
                traceNotes.append(note)
                emit(["kind": "note", "trace": name, "peer": p.id, "note": note])
            }
        }
        if let node = nodeForBytes, node.executable != nil, let d = dumpDir {
            progress("\(name): byte-for-byte check with Yjs")
            let (check, note) = runByteCheck(node: node, traces: traceDir.path, dumpDir: d, trace: name)
            bytes = check
            if let c = check {
                var o = c.raw
                o["kind"] = "bytes"
                emit(o)
            }
            if let note {
                traceNotes.append(note)
                emit(["kind": "note", "trace": name, "note": note])
            }
        }
    }
    outcomes.append(TraceOutcome(stet: r, peers: results, bytes: bytes))

    // Human block.
    say()
    say("\(name): \(grouped(r.ops)) patches in \(grouped(r.transactions)) trace txns (one stet transaction per patch); end text \(grouped(trace.endContent.unicodeScalars.count)) characters")
    say(header())
    say(render(row(r)))
    for p in peers { if let res = results[p.id] { say(render(row(res, display: p.display))) } }
    let m = r.memory
    say("  stet encode: v1 \(fmtMs(r.encodeV1Ms)), v2 \(fmtMs(r.encodeV2Ms)); \(grouped(r.encodedItems)) items in the update")
    let perOp = Double(m.replayRSS) / Double(max(r.ops, 1)), perItem = Double(m.replayRSS) / Double(max(r.encodedItems, 1))
    say("  stet memory: replayed doc \(fmtMB(m.replayRSS)) RSS = \(String(format: "%.1f", perOp)) B/op, \(String(format: "%.1f", perItem)) B/item"
        + (m.replayMalloc.map { " (malloc \(fmtMB($0)))" } ?? "")
        + "; doc loaded from v1 \(fmtMB(m.loadRSS)) RSS" + (m.loadMalloc.map { " (malloc \(fmtMB($0)))" } ?? ""))
    var cmp: [String: Any] = ["kind": "compare", "trace": name]
    let stetReplay = r.replayMs.min(), stetLoad = r.loadMs.min(), stetLoadRead = r.loadReadMs.min()
    if let y = results["yjs"] {
        var s = "  vs Yjs:  replay \(speed(stet: stetReplay, peer: y.replayMs.min())), load \(speed(stet: stetLoad, peer: y.loadMs.min()))"
        s += "; v1 \(fmtBytes(r.v1Bytes)) vs \(fmtBytes(y.v1Bytes)) B (\(sizeRatio(stet: r.v1Bytes, peer: y.v1Bytes)))"
        if let b = bytes { s += ", bytes \(b.v1Identical ? "IDENTICAL" : "DIFFERENT")" }
        s += "; v2 \(fmtBytes(r.v2Bytes)) vs \(fmtBytes(y.v2Bytes)) B (\(sizeRatio(stet: r.v2Bytes, peer: y.v2Bytes)))"
        if let b = bytes, let v2 = b.v2Identical { s += ", bytes \(v2 ? "IDENTICAL" : "DIFFERENT")" }
        say(s)
        let c: [String: Any] = [
            "replay_speedup": orNull(speedup(stet: stetReplay, peer: y.replayMs.min())),
            "load_speedup": orNull(speedup(stet: stetLoad, peer: y.loadMs.min())),
            "v1_size_ratio": orNull(ratio(r.v1Bytes, y.v1Bytes)),
            "v2_size_ratio": orNull(ratio(r.v2Bytes, y.v2Bytes)),
        ]
        cmp["yjs"] = c
    } else if let b = bytes {
        say("  vs Yjs:  v1 bytes \(b.v1Identical ? "IDENTICAL" : "DIFFERENT"), v2 bytes \(b.v2Identical.map { $0 ? "IDENTICAL" : "DIFFERENT" } ?? "not checked")")
    }
    if let b = bytes, !(b.v1Identical && b.v2Identical != false) { say("           \(b.detail)") }
    if let y = results["yrs"] {
        say("  vs yrs:  replay \(speed(stet: stetReplay, peer: y.replayMs.min())), load \(speed(stet: stetLoad, peer: y.loadMs.min()))"
            + "; v1 \(fmtBytes(r.v1Bytes)) vs \(fmtBytes(y.v1Bytes)) B (\(sizeRatio(stet: r.v1Bytes, peer: y.v1Bytes)))")
        let c: [String: Any] = [
            "replay_speedup": orNull(speedup(stet: stetReplay, peer: y.replayMs.min())),
            "load_speedup": orNull(speedup(stet: stetLoad, peer: y.loadMs.min())),
            "v1_size_ratio": orNull(ratio(r.v1Bytes, y.v1Bytes)),
        ]
        cmp["yrs"] = c
    }
    if let l = results["loro"] {
        say("  vs Loro: replay \(speed(stet: stetReplay, peer: l.replayMs.min())), load+read \(speed(stet: stetLoadRead, peer: l.loadReadMs.min())) (Loro imports lazily: whole text read in both)"
            + "; stet v2 vs Loro snapshot \(fmtBytes(r.v2Bytes)) vs \(fmtBytes(l.v1Bytes)) B (\(sizeRatio(stet: r.v2Bytes, peer: l.v1Bytes)))")
        let c: [String: Any] = [
            "replay_speedup": orNull(speedup(stet: stetReplay, peer: l.replayMs.min())),
            "load_read_speedup": orNull(speedup(stet: stetLoadRead, peer: l.loadReadMs.min())),
            "v2_vs_snapshot_size_ratio": orNull(ratio(r.v2Bytes, l.v1Bytes)),
        ]
        cmp["loro"] = c
    }
    for n in traceNotes { say("  NOTE: \(n)") }
    if !r.finalOK { say("  ERROR: stet's final text differs from endContent") }
    fflush(nil)
    if opts.compare { emit(cmp) }
}

if let t = tempDump { try? FileManager.default.removeItem(at: t) }

// MARK: - targets of issue #2

if opts.compare {
    let target = "automerge-paper"
    say()
    if let o = outcomes.first(where: { $0.stet.trace == target }) {
        say("Targets of issue #2 on \(target) (\(opts.runs) stet runs). Timing targets are judged twice, on min vs min and on")
        say("median vs median: MET = both pass, NOT MET = both fail, MET ON MIN ONLY = the verdict depends on noise.")
        var list: [[String: Any]] = []
        /// `onMin` / `onMedian`: whether the target holds on minimums and on medians (nil: unknown).
        func mark(_ name: String, _ value: String, _ onMin: Bool?, _ onMedian: Bool? = nil) {
            let verdict: String
            switch (onMin, onMedian ?? onMin) {
            case (nil, _), (_, nil): verdict = "UNKNOWN"
            case (true?, true?): verdict = "MET"
            case (false?, false?): verdict = "NOT MET"
            case (true?, false?): verdict = "MET ON MIN ONLY"
            case (false?, true?): verdict = "MET ON MEDIAN ONLY"
            }
            say("  \(pad(name, 30, right: false)) \(pad(verdict, 15, right: false)) \(value)")
            var o: [String: Any] = ["target": name, "value": value, "verdict": verdict]
            o["met_on_min"] = onMin.map { $0 as Any } ?? NSNull()
            o["met_on_median"] = (onMedian ?? onMin).map { $0 as Any } ?? NSNull()
            list.append(o)
        }
        let s = o.stet
        let sr = s.replayMs.min()!, sm = median(s.replayMs)!
        func faster(_ name: String, _ peer: PeerResult?, _ display: String, by factor: Double) {
            guard let p = peer, let pr = p.replayMs.min(), let pm = median(p.replayMs) else { mark(name, "\(display) not run", nil); return }
            mark(name, "min \(fmtRatio(pr / sr))x (stet \(fmtMs(sr)), \(display) \(fmtMs(pr))); median \(fmtRatio(pm / sm))x (\(fmtMs(sm)), \(fmtMs(pm)))",
                 pr / sr >= factor, pm / sm >= factor)
        }
        faster("replay >= 2x faster than Loro", o.peers["loro"], "Loro", by: 2)
        faster("replay >= 50x faster than Yjs", o.peers["yjs"], "Yjs", by: 50)
        mark("replay < 25 ms (goal)", "min \(fmtMs(sr)), median \(fmtMs(sm))", sr < 25, sm < 25)
        if let y = o.peers["yrs"], let yl = y.loadMs.min(), let ym = median(y.loadMs) {
            let sl = s.loadMs.min()!, slm = median(s.loadMs)!
            mark("load faster than yrs", "min \(speed(stet: sl, peer: yl)) (stet \(fmtMs(sl)), yrs \(fmtMs(yl))); median \(speed(stet: slm, peer: ym)) (\(fmtMs(slm)), \(fmtMs(ym)))",
                 sl < yl, slm < ym)
        } else { mark("load faster than yrs", "yrs not run", nil) }
        if let y = o.peers["yjs"], let y2 = y.v2Bytes {
            mark("v2 size <= Yjs v2", "\(grouped(s.v2Bytes)) vs \(grouped(y2)) B", s.v2Bytes <= y2)
        } else { mark("v2 size <= Yjs v2", "Yjs not run", nil) }
        // Not targets of the issue, but what they rest on.
        if let b = o.bytes {
            say("  v1 bytes identical to Yjs's:   \(b.v1Identical ? "yes" : "NO (\(b.detail))")")
        } else if let y = o.peers["yjs"] {
            say("  v1 size equal to Yjs's:        \(y.v1Bytes == s.v1Bytes ? "yes" : "NO") (bytes not compared)")
        }
        say("  final text = endContent:       \(allFinalOK ? "yes, every system, every run" : "NO")")
        let cores = ProcessInfo.processInfo.activeProcessorCount
        if let l = Double(loadAverage().split(separator: " ").first ?? ""), l > Double(cores) / 2 {
            say("  CAUTION: load average \(String(format: "%.1f", l)) on \(cores) cores. stet's runs last milliseconds and the min of")
            say("  several dodges interference; a Yjs or yrs run lasts seconds and cannot, so ratios against them are inflated.")
            say("  Compare with the quiet-machine anchors in shared/traces/README.md (Yjs 1.65-2.19 s, yrs 5.6 s on automerge-paper).")
        }
        emit(["kind": "targets", "trace": target, "targets": list, "v1_identical": o.bytes?.v1Identical ?? NSNull(), "all_final_ok": allFinalOK])
    } else {
        say("Targets of issue #2: not evaluated (they are about \(target), which this run did not replay)")
        emit(["kind": "note", "note": "targets of issue #2 not evaluated: \(target) was not replayed"])
    }
}
say()
say("load average at end \(loadAverage())")
exit(allFinalOK ? 0 : 1)
