import Foundation
import StetSync
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// Records a transport's events (delivered on NIO threads) and lets a test wait for them.
final class Recorder: @unchecked Sendable {
    private let condition = NSCondition()
    private var events: [TransportEvent] = []

    var handler: @Sendable (TransportEvent) -> Void {
        { event in
            self.condition.lock()
            self.events.append(event)
            self.condition.broadcast()
            self.condition.unlock()
        }
    }

    var messages: [[UInt8]] {
        snapshot().compactMap { if case .message(let m) = $0 { return m } else { return nil } }
    }

    var closedReason: String? {
        for case .closed(let reason) in snapshot() { return reason }
        return nil
    }

    var opened: Bool { snapshot().contains { if case .opened = $0 { return true } else { return false } } }

    func snapshot() -> [TransportEvent] {
        condition.lock()
        defer { condition.unlock() }
        return events
    }

    /// Waits until `predicate` holds for the events so far; false on timeout.
    @discardableResult
    func wait(timeout: Double = 15, _ predicate: ([TransportEvent]) -> Bool) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        defer { condition.unlock() }
        while !predicate(events) {
            if !condition.wait(until: deadline) { return predicate(events) }
        }
        return true
    }

    func waitOpened(file: StaticString = #filePath, line: UInt = #line) {
        let ok = wait { $0.contains { if case .opened = $0 { return true } else { return false } } || Self.isClosed($0) }
        XCTAssertTrue(ok && opened, "not opened: \(snapshot())", file: file, line: line)
    }

    func waitMessages(_ count: Int, file: StaticString = #filePath, line: UInt = #line) -> [[UInt8]] {
        let ok = wait { events in events.filter { if case .message = $0 { return true } else { return false } }.count >= count }
        XCTAssertTrue(ok, "got \(messages.count) of \(count) messages; closed: \(closedReason ?? "no")", file: file, line: line)
        return messages
    }

    func waitClosed(timeout: Double = 15, file: StaticString = #filePath, line: UInt = #line) -> String {
        let ok = wait(timeout: timeout) { Self.isClosed($0) }
        XCTAssertTrue(ok, "not closed", file: file, line: line)
        return closedReason ?? ""
    }

    static func isClosed(_ events: [TransportEvent]) -> Bool {
        events.contains { if case .closed = $0 { return true } else { return false } }
    }

    /// Events after `.closed` would be a bug.
    func assertNothingAfterClosed(file: StaticString = #filePath, line: UInt = #line) {
        let events = snapshot()
        if let index = events.firstIndex(where: { if case .closed = $0 { return true } else { return false } }) {
            XCTAssertEqual(index, events.count - 1, "events after .closed: \(events)", file: file, line: line)
        }
    }
}

/// Messages of the sizes the brief asks for, each with distinct contents.
func sampleMessages() -> [[UInt8]] {
    [0, 1, 100_000, 5_000_000].enumerated().map { index, size in
        (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index &* 7 &+ $0 >> 8) }
    }
}

func assertSameMessages(_ got: [[UInt8]], _ expected: [[UInt8]], file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(got.map(\.count), expected.map(\.count), file: file, line: line)
    XCTAssertTrue(got == expected, "contents differ", file: file, line: line)
}

final class TempDir {
    let path: String

    init(_ name: String) {
        var template = Array("/tmp/stetnet-\(name)-XXXXXX".utf8CString)
        path = String(cString: mkdtemp(&template)!)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// A blocking socket for speaking raw bytes to a server (malformed requests, hand-made frames).
final class RawSocket {
    let fd: Int32

    init?(tcpPort port: Int) {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else { close(fd); return nil }
        setTimeout(5)
    }

    init?(unixPath path: String) {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (i, byte) in path.utf8.prefix(buffer.count - 1).enumerated() { buffer[i] = byte }
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result == 0 else { close(fd); return nil }
        setTimeout(5)
    }

    private func setTimeout(_ seconds: Int) {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    func write(_ bytes: [UInt8]) {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            sent += n
        }
    }

    func write(_ text: String) { write(Array(text.utf8)) }

    /// Reads what arrives until `count` bytes, end of stream or the timeout.
    func read(atLeast count: Int = 1) -> [UInt8] {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while out.count < count {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            out += buffer[0..<n]
        }
        return out
    }

    /// Reads until the peer closes (or the timeout); true if it closed.
    func readUntilClosed() -> (bytes: [UInt8], closed: Bool) {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n == 0 { return (out, true) }
            if n < 0 { return (out, errno == ECONNRESET) }
            out += buffer[0..<n]
        }
    }

    deinit { close(fd) }
}

/// Collects lines a server logs.
final class LogLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []

    var log: @Sendable (String) -> Void {
        { line in self.lock.withLock { self.lines.append(line) } }
    }

    var all: [String] { lock.withLock { lines } }

    func wait(timeout: Double = 10, for predicate: ([String]) -> Bool) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while Date() < deadline {
            if predicate(all) { return true }
            usleep(10_000)
        }
        return predicate(all)
    }
}
