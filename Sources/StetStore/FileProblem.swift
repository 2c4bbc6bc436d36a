#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a file could not be opened or saved. `description` is one sentence for the user: what
/// happened and what to do next. The cases carry enough detail for tests and for callers that
/// want to react differently (for example offer "save as" on `.permissionDenied`).
public enum FileProblem: Error, Equatable, CustomStringConvertible {
    /// Whether the failure happened while opening (reading) or saving (writing).
    public enum Action: Sendable, Equatable { case reading, writing }

    /// The path names a directory.
    case isDirectory(path: String)
    /// The path names a device, FIFO or socket: stet edits regular files only.
    case notRegularFile(path: String)
    /// The folder that should hold the file does not exist (or a part of it is not a folder).
    case missingDirectory(path: String, directory: String)
    /// A NUL byte at `offset` within the first `TextFile.binaryProbeLength` bytes.
    case binary(path: String, offset: Int)
    /// The file starts with a UTF-16 or UTF-32 byte order mark.
    case unsupportedEncoding(path: String, encoding: String)
    /// Not valid UTF-8. `offset` is the 0-based byte offset of the first byte of the first
    /// ill-formed sequence; `line` and `column` are 1-based (`column` counts bytes).
    case invalidUTF8(path: String, offset: Int, line: Int, column: Int, byte: UInt8)
    /// Larger than `TextFile.maximumSize`.
    case tooLarge(path: String, size: Int64)
    /// A system call failed with `errno` (permission, disk full, read-only file system, I/O…).
    case system(action: Action, path: String, errno: Int32)

    public var description: String {
        switch self {
        case .isDirectory(let p):
            return "\(Paths.shown(p)) is a folder, not a file: give the path of a file inside it."
        case .notRegularFile(let p):
            return "\(Paths.shown(p)) is not a regular file (a device, pipe or socket): stet edits regular files only."
        case .missingDirectory(let p, let d):
            return "cannot use \(Paths.shown(p)): the folder \(Paths.shown(d)) does not exist (or part of that path is not a folder); create it first (mkdir -p \(Paths.shown(d)))."
        case .binary(let p, let off):
            return "\(Paths.shown(p)) looks like a binary file: it has a NUL byte at byte offset \(off), and stet treats any file with a NUL byte in its first \(TextFile.binaryProbeLength) bytes as binary. stet edits text files only."
        case .unsupportedEncoding(let p, let enc):
            return "\(Paths.shown(p)) is encoded as \(enc) and stet edits UTF-8 only: convert it first (iconv -f \(enc) -t UTF-8 \(Paths.shown(p)) > converted.txt)."
        case .invalidUTF8(let p, let off, let line, let col, let byte):
            let hex = String(byte, radix: 16, uppercase: true)
            return "\(Paths.shown(p)) is not valid UTF-8: the first bad byte (0x\(hex.count < 2 ? "0" + hex : hex)) is at byte offset \(off) (line \(line), byte \(col) of that line). If the file is Latin-1, convert it first: iconv -f LATIN1 -t UTF-8 \(Paths.shown(p)) > converted.txt"
        case .tooLarge(let p, let size):
            return "\(Paths.shown(p)) is \(Self.sizeText(size)), larger than the \(Self.sizeText(TextFile.maximumSize)) stet can edit; open a smaller file, or split this one (split -b 500M)."
        case .system(let action, let p, let e):
            let advice = SystemAdvice(e)
            switch action {
            case .reading:
                return "cannot open \(Paths.shown(p)): \(advice.problem); \(advice.fixForReading(Paths.split(p).directory))."
            case .writing where e == ENOENT:
                // The folder exists (checked first), yet refuses new entries: /proc, /sys, some FUSE.
                return "cannot save \(Paths.shown(p)): its folder does not accept new files (\(String(cString: strerror(e)))); save under another name in a normal folder. The file on disk was not changed and your edits are kept."
            case .writing:
                return "cannot save \(Paths.shown(p)): \(advice.problem); \(advice.fixForWriting(Paths.split(p).directory)). The file on disk was not changed and your edits are kept."
            }
        }
    }

    static func sizeText(_ n: Int64) -> String {
        if n >= 1 << 30 { return "\(n >> 30) GiB (\(n) bytes)" }
        if n >= 1 << 20 { return "\(n >> 20) MiB" }
        return "\(n) bytes"
    }

    /// The errno of a `.system` problem, nil for the others.
    public var errno: Int32? {
        if case .system(_, _, let e) = self { return e }
        return nil
    }
}

/// What an errno means for the user, in words, and what they can do about it.
struct SystemAdvice {
    var code: Int32
    init(_ code: Int32) { self.code = code }

    var problem: String {
        switch code {
        case ENOSPC: return "the disk is full"
        case EDQUOT: return "your disk quota is used up"
        case EACCES, EPERM: return "permission denied"
        case EROFS: return "the file system is read-only"
        case EIO: return "the disk reported an input/output error"
        case EFBIG: return "the file would be larger than this system allows (file size limit)"
        case ENAMETOOLONG: return "the file name is too long"
        case ELOOP: return "there are too many symbolic links in the path (a link loop?)"
        case EMFILE, ENFILE: return "too many files are open"
        case ENOENT: return "it does not exist"
        case ENOTDIR: return "a part of the path is not a folder"
        case EISDIR: return "it is a folder"
        case EBUSY, ETXTBSY: return "it is busy (in use by the system)"
        case EXDEV: return "it is on a different file system than its folder's temporary file"
        default: return String(cString: strerror(code))
        }
    }

    func fixForWriting(_ dir: String) -> String {
        switch code {
        case ENOSPC: return "free some space and save again"
        case EDQUOT: return "delete some of your files or ask for a larger quota, then save again"
        case EACCES, EPERM: return "check that you may write to the folder \(Paths.shown(dir)) (ls -ld), or save under another name"
        case EROFS: return "save under another name on a writable disk"
        case EIO: return "the disk may be failing: save a copy elsewhere right away"
        case EFBIG: return "raise the limit (ulimit -f) or save a smaller file"
        case EMFILE, ENFILE: return "close some files or programs and save again"
        default: return "fix that and save again, or save under another name"
        }
    }

    func fixForReading(_ dir: String) -> String {
        switch code {
        case EACCES, EPERM: return "check its permissions (ls -l), or open it as a user who may read it"
        case EIO: return "the disk may be failing: copy what you can elsewhere"
        case EMFILE, ENFILE: return "close some files or programs and try again"
        default: return "check the path and try again"
        }
    }
}
