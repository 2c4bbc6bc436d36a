#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import XCTest

/// A fresh directory under /tmp, removed (recursively, whatever its permissions) by `remove()`.
final class TempDir {
    let path: String

    init(_ label: String = "store") {
        var template = Array("/tmp/stet-\(label)-XXXXXX".utf8CString)
        let p = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(p != nil, "mkdtemp failed: \(errno)")
        path = String(cString: p!)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func remove() { removeTree(path) }

    deinit { removeTree(path) }
}

/// `rm -rf` without Foundation; makes directories writable first so read-only test folders go
/// too. Does not follow symlinks.
func removeTree(_ path: String) {
    var st = stat()
    guard lstat(path, &st) == 0 else { return }
    if st.st_mode & S_IFMT == S_IFDIR {
        chmod(path, 0o700)
        for name in listDirectory(path) { removeTree(path + "/" + name) }
        rmdir(path)
    } else {
        unlink(path)
    }
}

/// Names in a directory, without "." and "..", sorted.
func listDirectory(_ path: String) -> [String] {
    guard let d = opendir(path) else { return [] }
    defer { closedir(d) }
    var names: [String] = []
    while let e = readdir(d) {
        let name = withUnsafePointer(to: &e.pointee.d_name) {
            String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
        }
        if name != "." && name != ".." { names.append(name) }
    }
    return names.sorted()
}

/// Writes raw bytes to a file (O_TRUNC), mode `mode` for a new file.
func writeRaw(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o644) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode)
    precondition(fd >= 0, "open \(path): \(errno)")
    bytes.withUnsafeBytes { raw in
        var off = 0
        while off < raw.count {
            let n = write(fd, raw.baseAddress! + off, raw.count - off)
            precondition(n > 0)
            off += n
        }
    }
    close(fd)
}

/// A file's bytes, or nil if it cannot be opened.
func readRaw(_ path: String) -> [UInt8]? {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var out: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n <= 0 { break }
        out.append(contentsOf: buf[0..<n])
    }
    return out
}

func statOf(_ path: String) -> stat? {
    var st = stat()
    return stat(path, &st) == 0 ? st : nil
}

func lstatOf(_ path: String) -> stat? {
    var st = stat()
    return lstat(path, &st) == 0 ? st : nil
}

func modeOf(_ path: String) -> mode_t? { statOf(path).map { $0.st_mode & 0o7777 } }

func octal(_ m: mode_t?) -> String { m.map { "0" + String($0, radix: 8) } ?? "nil" }

/// Monotonic seconds.
func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

var isRoot: Bool { getuid() == 0 }

/// SplitMix64: small, seedable, good enough for test data.
struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func bytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8.random(in: 0...255, using: &self) } }
}

/// The seed for a randomized test: `STET_SEED` if set, else a fresh one. Printed either way so
/// a failure can be replayed with `STET_SEED=<n> swift test --filter …`.
func testSeed(_ test: String) -> UInt64 {
    let seed: UInt64
    if let s = getenv("STET_SEED"), let v = UInt64(String(cString: s)) {
        seed = v
    } else {
        var g = SystemRandomNumberGenerator()
        seed = g.next()
    }
    print("[\(test)] seed \(seed) (replay with STET_SEED=\(seed))")
    return seed
}

/// Bitwise CRC-32 (zlib), written independently of the module's table-driven one.
func referenceCRC32(_ bytes: [UInt8]) -> UInt32 {
    var c: UInt32 = 0xFFFF_FFFF
    for b in bytes {
        c ^= UInt32(b)
        for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0xEDB8_8320 : c >> 1 }
    }
    return ~c
}

/// Runs `body` with the file size limit (RLIMIT_FSIZE) lowered to `bytes` and SIGXFSZ ignored,
/// so a write past the limit fails with EFBIG instead of killing the process. Works as root too.
func withFileSizeLimit<T>(_ bytes: Int, _ body: () throws -> T) rethrows -> T {
    #if os(Linux)
    let resource = Int32(RLIMIT_FSIZE.rawValue)
    #else
    let resource = RLIMIT_FSIZE
    #endif
    var old = rlimit()
    getrlimit(resource, &old)
    var lower = old
    lower.rlim_cur = rlim_t(bytes)
    let oldHandler = signal(SIGXFSZ, SIG_IGN)
    setrlimit(resource, &lower)
    defer {
        setrlimit(resource, &old)
        signal(SIGXFSZ, oldHandler)
    }
    return try body()
}

/// Mounts a tmpfs of `kilobytes` at `dir` when allowed (Linux, root with CAP_SYS_ADMIN);
/// returns whether it did. Callers must `unmountTmpfs(dir)`.
func mountTinyTmpfs(at dir: String, kilobytes: Int) -> Bool {
    #if os(Linux)
    guard isRoot else { return false }
    return mount("tmpfs", dir, "tmpfs", 0, "size=\(kilobytes)k") == 0
    #else
    return false
    #endif
}

func unmountTmpfs(_ dir: String) {
    #if os(Linux)
    umount2(dir, Int32(MNT_DETACH))
    #endif
}
