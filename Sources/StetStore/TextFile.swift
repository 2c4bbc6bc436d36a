#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How lines end in a file.
public enum LineEnding: Sendable, Equatable {
    /// Only `\n` (also: no line breaks at all).
    case lf
    /// Only `\r\n`.
    case crlf
    /// Both occur; `TextFile.newline` says which one dominates.
    case mixed
}

/// The user's plain file as stet reads it: exactly its bytes as a `String`, plus what is needed
/// to write it back faithfully and to notice when another program changes it.
///
/// Decisions:
/// - `text` is byte-exact: CRLF stays CRLF, a missing final newline stays missing, and a UTF-8
///   byte order mark is **kept** as a leading U+FEFF in `text` (so `write(text)` reproduces the
///   file byte for byte; the editor may hide it, see `hasByteOrderMark`).
/// - Only UTF-8 is accepted. UTF-16/32 (recognised by their byte order marks), binary files and
///   invalid UTF-8 are refused with a `FileProblem` that says how to convert.
public struct TextFile: Sendable, Equatable {
    /// The file's content, byte-exact.
    public var text: String
    /// Device, inode, size and mtime when it was read.
    public var stamp: DiskStamp
    /// Permission bits (including set-id and sticky bits) of the file.
    public var mode: mode_t
    /// Which line breaks the file uses.
    public var lineEnding: LineEnding
    /// The line break to use for lines the user adds: the dominant one (`"\r\n"` only when
    /// CRLF breaks outnumber LF breaks; `"\n"` for files without line breaks and for ties).
    public var newline: String
    /// Whether the file ends with `\n` (and so with `\r\n` for CRLF files).
    public var endsWithNewline: Bool
    /// Whether `text` starts with a UTF-8 byte order mark (U+FEFF, bytes EF BB BF).
    public var hasByteOrderMark: Bool

    /// Files larger than this (1 GiB) are refused.
    public static let maximumSize: Int64 = 1 << 30
    /// A NUL byte within this many leading bytes (8 KiB) makes a file binary.
    public static let binaryProbeLength = 8192

    public init(text: String, stamp: DiskStamp, mode: mode_t) {
        self.text = text
        self.stamp = stamp
        self.mode = mode
        var t = text
        let (lf, crlf, ends) = t.withUTF8 { b in
            let (lf, crlf) = TextScan.lineBreaks(b)
            return (lf, crlf, b.last == 0x0A)
        }
        lineEnding = crlf == 0 ? .lf : lf == 0 ? .crlf : .mixed
        newline = crlf > lf ? "\r\n" : "\n"
        endsWithNewline = ends
        hasByteOrderMark = text.unicodeScalars.first == "\u{FEFF}"
    }

    /// Reads the file at `path` (symlinks followed).
    ///
    /// - Returns: nil when nothing exists at `path` but its folder does (a new file).
    /// - Throws: `FileProblem` for a missing folder, a folder, a non-regular file, a file over
    ///   1 GiB, an unreadable file, a binary file (NUL in the first 8 KiB), UTF-16/32, or invalid
    ///   UTF-8 (with the offset, line and column of the first bad byte).
    /// - Complexity: O(n) in the file size: one read, one validation pass, one line-break pass.
    ///   If the file changes while it is read (size or mtime differ before and after), it is
    ///   read again, up to three times; after that the stamp from *before* the last read is
    ///   kept so the change is noticed later.
    public static func read(path: String) throws(FileProblem) -> TextFile? {
        let target = try resolve(path: path, for: .reading)
        let st: StatBuf
        switch Sys.stat(target) {
        case .success(let s): st = s
        case .failure(let e) where e.code == ENOENT || e.code == ENOTDIR:
            let dir = Paths.split(target).directory
            if case .success(let d) = Sys.stat(dir), d.isDirectory, e.code == ENOENT { return nil }
            throw .missingDirectory(path: path, directory: dir)
        case .failure(let e):
            throw .system(action: .reading, path: path, errno: e.code)
        }
        if st.isDirectory { throw .isDirectory(path: path) }
        if !st.isRegular { throw .notRegularFile(path: path) }
        if Int64(st.st_size) > maximumSize { throw .tooLarge(path: path, size: Int64(st.st_size)) }

        let fd = Sys.open(target, O_RDONLY | O_CLOEXEC | O_NOCTTY)
        if fd < 0 { throw .system(action: .reading, path: path, errno: -fd) }
        defer { Sys.close(fd) }

        var bytes: [UInt8] = []
        var stamp = DiskStamp(st)
        var mode = st.permissions
        for _ in 0..<3 {
            guard case .success(let before) = Sys.fstat(fd) else { throw .system(action: .reading, path: path, errno: errno) }
            if Int64(before.st_size) > maximumSize { throw .tooLarge(path: path, size: Int64(before.st_size)) }
            switch Sys.readToEnd(fd, expected: Int(before.st_size)) {
            case .success(let b): bytes = b
            case .failure(let e): throw .system(action: .reading, path: path, errno: e.code)
            }
            stamp = DiskStamp(before)
            mode = before.permissions
            guard case .success(let after) = Sys.fstat(fd) else { throw .system(action: .reading, path: path, errno: errno) }
            if DiskStamp(after) == stamp && Int64(bytes.count) == stamp.size { break }
        }
        if Int64(bytes.count) > maximumSize { throw .tooLarge(path: path, size: Int64(bytes.count)) }
        let text = try decode(bytes, path: path)
        return TextFile(text: text, stamp: stamp, mode: mode)
    }

    /// The path a read or a save of `path` really uses: symlinks in the last component followed
    /// to their final target (a dangling link gives the path it points at). Use it to find
    /// the store of a linked file (`DocumentStore.location(forFile:)`), so that every link to
    /// one file shares one history.
    public static func resolve(path: String, for action: FileProblem.Action = .reading) throws(FileProblem) -> String {
        switch Paths.resolvingSymlinks(path) {
        case .success(let t): return t
        case .failure(let e): throw .system(action: action, path: path, errno: e.code)
        }
    }

    /// Checks that `bytes` are UTF-8 text and makes the string. Public so that the same rules
    /// apply to text arriving from elsewhere (stdin, a peer's file).
    public static func decode(_ bytes: [UInt8], path: String) throws(FileProblem) -> String {
        if bytes.starts(with: [0xFF, 0xFE, 0, 0]) { throw .unsupportedEncoding(path: path, encoding: "UTF-32LE") }
        if bytes.starts(with: [0, 0, 0xFE, 0xFF]) { throw .unsupportedEncoding(path: path, encoding: "UTF-32BE") }
        if bytes.starts(with: [0xFF, 0xFE]) { throw .unsupportedEncoding(path: path, encoding: "UTF-16LE") }
        if bytes.starts(with: [0xFE, 0xFF]) { throw .unsupportedEncoding(path: path, encoding: "UTF-16BE") }
        let problem: FileProblem? = bytes.withUnsafeBufferPointer { b in
            if let nul = TextScan.firstNUL(b, limit: binaryProbeLength) {
                return .binary(path: path, offset: nul)
            }
            return nil
        }
        if let problem { throw problem }
        if let s = String(validating: bytes, as: UTF8.self) { return s }
        let bad: FileProblem = bytes.withUnsafeBufferPointer { b in
            let off = TextScan.firstInvalidUTF8(b) ?? 0
            let (line, col) = TextScan.lineAndColumn(b, offset: off)
            return .invalidUTF8(path: path, offset: off, line: line, column: col, byte: off < b.count ? b[off] : 0)
        }
        throw bad
    }
}
