import Foundation

/// One patch of a sequential trace: delete `del` characters at `pos`, then insert `ins` there.
struct Patch {
    var pos: Int
    var del: Int
    var ins: String
}

/// A sequential editing trace (josephg/editing-traces format, see shared/traces/README.md):
/// `{startContent, endContent, txns: [{time, patches: [[pos, delCount, insText], ...]}]}`.
struct Trace {
    var name: String
    var startContent: String
    var endContent: String
    /// Every patch in order; positions and counts in Unicode scalars.
    var patches: [Patch]
    var transactions: Int
    /// Whether any text has a scalar above U+FFFF. Then scalar positions differ from UTF-16
    /// offsets (YText's unit) and the replay uses the slower scalar API. No shipped trace does.
    var hasAstral: Bool

    /// The `*.json.gz` files of `folder`, or of its `sequential/` subfolder if it has one
    /// (the same rule as the peer programs), sorted by name.
    static func files(in folder: String) throws -> (dir: URL, names: [String]) {
        var dir = URL(fileURLWithPath: folder)
        var isDir: ObjCBool = false
        let seq = dir.appendingPathComponent("sequential")
        if FileManager.default.fileExists(atPath: seq.path, isDirectory: &isDir), isDir.boolValue { dir = seq }
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path)
            .filter { $0.hasSuffix(".json.gz") || $0.hasSuffix(".json") }
            .sorted()
        return (dir, names)
    }

    /// A trace's name: its file name without `.json.gz` / `.json`.
    static func name(of file: String) -> String {
        if file.hasSuffix(".json.gz") { return String(file.dropLast(8)) }
        if file.hasSuffix(".json") { return String(file.dropLast(5)) }
        return file
    }

    static func load(_ url: URL) throws -> Trace {
        let name = Trace.name(of: url.lastPathComponent)
        if url.pathExtension == "json" { return try parse(Data(contentsOf: url), name: name) }
        // Foundation on Linux has no gzip decoder; gzip(1) is everywhere.
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["gzip", "-dc", url.path]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw BenchError("gzip -dc failed on \(url.path)") }
        return try parse(data, name: name)
    }

    static func parse(_ data: Data, name: String) throws -> Trace {
        guard let obj = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let end = obj["endContent"] as? String,
              let txns = obj["txns"] as? [[String: Any]]
        else { throw BenchError("\(name): not a sequential trace (needs endContent and txns)") }
        if obj["kind"] as? String == "concurrent" { throw BenchError("\(name): a concurrent trace; stet-bench replays sequential ones") }
        let start = obj["startContent"] as? String ?? ""
        var patches: [Patch] = []
        patches.reserveCapacity(txns.count)
        var astral = start.unicodeScalars.contains { $0.value > 0xFFFF } || end.unicodeScalars.contains { $0.value > 0xFFFF }
        for t in txns {
            guard let ps = t["patches"] as? [[Any]] else { throw BenchError("\(name): a txn without patches") }
            for p in ps {
                guard p.count == 3, let pos = (p[0] as? NSNumber)?.intValue, let del = (p[1] as? NSNumber)?.intValue,
                      let ins = p[2] as? String
                else { throw BenchError("\(name): malformed patch \(p)") }
                if !astral, ins.unicodeScalars.contains(where: { $0.value > 0xFFFF }) { astral = true }
                patches.append(Patch(pos: pos, del: del, ins: ins))
            }
        }
        return Trace(name: name, startContent: start, endContent: end, patches: patches, transactions: txns.count, hasAstral: astral)
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
