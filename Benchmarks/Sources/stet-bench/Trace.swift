import Foundation

/// A sequential editing trace (josephg/editing-traces format).
struct Trace {
    var name: String
    var startContent: String
    var endContent: String
    /// (position, delete count, inserted text); positions in Unicode scalars (= UTF-16 here).
    var patches: [(Int, Int, String)]
    var transactions: Int

    static func load(_ url: URL) throws -> Trace {
        if url.pathExtension == "json" { return try parse(Data(contentsOf: url), name: url.deletingPathExtension().lastPathComponent) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/gzip")
        p.arguments = ["-dc", url.path]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw NSError(domain: "stet-bench", code: 1, userInfo: [NSLocalizedDescriptionKey: "gzip failed on \(url.path)"]) }
        return try parse(data, name: url.deletingPathExtension().deletingPathExtension().lastPathComponent)
    }

    static func parse(_ data: Data, name: String) throws -> Trace {
        let obj = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        var patches: [(Int, Int, String)] = []
        let txns = obj["txns"] as! [[String: Any]]
        for t in txns {
            for p in t["patches"] as! [[Any]] {
                patches.append(((p[0] as! NSNumber).intValue, (p[1] as! NSNumber).intValue, p[2] as! String))
            }
        }
        return Trace(name: name, startContent: obj["startContent"] as? String ?? "", endContent: obj["endContent"] as! String,
                     patches: patches, transactions: txns.count)
    }
}
