#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Thin, errno-returning wrappers over the system calls this module uses. Nothing here throws:
/// callers turn an errno into the right `FileProblem` or `StoreProblem` for their context.
enum Sys {
    /// Current `errno` (read immediately after a failing call).
    static var errnoValue: Int32 { errno }

    /// `open(2)`, retried on EINTR. Returns the descriptor, or `-errno`.
    static func open(_ path: String, _ flags: Int32, _ mode: mode_t = 0) -> Int32 {
        while true {
            let fd = path.withCString { libcOpen($0, flags, mode) }
            if fd >= 0 { return fd }
            if errno != EINTR { return -errno }
        }
    }

    /// `close(2)`; returns 0 or an errno. EINTR is not retried (the descriptor is gone on Linux).
    @discardableResult
    static func close(_ fd: Int32) -> Int32 {
        #if canImport(Glibc)
        return Glibc.close(fd) == 0 ? 0 : errno
        #elseif canImport(Musl)
        return Musl.close(fd) == 0 ? 0 : errno
        #else
        return Darwin.close(fd) == 0 ? 0 : errno
        #endif
    }

    /// `stat(2)` (follows symlinks). Returns the stat or the errno.
    static func stat(_ path: String) -> Result<StatBuf, Errno> {
        var st = StatBuf()
        let r = path.withCString { libcStat($0, &st) }
        return r == 0 ? .success(st) : .failure(Errno(errno))
    }

    /// `lstat(2)` (does not follow a final symlink).
    static func lstat(_ path: String) -> Result<StatBuf, Errno> {
        var st = StatBuf()
        let r = path.withCString { libcLstat($0, &st) }
        return r == 0 ? .success(st) : .failure(Errno(errno))
    }

    /// `fstat(2)`.
    static func fstat(_ fd: Int32) -> Result<StatBuf, Errno> {
        var st = StatBuf()
        return libcFstat(fd, &st) == 0 ? .success(st) : .failure(Errno(errno))
    }

    /// Writes every byte of `bytes` at `offset` (or at the current position when nil), looping
    /// over short writes and EINTR. Returns the number of bytes written and 0, or the number
    /// written before the failure and its errno.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int? = nil) -> (written: Int, errno: Int32) {
        var done = 0
        while done < bytes.count {
            let base = bytes.baseAddress! + done
            let n: Int
            if let offset {
                n = pwrite(fd, base, bytes.count - done, off_t(offset + done))
            } else {
                n = write(fd, base, bytes.count - done)
            }
            if n < 0 {
                if errno == EINTR { continue }
                return (done, errno)
            }
            if n == 0 { return (done, EIO) }
            done += n
        }
        return (done, 0)
    }

    /// Reads from `offset` until end of file, starting with room for `expected` bytes.
    /// - Complexity: O(n) in the bytes read; one allocation when `expected` is right.
    static func readToEnd(_ fd: Int32, from offset: Int = 0, expected: Int) -> Result<[UInt8], Errno> {
        var out = [UInt8](repeating: 0, count: max(expected, 0) + 1)
        var count = 0
        while true {
            if count == out.count { out.append(contentsOf: repeatElement(0, count: max(out.count, 4096))) }
            let n = out.withUnsafeMutableBytes { raw in
                pread(fd, raw.baseAddress! + count, raw.count - count, off_t(offset + count))
            }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(Errno(errno))
            }
            if n == 0 { break }
            count += n
        }
        out.removeLast(out.count - count)
        return .success(out)
    }

    /// `fsync(2)` of a directory, so a rename or a new entry in it is durable. Best effort:
    /// returns the errno, and callers decide whether it matters.
    @discardableResult
    static func syncDirectory(_ path: String) -> Int32 {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_DIRECTORY)
        if fd < 0 { return -fd }
        defer { close(fd) }
        return fsync(fd) == 0 ? 0 : errno
    }

    /// `fdatasync(2)` where the platform has it, `fsync(2)` elsewhere. Returns 0 or an errno.
    static func dataSync(_ fd: Int32) -> Int32 {
        while true {
            #if os(Linux)
            let r = fdatasync(fd)
            #else
            let r = fsync(fd)
            #endif
            if r == 0 { return 0 }
            if errno != EINTR { return errno }
        }
    }

    /// `fsync(2)`, retried on EINTR. Returns 0 or an errno.
    static func fullSync(_ fd: Int32) -> Int32 {
        while true {
            if fsync(fd) == 0 { return 0 }
            if errno != EINTR { return errno }
        }
    }

    /// `rename(2)`. Returns 0 or an errno.
    static func rename(_ from: String, _ to: String) -> Int32 {
        let r = from.withCString { f in to.withCString { t in libcRename(f, t) } }
        return r == 0 ? 0 : errno
    }

    /// `unlink(2)`, ignoring the result (used to clean up temporary files).
    static func unlinkQuietly(_ path: String) {
        _ = path.withCString { unlink($0) }
    }

    /// The target of the symlink at `path`, as stored in the link.
    static func readLink(_ path: String) -> Result<String, Errno> {
        var size = 256
        while true {
            var buf = [CChar](repeating: 0, count: size)
            let n = path.withCString { readlink($0, &buf, size) }
            if n < 0 { return .failure(Errno(errno)) }
            if n < size {
                let bytes = buf[0..<n].map { UInt8(bitPattern: $0) }
                return .success(String(decoding: bytes, as: UTF8.self))
            }
            size *= 2
        }
    }

    /// The current working directory, or nil when it cannot be found (deleted, unreadable).
    static func currentDirectory() -> String? {
        var size = 1024
        while size <= 1 << 20 {
            var buf = [CChar](repeating: 0, count: size)
            if getcwd(&buf, size) != nil {
                let n = buf.firstIndex(of: 0) ?? size
                return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
            if errno != ERANGE { return nil }
            size *= 2
        }
        return nil
    }

    /// A random 64-bit value from the system generator (for temporary file names).
    static func randomToken() -> String {
        var g = SystemRandomNumberGenerator()
        let v = g.next() as UInt64
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}

/// An errno value as a typed failure of a `Result`.
struct Errno: Error, Equatable {
    var code: Int32
    init(_ code: Int32) { self.code = code }
}

typealias StatBuf = stat

extension StatBuf {
    var fileType: mode_t { st_mode & S_IFMT }
    var isDirectory: Bool { fileType == S_IFDIR }
    var isRegular: Bool { fileType == S_IFREG }
    var isSymlink: Bool { fileType == S_IFLNK }
    /// Permission bits including set-id and sticky bits.
    var permissions: mode_t { st_mode & 0o7777 }
}

// The libc functions are shadowed by `Sys`'s own names inside the enum; these aliases reach them.
@inline(__always) private func libcOpen(_ p: UnsafePointer<CChar>, _ f: Int32, _ m: mode_t) -> Int32 { open(p, f, m) }
@inline(__always) private func libcStat(_ p: UnsafePointer<CChar>, _ s: UnsafeMutablePointer<StatBuf>) -> Int32 { stat(p, s) }
@inline(__always) private func libcLstat(_ p: UnsafePointer<CChar>, _ s: UnsafeMutablePointer<StatBuf>) -> Int32 { lstat(p, s) }
@inline(__always) private func libcFstat(_ fd: Int32, _ s: UnsafeMutablePointer<StatBuf>) -> Int32 { fstat(fd, s) }
@inline(__always) private func libcRename(_ a: UnsafePointer<CChar>, _ b: UnsafePointer<CChar>) -> Int32 { rename(a, b) }
