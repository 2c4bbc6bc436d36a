import Foundation

/// The repository root, found from this source file (Benchmarks/Sources/stet-bench/Peers.swift),
/// so that peers are found whatever the working directory.
let repoRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let benchmarksDir = repoRoot.appendingPathComponent("Benchmarks")

/// One line of a peer program's output (Benchmarks/peers/README.md), or stet's own result in
/// the same shape.
struct PeerResult {
    var system: String
    var version: String
    var trace: String
    var ops: Int
    var replayMs: [Double]
    var v1Bytes: Int?
    var v2Bytes: Int?
    var loadMs: [Double]
    var loadReadMs: [Double]
    var finalOK: Bool
    var raw: [String: Any]

    init?(json: [String: Any]) {
        guard let system = json["system"] as? String, let trace = json["trace"] as? String else { return nil }
        func nums(_ k: String) -> [Double] { (json[k] as? [Any] ?? []).compactMap { ($0 as? NSNumber)?.doubleValue } }
        self.system = system
        self.version = json["version"] as? String ?? "?"
        self.trace = trace
        self.ops = (json["ops"] as? NSNumber)?.intValue ?? 0
        self.replayMs = nums("replay_ms")
        self.v1Bytes = (json["encode_v1_bytes"] as? NSNumber)?.intValue
        self.v2Bytes = (json["encode_v2_bytes"] as? NSNumber)?.intValue
        self.loadMs = nums("load_ms")
        self.loadReadMs = nums("load_read_ms")
        self.finalOK = json["final_ok"] as? Bool ?? false
        self.raw = json
    }
}

/// A system stet is compared with, and how to run its program.
struct Peer {
    var id: String            // "yjs", "yrs", "loro": the peers' `system` field
    var display: String       // "Yjs", "yrs", "Loro"
    var defaultRuns: Int
    var executable: String? = nil
    var arguments: [String] = []
    var environment: [String: String]? = nil
    /// Why this peer is not run (runtime or library missing); printed, never silent.
    var skipReason: String? = nil
}

/// Result of running a subprocess to completion.
struct ProcessOutput {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs `executable` with `arguments` and waits for it. stdout through a pipe, stderr through
/// a temporary file (so neither can fill up and block the child).
func runProcess(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) -> ProcessOutput {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    if let e = environment { p.environment = e }
    let out = Pipe()
    p.standardOutput = out
    let errURL = FileManager.default.temporaryDirectory.appendingPathComponent("stet-bench-\(getpid())-\(UUID().uuidString).err")
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: errURL) }
    guard let errHandle = try? FileHandle(forWritingTo: errURL) else {
        return ProcessOutput(status: -1, stdout: "", stderr: "cannot create a temporary file")
    }
    p.standardError = errHandle
    do { try p.run() } catch {
        return ProcessOutput(status: -1, stdout: "", stderr: "cannot start \(executable): \(error)")
    }
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    try? errHandle.close()
    let err = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
    return ProcessOutput(status: p.terminationStatus, stdout: String(decoding: data, as: UTF8.self), stderr: err)
}

/// The first executable called `name` on PATH.
func findOnPath(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    for dir in path.split(separator: ":") {
        let candidate = "\(dir)/\(name)"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
}

/// Node's environment for the Yjs programs: Debian's node-yjs lives in /usr/share/nodejs,
/// which Node only searches when it is on NODE_PATH.
func nodeEnvironment() -> [String: String] {
    var env = ProcessInfo.processInfo.environment
    let cur = env["NODE_PATH"] ?? ""
    if !cur.split(separator: ":").contains("/usr/share/nodejs") {
        env["NODE_PATH"] = cur.isEmpty ? "/usr/share/nodejs" : cur + ":/usr/share/nodejs"
    }
    return env
}

func lastLines(_ s: String, _ n: Int = 6) -> String {
    s.split(separator: "\n", omittingEmptySubsequences: true).suffix(n).joined(separator: "\n    ")
}

/// Finds the peers' runtimes and libraries once, before any timing. A peer that cannot run
/// gets a `skipReason`.
func discoverPeers(wanted: [String], nodeOverride: String?, pythonOverride: String?) -> [Peer] {
    let peersDir = benchmarksDir.appendingPathComponent("peers").path
    var peers: [Peer] = []
    let nodeEnv = nodeEnvironment()
    if wanted.contains("yjs") {
        var p = Peer(id: "yjs", display: "Yjs", defaultRuns: 3)
        let script = "\(peersDir)/yjs_replay.cjs"
        if let node = nodeOverride ?? findOnPath("node") ?? findOnPath("nodejs") {
            let check = runProcess(node, ["-e", "require.resolve('yjs')"], environment: nodeEnv)
            if !FileManager.default.isExecutableFile(atPath: node) {
                p.skipReason = "no Node at \(node)"
            } else if !FileManager.default.fileExists(atPath: script) {
                p.skipReason = "\(script) not found"
            } else if check.status != 0 {
                p.skipReason = "Node (\(node)) cannot find the yjs package on NODE_PATH=\(nodeEnv["NODE_PATH"] ?? "") (Debian: apt install node-yjs)"
            } else {
                p.executable = node
                // --expose-gc: yjs_replay.cjs collects garbage between runs when it can.
                p.arguments = ["--expose-gc", script]
                p.environment = nodeEnv
            }
        } else {
            p.skipReason = "no `node` on PATH (Debian: apt install nodejs node-yjs)"
        }
        peers.append(p)
    }
    let python = pythonOverride ?? repoRoot.appendingPathComponent(".venv/bin/python").path
    let pythonOK = FileManager.default.isExecutableFile(atPath: python)
    for (id, display, module, script, runs) in [("yrs", "yrs", "pycrdt", "pycrdt_replay.py", 2), ("loro", "Loro", "loro", "loro_replay.py", 3)]
    where wanted.contains(id) {
        var p = Peer(id: id, display: display, defaultRuns: runs)
        if !pythonOK {
            p.skipReason = "no Python at \(python) (scripts/test creates .venv with pycrdt and loro; or pass --python PATH)"
        } else if runProcess(python, ["-c", "import \(module)"]).status != 0 {
            p.skipReason = "\(python) cannot import \(module) (scripts/test installs it into .venv)"
        } else {
            p.executable = python
            p.arguments = ["\(peersDir)/\(script)"]
        }
        peers.append(p)
    }
    return peers
}

/// Runs one peer on one trace. Returns its result, or a note saying why there is none.
func runPeer(_ peer: Peer, traces: String, trace: String, runs: Int) -> (PeerResult?, String?) {
    guard let exe = peer.executable else { return (nil, "\(peer.display) skipped: \(peer.skipReason ?? "not available")") }
    let out = runProcess(exe, peer.arguments + ["--traces", traces, "--runs", String(runs), "--only", trace], environment: peer.environment)
    var result: PeerResult? = nil
    for line in out.stdout.split(separator: "\n") {
        guard let data = line.data(using: .utf8),
              let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let r = PeerResult(json: obj), r.trace == trace
        else { continue }
        result = r
    }
    if let r = result {
        return (r, out.status == 0 ? nil : "\(peer.display) exited with status \(out.status)\(r.finalOK ? "" : " (its final text differs from endContent)")")
    }
    let why = out.stderr.isEmpty ? "no output" : lastLines(out.stderr)
    return (nil, "\(peer.display) failed (status \(out.status)): \(why)")
}

/// Byte-for-byte comparison of our encoded updates with Yjs's (Benchmarks/compare_bytes.cjs).
struct ByteCheck {
    var v1Identical: Bool
    var v2Identical: Bool?
    var detail: String
    var raw: [String: Any]
}

/// Replays `trace` in Yjs with compare_bytes.cjs and compares its v1/v2 bytes with the files
/// stet-bench wrote to `dumpDir`.
func runByteCheck(node: Peer, traces: String, dumpDir: String, trace: String) -> (ByteCheck?, String?) {
    guard let exe = node.executable else { return (nil, "byte check skipped: \(node.skipReason ?? "Node not available")") }
    let script = benchmarksDir.appendingPathComponent("compare_bytes.cjs").path
    let out = runProcess(exe, [script, "--traces", traces, "--dump", dumpDir, "--only", trace], environment: node.environment)
    for line in out.stdout.split(separator: "\n") {
        guard let data = line.data(using: .utf8),
              let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              obj["trace"] as? String == trace, let v1 = obj["v1_identical"] as? Bool
        else { continue }
        return (ByteCheck(v1Identical: v1, v2Identical: obj["v2_identical"] as? Bool, detail: obj["detail"] as? String ?? "", raw: obj), nil)
    }
    return (nil, "byte check failed (status \(out.status)): \(out.stderr.isEmpty ? "no output" : lastLines(out.stderr))")
}
