import Foundation

// MARK: - numbers

func minimum(_ xs: [Double]) -> Double? { xs.min() }
func median(_ xs: [Double]) -> Double? {
    guard !xs.isEmpty else { return nil }
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// Milliseconds with about three significant digits.
func fmtMs(_ x: Double?) -> String {
    guard let x else { return "–" }
    if x < 1 { return String(format: "%.3f ms", x) }
    if x < 10 { return String(format: "%.2f ms", x) }
    if x < 100 { return String(format: "%.1f ms", x) }
    return grouped(Int(x.rounded())) + " ms"
}

/// 1234567 -> "1,234,567".
func grouped(_ n: Int) -> String {
    let s = String(abs(n))
    var out = ""
    for (i, c) in s.enumerated() {
        if i > 0 && (s.count - i) % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return (n < 0 ? "-" : "") + out
}

func fmtBytes(_ n: Int?) -> String { n.map(grouped) ?? "–" }

/// Bytes as MB (10^6) with one decimal, signed.
func fmtMB(_ n: Int) -> String { String(format: "%+.1f MB", Double(n) / 1e6) }

/// A ratio with two or three significant digits: 1.43, 25.3, 108.
func fmtRatio(_ r: Double) -> String {
    if r >= 100 { return String(format: "%.0f", r) }
    if r >= 10 { return String(format: "%.1f", r) }
    return String(format: "%.2f", r)
}

/// "25.3x faster" / "1.40x slower": how stet's time compares with the peer's time.
func speed(stet: Double?, peer: Double?) -> String {
    guard let s = stet, let p = peer, s > 0, p > 0 else { return "n/a" }
    return p >= s ? "\(fmtRatio(p / s))x faster" : "\(fmtRatio(s / p))x slower"
}

func orNull(_ x: Double?) -> Any { x.map { $0 as Any } ?? NSNull() }
func ratio(_ a: Int, _ b: Int?) -> Double? { b.flatMap { $0 > 0 ? Double(a) / Double($0) : nil } }

func speedup(stet: Double?, peer: Double?) -> Double? {
    guard let s = stet, let p = peer, s > 0, p > 0 else { return nil }
    return p / s
}

/// "0.97x (3.0% smaller)": stet's size over the peer's size.
func sizeRatio(stet: Int, peer: Int?) -> String {
    guard let p = peer, p > 0 else { return "n/a" }
    if stet == p { return "equal" }
    let r = Double(stet) / Double(p)
    return String(format: "%.3fx, %.1f%% %@", r, abs(r - 1) * 100, r < 1 ? "smaller" : "larger")
}

func pad(_ s: String, _ w: Int, right: Bool = true) -> String {
    let n = s.count
    if n >= w { return s }
    let sp = String(repeating: " ", count: w - n)
    return right ? sp + s : s + sp
}

// MARK: - JSON lines

/// One JSON line, keys sorted (reproducible).
func jsonLine(_ obj: [String: Any]) -> String {
    guard let d = try? JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys, .withoutEscapingSlashes]) else { return "{}" }
    return String(decoding: d, as: UTF8.self)
}

func rounded3(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }

func stetJSON(_ r: StetResult, version: String) -> [String: Any] {
    var o: [String: Any] = [
        "kind": "result", "system": "stet", "version": version, "trace": r.trace,
        "ops": r.ops, "transactions": r.transactions,
        "replay_ms": r.replayMs.map(rounded3),
        "replay_min_ms": rounded3(r.replayMs.min() ?? 0), "replay_median_ms": rounded3(median(r.replayMs) ?? 0),
        "ns_per_op": rounded3(r.nsPerOp),
        "encode_v1_bytes": r.v1Bytes, "encode_v2_bytes": r.v2Bytes,
        "encode_v1_ms": rounded3(r.encodeV1Ms), "encode_v2_ms": rounded3(r.encodeV2Ms),
        "encoded_items": r.encodedItems,
        "load_ms": r.loadMs.map(rounded3), "load_read_ms": r.loadReadMs.map(rounded3),
        "load_min_ms": rounded3(r.loadMs.min() ?? 0), "load_median_ms": rounded3(median(r.loadMs) ?? 0),
        "rss_replay_bytes": r.memory.replayRSS, "rss_load_bytes": r.memory.loadRSS,
        "rss_replay_bytes_per_op": rounded3(Double(r.memory.replayRSS) / Double(max(r.ops, 1))),
        "rss_replay_bytes_per_item": rounded3(Double(r.memory.replayRSS) / Double(max(r.encodedItems, 1))),
        "final_ok": r.finalOK,
    ]
    o["malloc_replay_bytes"] = r.memory.replayMalloc ?? NSNull()
    o["malloc_load_bytes"] = r.memory.loadMalloc ?? NSNull()
    return o
}

// MARK: - human tables

struct Row {
    var system: String
    var replayMin: Double?
    var replayMedian: Double?
    var nsPerOp: Double?
    var loadMin: Double?
    var loadMedian: Double?
    var loadReadMin: Double?
    var v1: String
    var v2: String
    var final: String
}

let columns: [(String, Int)] = [
    ("system", 22), ("replay min", 11), ("median", 10), ("ns/op", 8), ("load min", 10), ("median", 10),
    ("load+read", 10), ("v1 B", 16), ("v2 B", 9), ("final", 6),
]

func header() -> String {
    columns.enumerated().map { i, c in pad(c.0, c.1, right: i != 0) }.joined(separator: " ")
}

func render(_ r: Row) -> String {
    let cells = [
        r.system, fmtMs(r.replayMin), fmtMs(r.replayMedian), r.nsPerOp.map { grouped(Int($0.rounded())) } ?? "–",
        fmtMs(r.loadMin), fmtMs(r.loadMedian), fmtMs(r.loadReadMin), r.v1, r.v2, r.final,
    ]
    return zip(cells, columns).enumerated().map { i, p in pad(p.0, p.1.1, right: i != 0) }.joined(separator: " ")
}

func row(_ r: StetResult) -> Row {
    Row(system: "stet", replayMin: r.replayMs.min(), replayMedian: median(r.replayMs), nsPerOp: r.nsPerOp,
        loadMin: r.loadMs.min(), loadMedian: median(r.loadMs), loadReadMin: r.loadReadMs.min(),
        v1: grouped(r.v1Bytes), v2: grouped(r.v2Bytes), final: r.finalOK ? "ok" : "WRONG")
}

func row(_ p: PeerResult, display: String) -> Row {
    let version = p.version.replacingOccurrences(of: "pycrdt ", with: "pycrdt ").replacingOccurrences(of: "loro ", with: "")
    let name = p.system == "yrs" ? "yrs (\(version))" : "\(display) \(version)"
    let replayMin = p.replayMs.min()
    let v1 = p.system == "loro" ? "\(fmtBytes(p.v1Bytes)) snapshot" : fmtBytes(p.v1Bytes)
    return Row(system: name, replayMin: replayMin, replayMedian: median(p.replayMs),
               nsPerOp: replayMin.map { $0 * 1e6 / Double(max(p.ops, 1)) },
               loadMin: p.loadMs.min(), loadMedian: median(p.loadMs), loadReadMin: p.loadReadMs.min(),
               v1: v1, v2: fmtBytes(p.v2Bytes), final: p.finalOK ? "ok" : "WRONG")
}
