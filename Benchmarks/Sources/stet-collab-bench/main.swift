import BenchSupport
import Foundation

#if canImport(Glibc)
import Glibc
#endif

// stet-collab-bench: collaboration latency, relay fan-out and initial sync. See
// Benchmarks/README.md, "Collaboration benchmark". Numbers and verdicts, exit 0 (2 on bad
// usage, 1 if a part could not run at all).

setvbuf(stdout, nil, _IOLBF, 0)
signal(SIGPIPE, SIG_IGN)

// `--relay-process`: part 2's control, the in-process relay (stet serve's relay without a
// store) alone in a child process. Prints where it listens, runs until SIGTERM.
if CommandLine.arguments.dropFirst().first == "--relay-process" {
    do {
        let relay = try InProcessRelay()
        print("stet-collab-bench relay: listening on ws://127.0.0.1:\(relay.port)/ROOM")
        fflush(stdout)
        signal(SIGTERM) { _ in _exit(0) }
        signal(SIGINT) { _ in _exit(0) }
        while true { sleep(60) }
    } catch {
        note("relay: \(error)")
        exit(1)
    }
}

struct Options {
    var stet: String?
    var parts: Set<String> = ["keys", "fanout", "sync"]
    var relays: Set<String> = ["inprocess", "serve"]
    var key = KeyOptions()
    var keyMB = 1.0
    var keyLines = 20_000
    var fan = FanOutOptions()
    var fanVariants = ["serve/full", "serve/lean", "tmpfs/lean", "nostore/lean"]
    var fanRounds = 1
    var syncMB = 10.0
    var syncLines = 200_000
    var syncRuns = 3
    var dir: String?
    var serveData: String?
    var keep = false
    var seed: UInt64 = 1
}

func usage() -> Never {
    note("""
        usage: stet-collab-bench [--stet PATH] [--only keys,fanout,sync] [--relay inprocess,serve|none]
                                 [--keys N] [--warmup N] [--gap MIN-MAX] [--key-mb X] [--key-lines N]
                                 [--clients N] [--rooms N] [--seconds S] [--interval MIN-MAX] [--no-awareness]
                                 [--fanout-variants serve/full,serve/lean,tmpfs/lean,nostore/lean] [--fanout-rounds N]
                                 [--client-threads N] [--sync-mb X] [--sync-lines N] [--sync-runs N]
                                 [--dir DIR] [--serve-data DIR] [--keep] [--seed N]
        """)
    exit(2)
}

func parseRange(_ s: String) -> (Double, Double)? {
    let p = s.split(separator: "-").compactMap { Double($0) }
    guard p.count == 2, p[0] >= 0, p[1] >= p[0] else { return nil }
    return (p[0], p[1])
}

var opts = Options()
do {
    var args = Array(CommandLine.arguments.dropFirst())
    func value() -> String {
        guard !args.isEmpty else { usage() }
        return args.removeFirst()
    }
    func int() -> Int {
        guard let n = Int(value()) else { usage() }
        return n
    }
    func double() -> Double {
        guard let x = Double(value()) else { usage() }
        return x
    }
    while !args.isEmpty {
        let a = args.removeFirst()
        switch a {
        case "--stet": opts.stet = value()
        case "--only": opts.parts = Set(value().split(separator: ",").map(String.init))
        case "--relay": opts.relays = Set(value().split(separator: ",").map(String.init).filter { $0 != "none" })
        case "--keys": opts.key.keys = int()
        case "--warmup": opts.key.warmup = int()
        case "--gap":
            guard let r = parseRange(value()) else { usage() }
            (opts.key.gapMinMs, opts.key.gapMaxMs) = r
        case "--key-mb": opts.keyMB = double()
        case "--key-lines": opts.keyLines = int()
        case "--clients": opts.fan.clients = int()
        case "--rooms": opts.fan.rooms = int()
        case "--seconds": opts.fan.seconds = double()
        case "--interval":
            guard let r = parseRange(value()) else { usage() }
            opts.fan.intervalMs = r
        case "--no-awareness": opts.fan.awareness = false
        case "--fanout-variants": opts.fanVariants = value().split(separator: ",").map(String.init)
        case "--fanout-rounds": opts.fanRounds = max(1, int())
        case "--client-threads": opts.fan.owners = max(1, int())
        case "--sync-mb": opts.syncMB = double()
        case "--sync-lines": opts.syncLines = int()
        case "--sync-runs": opts.syncRuns = max(1, int())
        case "--dir": opts.dir = value()
        case "--serve-data": opts.serveData = value()
        case "--keep": opts.keep = true
        case "--seed": opts.seed = UInt64(int())
        case "-h", "--help": usage()
        default:
            note("unknown option \(a)")
            usage()
        }
    }
    for p in opts.parts where !["keys", "fanout", "sync"].contains(p) { note("unknown part \(p)"); usage() }
    for m in opts.fanVariants where !["serve", "tmpfs", "nostore"].contains(String(m.split(separator: "/").first ?? "")) || !["full", "lean"].contains(String(m.split(separator: "/").last ?? "")) { note("unknown fan-out variant \(m)"); usage() }
    for r in opts.relays where !["inprocess", "serve"].contains(r) { note("unknown relay \(r)"); usage() }
    guard opts.fan.rooms > 0, opts.fan.clients >= opts.fan.rooms else { usage() }
}
opts.key.seed = opts.seed
opts.fan.seed = opts.seed

// The real binary: --stet, else the release builds of the repository.
let cwd = FileManager.default.currentDirectoryPath
let stetPath: String? = {
    if let s = opts.stet { return access(s, X_OK) == 0 ? s : nil }
    for c in [".build-release/release/stet", ".build/release/stet", "../.build-release/release/stet"] where access(c, X_OK) == 0 {
        return URL(fileURLWithPath: c, relativeTo: URL(fileURLWithPath: cwd + "/")).standardizedFileURL.path
    }
    return nil
}()
if let s = opts.stet, stetPath == nil {
    note("--stet \(s): not an executable")
    exit(2)
}
let stetHasServe: Bool = {
    guard let s = stetPath else { return false }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: s)
    p.arguments = ["serve", "--help"]
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = FileHandle.nullDevice
    do { try p.run() } catch { return false }
    let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    return p.terminationStatus == 0 && out.contains("--listen")
}()

let workDir = opts.dir ?? NSTemporaryDirectory().appending("stet-collab-bench-\(getpid())")
try? makeDirectory(workDir)
let workReal = URL(fileURLWithPath: workDir).resolvingSymlinksInPath().path

func gitHead() -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["git", "rev-parse", "--short", "HEAD"]
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = FileHandle.nullDevice
    guard (try? p.run()) != nil else { return "?" }
    p.waitUntilExit()
    return String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}

let loadStart = loadAverage() ?? "?"
print("stet-collab-bench: commit \(gitHead()), \(ProcessInfo.processInfo.activeProcessorCount) cores, load average \(loadStart) at start")
if let s = stetPath {
    let mtime = (try? FileManager.default.attributesOfItem(atPath: s)[.modificationDate] as? Date).flatMap { $0 }.map { "\($0)" } ?? "?"
    print("stet binary: \(s) (built \(mtime))\(stetHasServe ? "" : " — it has no `serve` command: rebuild it")")
} else {
    print("stet binary: not found (pass --stet PATH; build with `swift build -c release --scratch-path .build-release`)")
}
print("work folder: \(workReal) (\(fileSystemType(workReal)))")
if let d = opts.serveData { print("stet serve's --data: under \(d) (\(fileSystemType(URL(fileURLWithPath: d).resolvingSymlinksInPath().path)))") }

var relayTargets: [RelayTarget] = []
var inProcess: InProcessRelay?
var serveForKeys: ServerProcess?
var problems: [String] = []

func startServe(_ name: String, base: String? = nil) -> ServerProcess? {
    guard let s = stetPath, stetHasServe else { return nil }
    let base = base ?? opts.serveData.map { $0 + "/stet-collab-bench-\(getpid())" } ?? workReal
    do { return try ServerProcess.start(stet: s, dataDir: base + "/serve-\(name)") } catch {
        problems.append("cannot start stet serve: \(error)")
        note("cannot start stet serve: \(error)")
        return nil
    }
}

if opts.parts.contains("keys") || opts.parts.contains("sync") {
    if opts.relays.contains("serve") {
        if let s = startServe("ws") {
            serveForKeys = s
            relayTargets.append(RelayTarget(name: "WebSocket via stet serve (process)", url: { s.url(room: $0) }))
        } else {
            print("NOTE: no `stet serve` binary: WebSocket rows use the in-process relay only")
        }
    }
    if opts.relays.contains("inprocess") {
        do {
            let r = try InProcessRelay()
            inProcess = r
            relayTargets.append(RelayTarget(name: "WebSocket via in-process relay", url: { r.url(room: $0) }))
        } catch {
            problems.append("cannot start the in-process relay: \(error)")
        }
    }
}

let keyTarget = 5.0  // ms, p99

// MARK: - part 1

if opts.parts.contains("keys") {
    let bytes = TextGen.generate(lines: opts.keyLines, targetBytes: Int(opts.keyMB * 1_048_576), seed: opts.seed)
    let text = String(decoding: bytes, as: UTF8.self)
    opts.key.line = opts.keyLines / 2
    print("")
    print("1. (load average \(loadAverage() ?? "?")) Keystroke on A → updated frame on B (\(opts.key.keys) keys after \(opts.key.warmup) warm-up, a pause of \(Int(opts.key.gapMinMs))-\(Int(opts.key.gapMaxMs)) ms before each; document \(fmtMiB(bytes.count)), \(grouped(opts.keyLines)) lines, typing at line \(grouped(opts.key.line)))")
    var runs: [KeyRun] = []
    for (i, t) in relayTargets.enumerated() {
        note("part 1: \(t.name)")
        do { runs.append(try keystrokesOverWebSocket(target: t, room: "keys-\(i)", text: text, opts: opts.key)) } catch {
            problems.append("\(t.name): \(error)")
            print("  \(t.name): FAILED: \(error)")
        }
    }
    note("part 1: Unix socket")
    do { runs.append(try keystrokesOverUnixSocket(dir: workReal + "/keys", bytes: bytes, opts: opts.key)) } catch {
        problems.append("Unix socket: \(error)")
        print("  Unix socket: FAILED: \(error)")
    }
    var rows: [[String]] = []
    for r in runs {
        let s = Summary(r.total)
        let verdict = (s.p99 ?? .infinity) < keyTarget ? "MET" : "NOT MET"
        rows.append([r.name, "\(r.total.count)", fmtMs(s.p50), fmtMs(s.p90), fmtMs(s.p99), fmtMs(s.max),
                     "\(r.timeouts)", r.textsEqual ? "yes" : "NO", verdict])
    }
    printTable(["transport", "keys", "p50", "p90", "p99", "max", "lost", "A = B", "p99 < 5 ms"], rows)
    print("")
    print("  where the time goes (p50 / p99 of each stage, ms; stages are measured separately, so they do not add up exactly):")
    rows = []
    for r in runs {
        func c(_ xs: [Double]) -> String { "\(fmtMs(percentile(xs, 50))) / \(fmtMs(percentile(xs, 99)))" }
        rows.append([r.name, c(r.aHandle), c(r.toLoop), c(r.wake), c(r.apply), c(r.render)])
    }
    printTable(["transport", "A handle (sends)", "t0 → B's event loop", "→ B's thread awake", "B pump + afterInput", "B render + diff"], rows)
}

// MARK: - part 3 (before part 2, which loads the machine most)

if opts.parts.contains("sync") {
    let bytes = TextGen.generate(lines: opts.syncLines, targetBytes: Int(opts.syncMB * 1_048_576), seed: opts.seed &+ 1)
    let text = String(decoding: bytes, as: UTF8.self)
    print("")
    print("3. (load average \(loadAverage() ?? "?")) Initial sync of a \(fmtMiB(bytes.count)) document (\(grouped(bytes.count)) bytes, \(grouped(opts.syncLines)) lines, one insert as a first open makes it): a fresh client joins, \(opts.syncRuns) joins each; median (min), ms from creating the transport")
    var runs: [JoinRun] = []
    for (i, t) in relayTargets.enumerated() {
        note("part 3: \(t.name)")
        do { runs += try initialSyncOverWebSocket(target: t, room: "big-\(i)", text: text, runs: opts.syncRuns) } catch {
            problems.append("\(t.name): \(error)")
            print("  \(t.name): FAILED: \(error)")
        }
    }
    note("part 3: Unix socket")
    do { runs += try initialSyncOverUnixSocket(dir: workReal + "/sync", bytes: bytes, runs: opts.syncRuns) } catch {
        problems.append("Unix socket: \(error)")
        print("  Unix socket: FAILED: \(error)")
    }
    func c(_ xs: [Double]) -> String { xs.isEmpty ? "–" : "\(fmtMs(median(xs))) (\(fmtMs(xs.min())))" }
    var rows: [[String]] = []
    for r in runs {
        rows.append([r.name, r.step2Bytes > 0 ? fmtMiB(r.step2Bytes) : "–", c(r.opened), c(r.step2), c(r.applied), c(r.frame),
                     r.failures.isEmpty ? "\(r.applied.count) ok" : "\(r.failures.count) FAILED"])
        for f in r.failures { print("    \(r.name): \(f)") }
    }
    printTable(["client", "step 2", "opened", "step 2 received", "step 2 applied", "first frame", "joins"], rows)
    print("  no target was set for the initial sync; the numbers are for reading")
}

// The WebSocket relays of parts 1 and 3 are done.
inProcess?.stop()
if let s = serveForKeys {
    s.stop()
    let log = s.log.split(separator: "\n").filter { !$0.contains("listening") }
    if !log.isEmpty { print("  stet serve (parts 1/3) said: \(log.prefix(5).joined(separator: " | "))") }
}

// MARK: - part 2

if opts.parts.contains("fanout") {
    let f = opts.fan
    print("")
    print("2. (load average \(loadAverage() ?? "?")) stet serve fan-out: \(f.clients) clients in \(f.rooms) rooms, each typing one character every \(Int(f.intervalMs.0))-\(Int(f.intervalMs.1)) ms\(f.awareness ? " and publishing its cursor (awareness) after it" : "") for \(f.seconds) s; the clients run in this process on \(f.owners) owner threads (Doc + SyncHub each); a fresh server per mode")
    print("   serve = the real `stet serve` (rooms kept in its --data log on \(fileSystemType(workReal)), fdatasync of each dirty room after each pump); tmpfs = the same with --data on /dev/shm (fdatasync costs nothing); nostore = the relay code of stet serve without a store, alone in a child process of this benchmark (the control)")
    print("   full clients apply everything they receive (documents converge); lean clients, once typing starts, only stamp and match what they receive (less client CPU on this 2-core machine; the server's work is the same)")
    var results: [(String, FanOutResult)] = []
    let selfPath = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path
    for round in 0..<opts.fanRounds {
        for variant in opts.fanVariants {
            let parts = variant.split(separator: "/")
            let (relay, mode) = (String(parts[0]), String(parts[1]))
            let tag = "\(variant)\(opts.fanRounds > 1 ? " #\(round + 1)" : "")"
            let server: ServerProcess?
            if relay == "serve" {
                server = startServe("fanout-\(round)-\(mode)")
            } else if relay == "tmpfs" {
                server = startServe("fanout-\(round)-\(mode)", base: "/dev/shm/stet-collab-bench-\(getpid())")
            } else {
                let dir = workReal + "/relay-\(round)-\(mode)"
                server = try? ServerProcess.start(args: [selfPath, "--relay-process"], dataDir: dir)
            }
            guard let server else {
                print("  \(tag): SKIPPED: \(relay == "serve" ? "needs the real `stet serve` (--stet PATH)" : "the relay process did not start")")
                problems.append("fan-out \(tag) skipped")
                continue
            }
            note("part 2: \(tag), \(f.clients) clients")
            var fm = f
            fm.lean = mode == "lean"
            do {
                let r = try fanOut(server: server, opts: fm)
                server.stop()
                results.append((tag, r))
                let log = server.log.split(separator: "\n").filter { !$0.contains("listening") }
                if !log.isEmpty { print("  server (\(tag)) said: \(log.prefix(5).joined(separator: " | "))") }
            } catch {
                server.stop()
                problems.append("fan-out (\(tag)): \(error)")
                print("  \(tag): FAILED: \(error)")
            }
            sleepMs(2000)
        }
    }
    if !results.isEmpty {
        func row(_ label: String, _ f: (FanOutResult) -> String) -> [String] { [label] + results.map { f($0.1) } }
        func cpu(_ x: Double?, _ wall: Double) -> String { x.map { String(format: "%.2f s = %.0f%%", $0, 100 * $0 / wall) } ?? "?" }
        var rows: [[String]] = [
            row("updates sent (per second)") { "\(grouped($0.sent)) (\(grouped(Int(Double($0.sent) / $0.typingWall))))" },
            row("receipts at the room's other clients") { "\(grouped($0.receipts)) of \(grouped($0.expected))\($0.unmatched > 0 ? " +\($0.unmatched)?" : "")" },
            row("fan-out latency p50") { fmtMs(Summary($0.latencies).p50) },
            row("fan-out latency p90") { fmtMs(Summary($0.latencies).p90) },
            row("fan-out latency p99") { fmtMs(Summary($0.latencies).p99) },
            row("fan-out latency max") { fmtMs(Summary($0.latencies).max) },
            row("server process CPU (of one core)") { cpu($0.serverCPU, $0.typingWall) },
        ]
        let serverKinds = Set(results.flatMap { $0.1.serverThreads.keys }).sorted()
        func used(_ k: String, _ m: KeyPath<FanOutResult, [String: Double]>) -> Bool { results.contains { ($0.1[keyPath: m][k] ?? 0) >= 0.01 } }
        for k in serverKinds where used(k, \.serverThreads) { rows.append(row("  \(k)") { cpu($0.serverThreads[k] ?? 0, $0.typingWall) }) }
        rows.append(row("clients' process CPU (of one core)") { cpu($0.benchCPU, $0.typingWall) })
        let benchKinds = Set(results.flatMap { $0.1.benchThreads.keys }).sorted()
        for k in benchKinds where used(k, \.benchThreads) { rows.append(row("  \(k)") { cpu($0.benchThreads[k] ?? 0, $0.typingWall) }) }
        rows += [
            row("typing window") { String(format: "%.2f s", $0.typingWall) },
            row("server RSS after / peak") { "\($0.serverRSS.map(fmtMiB) ?? "?") / \($0.serverHWM.map(fmtMiB) ?? "?")" },
            row("connect + first sync of all clients") { fmtMs($0.connectMs) },
            row("rooms whose clients converged") { $0.opts.lean ? "not checked" : "\($0.roomsConverged) of \($0.opts.rooms)" },
        ]
        printTable(["relay / clients"] + results.map(\.0), rows)
        for (m, r) in results { for e in Set(r.errors) { print("  ERROR (\(m)): \(e)") } }
        print("  no target was set for fan-out (the keystroke target, p99 < 5 ms, is the reference for what a person notices)")
    }
}

print("")
print("load average at end: \(loadAverage() ?? "?") (start: \(loadStart)); \(ProcessInfo.processInfo.activeProcessorCount) cores")
print("NOTE: A, B, the relay and the clients share this machine's \(ProcessInfo.processInfo.activeProcessorCount) cores with each other (and with other work when the load average printed before each part is high): the tails (p99, max) include waiting for a core; part 2 itself keeps about 1.5 cores busy")
for p in problems { print("PROBLEM: \(p)") }
if !opts.keep && opts.dir == nil { removeTree(workReal) } else { print("kept \(workReal)") }
if let d = opts.serveData, !opts.keep { removeTree(d + "/stet-collab-bench-\(getpid())") }
removeTree("/dev/shm/stet-collab-bench-\(getpid())")
exit(0)
