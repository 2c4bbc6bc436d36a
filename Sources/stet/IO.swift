#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import StetCRDT

/// A failure the user can act on. Printed as one line on stderr; the command exits 1.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ message: String) { description = message }
}

/// Writes one line to stderr. Newlines inside `message` are flattened so every diagnostic
/// stays a single line (file names may contain anything).
func printError(_ message: String) {
    var line = ""
    for u in message.unicodeScalars {
        line.unicodeScalars.append(u == "\n" || u == "\r" ? " " : u)
    }
    line += "\n"
    writeAll(fd: 2, Array(line.utf8))
}

@discardableResult
func writeAll(fd: Int32, _ bytes: [UInt8]) -> Int32 {
    var off = 0
    while off < bytes.count {
        let n = bytes.withUnsafeBytes { raw in
            write(fd, raw.baseAddress! + off, raw.count - off)
        }
        if n < 0 {
            if errno == EINTR { continue }
            return errno
        }
        off += n
    }
    return 0
}

func errnoText(_ e: Int32) -> String { String(cString: strerror(e)) }

/// Quotes a path for messages: as is when it is plain, Swift-style quoted otherwise.
func shown(_ path: String) -> String {
    if path == "-" { return "<stdin>" }
    let plain = !path.isEmpty && path.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F && $0 != "\"" }
    return plain ? path : path.debugDescription
}

enum IO {
    /// Whether standard output is a terminal.
    static var stdoutIsTerminal: Bool { isatty(1) != 0 }

    /// Reads a whole file, or standard input for "-".
    static func readFile(_ path: String) throws -> [UInt8] {
        let fd: Int32
        if path == "-" {
            fd = 0
        } else {
            fd = open(path, O_RDONLY)
            if fd < 0 { throw CLIError("cannot read \(shown(path)): \(errnoText(errno))") }
        }
        defer { if fd != 0 { close(fd) } }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw CLIError("cannot read \(shown(path)): \(errnoText(errno))")
            }
            if n == 0 { break }
            out.append(contentsOf: buf[0..<n])
        }
        return out
    }

    /// Writes `bytes` to `path` (created or truncated), or to standard output for "-".
    static func writeFile(_ path: String, _ bytes: [UInt8]) throws {
        if path == "-" {
            let e = writeAll(fd: 1, bytes)
            if e != 0 { throw CLIError("cannot write to standard output: \(errnoText(e))") }
            return
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if fd < 0 { throw CLIError("cannot write \(shown(path)): \(errnoText(errno))") }
        let e = writeAll(fd: fd, bytes)
        let c = close(fd) == 0 ? 0 : errno
        if e != 0 || c != 0 { throw CLIError("cannot write \(shown(path)): \(errnoText(e != 0 ? e : c))") }
    }
}

/// Hex text <-> bytes for `--hex`.
enum HexText {
    /// Parses hex text; whitespace is ignored and one leading "0x" is allowed.
    static func parse(_ raw: [UInt8], name: String) throws -> [UInt8] {
        var text = raw[...]
        while let f = text.first, f == 0x20 || f == 0x0A || f == 0x0D || f == 0x09 { text = text.dropFirst() }
        if text.count >= 2, text[text.startIndex] == 0x30, text[text.startIndex + 1] | 0x20 == 0x78 {
            text = text.dropFirst(2)
        }
        var out: [UInt8] = []
        out.reserveCapacity(text.count / 2)
        var hi: UInt8? = nil
        for (i, c) in zip(text.indices, text) {
            let v: UInt8
            switch c {
            case 0x30...0x39: v = c - 0x30
            case 0x61...0x66: v = c - 0x61 + 10
            case 0x41...0x46: v = c - 0x41 + 10
            case 0x20, 0x0A, 0x0D, 0x09: continue
            default:
                let ch = c >= 0x21 && c < 0x7F ? "'\(Character(Unicode.Scalar(c)))'" : "byte 0x\(String(c, radix: 16))"
                throw CLIError("\(shown(name)): not hex text: unexpected \(ch) at byte \(i) (read binary without --hex/--hex-in)")
            }
            if let h = hi { out.append(h << 4 | v); hi = nil } else { hi = v }
        }
        if hi != nil { throw CLIError("\(shown(name)): not hex text: odd number of hex digits at byte \(raw.count)") }
        return out
    }

    /// Whether `bytes` look like hex text (so a binary decode failure can suggest `--hex`).
    static func looksLikeHex(_ bytes: [UInt8]) -> Bool {
        var digits = 0
        for c in bytes {
            switch c {
            case 0x30...0x39, 0x61...0x66, 0x41...0x46: digits += 1
            case 0x20, 0x0A, 0x0D, 0x09: continue
            default: return false
            }
        }
        return digits >= 2 && digits % 2 == 0
    }
}

/// `--hex` and output-file handling shared by the `stet yjs` commands.
struct ByteIO {
    var hexIn: Bool
    var hexOut: Bool

    /// Reads `path` ("-" for stdin), as hex text when `--hex` was given.
    func read(_ path: String) throws -> [UInt8] {
        let raw = try IO.readFile(path)
        return hexIn ? try HexText.parse(raw, name: path) : raw
    }

    /// Writes binary output (hex text with `--hex`). Refuses to put raw bytes on a terminal.
    func write(_ bytes: [UInt8], to path: String) throws {
        if hexOut {
            try IO.writeFile(path, Array((hexString(bytes) + "\n").utf8))
        } else {
            if path == "-" && IO.stdoutIsTerminal {
                throw CLIError("not writing binary data to a terminal: use -o FILE, or --hex for hex text")
            }
            try IO.writeFile(path, bytes)
        }
    }
}

/// Reads every input up front (so `-o` may name one of them) and rejects reading stdin twice.
func checkSingleStdin(_ paths: [String]) throws {
    if paths.filter({ $0 == "-" }).count > 1 {
        throw CLIError("standard input (-) can be read only once")
    }
}
