import BenchSupport
import Foundation
import MallocShim

#if canImport(Glibc)
import Glibc
#endif

// MARK: - clock

/// Nanoseconds from the monotonic clock.
@inline(__always) func nowNs() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}

/// Nanoseconds of CPU time this thread has used.
@inline(__always) func threadCPUNs() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}

@inline(__always) func msSince(_ t0: UInt64) -> Double { Double(nowNs() &- t0) / 1e6 }

/// A clock the editor reads (milliseconds) that the benchmark advances: keystrokes come
/// at a simulated typing pace, so undo steps split as they would for a person.
final class FakeClock: @unchecked Sendable {
    var ms: UInt64 = 1_000_000
}

// MARK: - statistics

func median(_ xs: [Double]) -> Double? {
    guard !xs.isEmpty else { return nil }
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

// MARK: - formatting

func fmtMs(_ x: Double?) -> String {
    guard let x else { return "–" }
    if x < 1 { return String(format: "%.3f ms", x) }
    if x < 10 { return String(format: "%.2f ms", x) }
    if x < 100 { return String(format: "%.1f ms", x) }
    return grouped(Int(x.rounded())) + " ms"
}

/// Microseconds, from milliseconds.
func fmtUs(_ ms: Double?) -> String {
    guard let ms else { return "–" }
    let us = ms * 1000
    if us < 10 { return String(format: "%.2f µs", us) }
    if us < 100 { return String(format: "%.1f µs", us) }
    return grouped(Int(us.rounded())) + " µs"
}

func fmtRatio(_ r: Double?) -> String {
    guard let r, r.isFinite else { return "–" }
    if r >= 100 { return String(format: "%.0fx", r) }
    if r >= 10 { return String(format: "%.1fx", r) }
    return String(format: "%.2fx", r)
}

// MARK: - memory

/// Resident set size of this process in bytes (/proc/self/statm), -1 without /proc.
func residentBytes() -> Int {
    let fd = open("/proc/self/statm", O_RDONLY)
    guard fd >= 0 else { return -1 }
    defer { close(fd) }
    var buf = [UInt8](repeating: 0, count: 256)
    let n = read(fd, &buf, buf.count)
    guard n > 0 else { return -1 }
    let fields = String(decoding: buf[..<n], as: UTF8.self).split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return -1 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

func trimHeap() { _ = stet_malloc_trim() }

func mallocInUse() -> Int? {
    let v = stet_malloc_in_use()
    return v < 0 ? nil : Int(v)
}

/// A /proc/PID/status field in kB (VmRSS: resident now, VmHWM: peak resident) summed over a
/// process and all its descendants, in bytes (nil if unreadable).
func treeMemory(pid: Int32, field: String = "VmRSS:") -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
    var total = 0
    for l in status.split(separator: "\n") where l.hasPrefix(field) {
        total += (Int(l.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
    }
    let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
    for t in tasks {
        guard let children = try? String(contentsOfFile: "/proc/\(pid)/task/\(t)/children", encoding: .utf8) else { continue }
        for c in children.split(separator: " ") { if let p = Int32(c), let r = treeMemory(pid: p, field: field) { total += r } }
    }
    return total
}

// MARK: - files

// MARK: - subprocesses

/// Runs `args` (found on PATH), stdin and stderr from/to /dev/null; returns the exit status
/// and standard output. posix_spawn rather than Foundation.Process: it is cheaper, and the
/// tmux polling loop spawns hundreds of these.
@discardableResult
func run(_ args: [String]) -> (status: Int32, out: String) {
    var pipeFDs: [Int32] = [0, 0]
    guard pipe(&pipeFDs) == 0 else { return (-1, "") }
    var fa = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&fa)
    defer { posix_spawn_file_actions_destroy(&fa) }
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_adddup2(&fa, pipeFDs[1], 1)
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addclose(&fa, pipeFDs[0])
    posix_spawn_file_actions_addclose(&fa, pipeFDs[1])
    let argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
    defer { for p in argv { free(p) } }
    var pid: pid_t = 0
    let rc = posix_spawnp(&pid, args[0], &fa, nil, argv, environ)
    close(pipeFDs[1])
    guard rc == 0 else { close(pipeFDs[0]); return (-1, "") }
    var out: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = read(pipeFDs[0], &buf, buf.count)
        if n > 0 { out += buf[..<n] } else if n < 0 && errno == EINTR { continue } else { break }
    }
    close(pipeFDs[0])
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    let exited = (status & 0x7f) == 0
    return (exited ? (status >> 8) & 0xff : -1, String(decoding: out, as: UTF8.self))
}

/// The absolute path of `name` on PATH, or nil.
func which(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for dir in path.split(separator: ":") {
        let p = "\(dir)/\(name)"
        if access(p, X_OK) == 0 { return p }
    }
    return nil
}

/// Quotes for `sh -c`.
func shellQuote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

func sleepMs(_ ms: Double) { usleep(useconds_t(ms * 1000)) }

