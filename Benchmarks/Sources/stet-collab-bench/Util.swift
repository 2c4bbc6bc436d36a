import BenchSupport
import Dispatch
import Foundation
import StetSync
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

// MARK: - clocks

/// Nanoseconds from the monotonic clock (the same clock on every thread of the process).
@inline(__always) func nowNs() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}

/// Milliseconds from the monotonic clock, as the app's `EditorEntry.monotonicMilliseconds`.
@inline(__always) func monoMs() -> UInt64 { nowNs() / 1_000_000 }
@inline(__always) func nowMs() -> Milliseconds { Milliseconds(monoMs()) }

/// Milliseconds between two `nowNs()` stamps (negative if `b` is earlier).
@inline(__always) func ms(_ a: UInt64, _ b: UInt64) -> Double { (Double(b) - Double(a)) / 1e6 }

func sleepMs(_ x: Double) { if x > 0 { usleep(useconds_t(x * 1000)) } }

/// CPU time (user + system) this process has used, in seconds.
func processCPUSeconds() -> Double {
    var ru = rusage()
    getrusage(RUSAGE_SELF.rawValue, &ru)
    return Double(ru.ru_utime.tv_sec) + Double(ru.ru_utime.tv_usec) / 1e6 + Double(ru.ru_stime.tv_sec) + Double(ru.ru_stime.tv_usec) / 1e6
}

// MARK: - statistics

func median(_ xs: [Double]) -> Double? { percentile(xs, 50) }

struct Summary {
    var count: Int
    var p50: Double?
    var p90: Double?
    var p99: Double?
    var max: Double?
    var min: Double?
    init(_ xs: [Double]) {
        count = xs.count
        p50 = percentile(xs, 50)
        p90 = percentile(xs, 90)
        p99 = percentile(xs, 99)
        max = xs.max()
        min = xs.min()
    }
}

/// Deterministic random numbers (SplitMix64 is in TextGen.swift).
extension SplitMix64 {
    mutating func uniform(_ lo: Double, _ hi: Double) -> Double {
        lo + (hi - lo) * Double(next() >> 11) / Double(1 << 53)
    }
}

// MARK: - formatting

func fmtMs(_ x: Double?) -> String {
    guard let x else { return "–" }
    if abs(x) < 1 { return String(format: "%.3f ms", x) }
    if abs(x) < 10 { return String(format: "%.2f ms", x) }
    if abs(x) < 100 { return String(format: "%.1f ms", x) }
    return grouped(Int(x.rounded())) + " ms"
}

func fmtPct(_ x: Double) -> String { String(format: "%.0f%%", x * 100) }

// MARK: - files

/// The file system type of `path` (from /proc/mounts, longest matching mount point).
func fileSystemType(_ path: String) -> String {
    guard let mounts = try? String(contentsOfFile: "/proc/mounts", encoding: .utf8) else { return "?" }
    var best = ("", "?")
    for l in mounts.split(separator: "\n") {
        let f = l.split(separator: " ")
        guard f.count > 2 else { continue }
        let mp = String(f[1])
        if (path == mp || path.hasPrefix(mp.hasSuffix("/") ? mp : mp + "/")) && mp.count > best.0.count { best = (mp, String(f[2])) }
    }
    return best.1
}

// MARK: - waiting

/// Polls `cond` every `everyMs` until it holds or `timeoutMs` passed; whether it held.
@discardableResult
func waitUntil(timeoutMs: Double, everyMs: Double = 10, _ cond: () -> Bool) -> Bool {
    let deadline = nowNs() + UInt64(timeoutMs * 1e6)
    while true {
        if cond() { return true }
        if nowNs() > deadline { return false }
        sleepMs(everyMs)
    }
}

/// A transport reference for an event handler that must exist before its transport does
/// (StetNet's own `SourceSlot` is internal). `get` waits for `set` (which follows the
/// factory call at once).
final class TransportSlot: @unchecked Sendable {
    private let lock = NSLock()
    private var transport: (any Transport)?

    func set(_ t: any Transport) { lock.withLock { transport = t } }

    func get() -> any Transport {
        while true {
            if let t = lock.withLock({ transport }) { return t }
            sched_yield()
        }
    }
}

/// A value set once and read from another thread.
final class Box<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var v: T
    init(_ v: T) { self.v = v }
    var value: T {
        get { lock.withLock { v } }
        set { lock.withLock { v = newValue } }
    }
}

/// An owner thread with a large stack (10 MB documents), running `body`.
func startThread(_ name: String, _ body: @escaping () -> Void) {
    let t = Thread {
        // The name shows in /proc/PID/task/TID/comm (per-thread CPU in part 2).
        let fd = open("/proc/thread-self/comm", O_WRONLY)
        if fd >= 0 {
            let b = Array(name.utf8.prefix(15))
            _ = b.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
        }
        body()
    }
    t.name = name
    t.stackSize = 16 << 20
    t.start()
}
