import Foundation
import XCTest
import StetCRDT

/// Runs the built `stet` executable as a subprocess (an executable target cannot be linked
/// into a test bundle reliably on every platform, and the real binary is what users run).
enum CLI {
    struct Result {
        var status: Int32
        var signaled: Bool
        var stdout: [UInt8]
        var stderr: String
        var out: String { String(decoding: stdout, as: UTF8.self) }
    }

    /// The `stet` binary: `$STET_BINARY`, else next to the test bundle (SwiftPM puts every
    /// product of a build in one directory), else `.build/debug/stet` of this package.
    static let binary: URL? = {
        let fm = FileManager.default
        func usable(_ u: URL) -> Bool {
            var dir: ObjCBool = false
            return fm.fileExists(atPath: u.path, isDirectory: &dir) && !dir.boolValue && fm.isExecutableFile(atPath: u.path)
        }
        if let p = ProcessInfo.processInfo.environment["STET_BINARY"], !p.isEmpty {
            return URL(fileURLWithPath: p)
        }
        var dirs: [URL] = []
        for b in Bundle.allBundles where b.bundlePath.hasSuffix(".xctest") {
            dirs.append(b.bundleURL.deletingLastPathComponent())   // macOS: .build/debug/XPackageTests.xctest
        }
        dirs.append(Bundle.main.bundleURL)                            // Linux: the directory of the test executable
        if let exe = Bundle.main.executableURL { dirs.append(exe.deletingLastPathComponent()) }
        dirs.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
        for d in dirs {
            let c = d.appendingPathComponent("stet")
            if usable(c) { return c }
        }
        let root = packageRoot
        for c in [".build/debug/stet", ".build-cli/debug/stet"].map({ root.appendingPathComponent($0) }) where usable(c) {
            return c
        }
        return nil
    }()

    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// Runs `stet args…` with `stdin` as standard input (empty when nil).
    static func run(_ args: [String], stdin: [UInt8] = [], file: StaticString = #filePath, line: UInt = #line) throws -> Result {
        guard let binary else {
            XCTFail("stet binary not found next to the tests; build it (swift build) or set STET_BINARY", file: file, line: line)
            throw CocoaError(.fileNoSuchFile)
        }
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("stet-cli-run-\(UUID().uuidString)")
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: dir) }
        let inURL = dir.appendingPathComponent("stdin"), outURL = dir.appendingPathComponent("stdout"), errURL = dir.appendingPathComponent("stderr")
        try Data(stdin).write(to: inURL)
        let (status, signaled) = try spawn(binary.path, args, stdin: inURL.path, stdout: outURL.path, stderr: errURL.path)
        return Result(status: status, signaled: signaled,
                      stdout: Array(try Data(contentsOf: outURL)),
                      stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }
}

/// posix_spawn with the three standard streams redirected to files: about half the cost of
/// Foundation's Process on Linux, which matters over the ~1500 runs of this suite.
private func spawn(_ path: String, _ args: [String], stdin: String, stdout: String, stderr: String) throws -> (Int32, Bool) {
    #if os(Linux)
    var fa = posix_spawn_file_actions_t()
    #else
    var fa: posix_spawn_file_actions_t? = nil
    #endif
    posix_spawn_file_actions_init(&fa)
    defer { posix_spawn_file_actions_destroy(&fa) }
    posix_spawn_file_actions_addopen(&fa, 0, stdin, O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&fa, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_addopen(&fa, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    let argv: [UnsafeMutablePointer<CChar>?] = ([path] + args).map { strdup($0) } + [nil]
    defer { for a in argv { free(a) } }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, path, &fa, nil, argv, environ)
    guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EIO) }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 {
        guard errno == EINTR else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }
    let signal = status & 0x7F
    return signal == 0 ? ((status >> 8) & 0xFF, false) : (128 + signal, true)
}

/// The Yjs conformance vectors of the CRDT tests (read in place: they belong to StetCRDTTests).
enum CLIVectors {
    static var directory: URL {
        CLI.packageRoot.appendingPathComponent("Tests/StetCRDTTests/Vectors")
    }

    static func all() throws -> [(name: String, json: [String: Any])] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".json") && $0 != "index.json" }.sorted()
        return try names.map { ($0.replacingOccurrences(of: ".json", with: ""), try load(String($0.dropLast(5)))) }
    }

    static func load(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: directory.appendingPathComponent(name + ".json"))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }
}

func bytes(_ hex: Any?) -> [UInt8] {
    guard let s = hex as? String, let b = bytesFromHex(s) else { fatalError("bad hex in vector: \(String(describing: hex))") }
    return b
}

/// A scratch directory for one test.
final class Scratch {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("stet-cli-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    @discardableResult
    func write(_ name: String, _ data: [UInt8]) throws -> String {
        try Data(data).write(to: url.appendingPathComponent(name))
        return path(name)
    }

    func read(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: url.appendingPathComponent(name))) }
}

/// Exit status 1, exactly one line on stderr (with `mustContain`), nothing on stdout, no crash.
func XCTAssertOneLineError(_ r: CLI.Result, _ mustContain: [String] = [], _ message: String = "",
                           file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertFalse(r.signaled, "killed by a signal: \(r.stderr) \(message)", file: file, line: line)
    XCTAssertEqual(r.status, 1, "exit status; stderr: \(r.stderr) \(message)", file: file, line: line)
    XCTAssertTrue(r.stderr.hasSuffix("\n") && r.stderr.dropLast().firstIndex(of: "\n") == nil,
                  "not one line: \(r.stderr.debugDescription) \(message)", file: file, line: line)
    for bad in ["Fatal error", "backtrace", "Backtrace", "Stack dump", "Crash", "Illegal instruction"] {
        XCTAssertFalse(r.stderr.contains(bad), "looks like a crash: \(r.stderr) \(message)", file: file, line: line)
    }
    for s in mustContain {
        XCTAssertTrue(r.stderr.contains(s), "stderr lacks \(s.debugDescription): \(r.stderr) \(message)", file: file, line: line)
    }
    XCTAssertTrue(r.stdout.isEmpty, "stdout not empty: \(r.out.prefix(200)) \(message)", file: file, line: line)
}

func XCTAssertScalars(_ a: String, _ b: String, _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line) {
    if Array(a.unicodeScalars) != Array(b.unicodeScalars) {
        XCTFail("texts differ: \(a.prefix(200).debugDescription) vs \(b.prefix(200).debugDescription) \(message())", file: file, line: line)
    }
}

/// A JSON object parsed by Foundation (for comparing with a vector's `decoded`).
func parseJSON(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) -> Any? {
    do {
        return try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
    } catch {
        XCTFail("output is not JSON: \(error): \(String(decoding: bytes.prefix(200), as: UTF8.self))", file: file, line: line)
        return nil
    }
}

/// A delete set in the vectors' JSON shape as a comparable value (client order ignored:
/// yrs writes clients ascending, Yjs descending).
func deleteSetKey(_ ds: Any?) -> [UInt64: [[Int]]] {
    var out: [UInt64: [[Int]]] = [:]
    for c in ds as? [[String: Any]] ?? [] {
        let client = (c["client"] as! NSNumber).uint64Value
        let ranges = (c["ranges"] as! [[NSNumber]]).map { $0.map(\.intValue) }
        out[client, default: []].append(contentsOf: ranges)
    }
    return out.mapValues { $0.sorted { ($0[0], $0[1]) < ($1[0], $1[1]) } }
}

/// Deterministic bytes for garbage inputs (SplitMix64).
struct SeededBytes {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func bytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8(truncatingIfNeeded: next()) } }
}
