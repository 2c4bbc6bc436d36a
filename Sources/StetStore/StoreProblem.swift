#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Why the document store could not be opened, read or written. `description` is one sentence
/// for the user: what happened and what to do next.
public enum StoreProblem: Error, Equatable, CustomStringConvertible {
    /// Another process (or another `DocumentStore` in this one) holds the store's lock.
    case busy(file: String)
    /// The log was written by a later stet (its format version is newer than this one reads).
    case newerFormat(log: String, version: UInt32, supported: UInt32)
    /// Something that is not a stet log sits where the log should be.
    case notAStore(log: String)
    /// `<dir>/.stet` exists but is not a folder.
    case storeDirectoryIsAFile(path: String)
    /// A single record larger than the format allows (1 GiB).
    case recordTooLarge(bytes: Int)
    /// The store was used after `close()`.
    case closed(log: String)
    /// A system call failed; `action` says what stet was doing ("record changes to notes.md").
    case system(action: String, path: String, errno: Int32)

    public var description: String {
        switch self {
        case .busy(let file):
            return "\(Paths.shown(Paths.split(file).name)) is open in another stet; close that one first."
        case .newerFormat(let log, let v, let s):
            return "the history \(Paths.shown(log)) was written by a newer stet (format \(v); this stet reads format \(s)): update stet to open it. The history was left untouched."
        case .notAStore(let log):
            return "\(Paths.shown(log)) is not a stet history file: move it out of the way (mv \(Paths.shown(log)) \(Paths.shown(log + ".old"))) and open the file again."
        case .storeDirectoryIsAFile(let p):
            return "stet keeps history in the folder \(Paths.shown(p)), but a file has that name: rename that file and try again."
        case .recordTooLarge(let n):
            return "a single change of \(FileProblem.sizeText(Int64(n))) is larger than the \(FileProblem.sizeText(Int64(LogFormat.maximumPayload))) the history can hold."
        case .closed(let log):
            return "internal error: the history \(Paths.shown(log)) was used after it was closed."
        case .system(let action, let p, let e):
            let a = SystemAdvice(e)
            return "could not \(action) (\(Paths.shown(p))): \(a.problem); \(fix(e, p))."
        }
    }

    private func fix(_ e: Int32, _ path: String) -> String {
        switch e {
        case ENOSPC: return "free some space and save again; the changes not yet recorded are kept in memory"
        case EDQUOT: return "delete some of your files or ask for a larger quota, then save again"
        case EACCES, EPERM: return "check that you may write to \(Paths.shown(Paths.split(path).directory)) (ls -ld)"
        case EROFS: return "the history cannot be kept on a read-only disk; copy the file to a writable place"
        case EIO: return "the disk may be failing: save a copy of your file elsewhere right away"
        default: return SystemAdvice(e).fixForWriting(Paths.split(path).directory)
        }
    }

    /// The errno of a `.system` problem, nil for the others.
    public var errno: Int32? {
        if case .system(_, _, let e) = self { return e }
        return nil
    }
}
