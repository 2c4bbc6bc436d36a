import Foundation

#if canImport(Glibc)
import Glibc
#endif

// Helpers the benchmark executables share: tables, formatting, percentiles, files.

/// `s` padded with blanks to `n` characters (on the left when `right`).
public func pad(_ s: String, _ n: Int, right: Bool = false) -> String {
    let w = s.count
    if w >= n { return s }
    let fill = String(repeating: " ", count: n - w)
    return right ? fill + s : s + fill
}

/// Prints a table with a header row; the first column is left-aligned, the others right.
public func printTable(_ header: [String], _ rows: [[String]]) {
    var widths = header.map(\.count)
    for r in rows { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
    func line(_ cells: [String]) -> String {
        cells.enumerated().map { i, c in pad(c, widths[i], right: i > 0) }.joined(separator: "  ")
    }
    print("  " + line(header))
    print("  " + widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
    for r in rows { print("  " + line(r)) }
}

/// Progress, on standard error.
public func note(_ s: String) {
    FileHandle.standardError.write((s + "\n").data(using: .utf8)!)
}

/// `n` with thousands separators ("1,234").
public func grouped(_ n: Int) -> String {
    let s = String(abs(n))
    var out = ""
    for (i, c) in s.enumerated() {
        if i > 0 && (s.count - i) % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return (n < 0 ? "-" : "") + out
}

/// Bytes as MiB with one decimal.
public func fmtMiB(_ bytes: Int) -> String { String(format: "%.1f MiB", Double(bytes) / 1_048_576) }

/// The 1, 5 and 15 minute load averages, from /proc/loadavg.
public func loadAverage() -> String? {
    (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)).map { $0.split(separator: " ").prefix(3).joined(separator: " ") }
}

/// Creates `path` and its parents.
public func makeDirectory(_ path: String) throws {
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
}

/// Removes `path` and everything under it, if it exists.
public func removeTree(_ path: String) { try? FileManager.default.removeItem(atPath: path) }

/// Writes `bytes` to `path` (replacing it).
public func writeFile(_ path: String, _ bytes: [UInt8]) throws {
    let ok = FileManager.default.createFile(atPath: path, contents: Data(bytes))
    if !ok { throw BenchError("cannot write \(path)") }
}

/// A benchmark setup failure, with words for the report.
public struct BenchError: Error, CustomStringConvertible {
    public var description: String
    public init(_ s: String) { description = s }
}

/// The `p`th percentile (nearest rank) of `xs`, nil when empty.
public func percentile(_ xs: [Double], _ p: Double) -> Double? {
    guard !xs.isEmpty else { return nil }
    let s = xs.sorted()
    let rank = Int((p / 100 * Double(s.count)).rounded(.up))
    return s[min(max(rank - 1, 0), s.count - 1)]
}
