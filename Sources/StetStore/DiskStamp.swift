#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What identifies one version of a file on disk: device, inode, size and modification time.
/// Two equal stamps mean "almost certainly the same bytes"; a changed stamp means another
/// program wrote the file (or replaced it: a new inode) since stet last read or wrote it.
public struct DiskStamp: Hashable, Sendable, CustomStringConvertible {
    public var device: UInt64
    public var inode: UInt64
    public var size: Int64
    public var modifiedSeconds: Int64
    public var modifiedNanoseconds: Int32

    public init(device: UInt64, inode: UInt64, size: Int64, modifiedSeconds: Int64, modifiedNanoseconds: Int32) {
        self.device = device
        self.inode = inode
        self.size = size
        self.modifiedSeconds = modifiedSeconds
        self.modifiedNanoseconds = modifiedNanoseconds
    }

    init(_ st: StatBuf) {
        device = UInt64(truncatingIfNeeded: st.st_dev)
        inode = UInt64(truncatingIfNeeded: st.st_ino)
        size = Int64(st.st_size)
        #if canImport(Darwin)
        modifiedSeconds = Int64(st.st_mtimespec.tv_sec)
        modifiedNanoseconds = Int32(truncatingIfNeeded: st.st_mtimespec.tv_nsec)
        #else
        modifiedSeconds = Int64(st.st_mtim.tv_sec)
        modifiedNanoseconds = Int32(truncatingIfNeeded: st.st_mtim.tv_nsec)
        #endif
    }

    /// The stamp of the file `path` names now (symlinks followed), or nil if it cannot be
    /// stat'ed (missing, permission).
    public static func current(path: String) -> DiskStamp? {
        guard case .success(let st) = Sys.stat(path) else { return nil }
        return DiskStamp(st)
    }

    /// Format version of `encoded`.
    static let encodingVersion: UInt8 = 1
    /// Length of `encoded`: version byte + 4 × 8 bytes + 4 bytes.
    public static let encodedCount = 37

    /// A fixed 37-byte little-endian encoding: version 1, device, inode, size, seconds (8 bytes
    /// each), nanoseconds (4 bytes). Meant for storing in the document store's meta records.
    public var encoded: [UInt8] {
        var out: [UInt8] = [Self.encodingVersion]
        out.reserveCapacity(Self.encodedCount)
        func put<T: FixedWidthInteger>(_ v: T) {
            withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
        }
        put(device); put(inode); put(size); put(modifiedSeconds); put(modifiedNanoseconds)
        return out
    }

    /// Decodes `encoded`; nil for any other length or version.
    public init?(decoding bytes: [UInt8]) {
        guard bytes.count == Self.encodedCount, bytes[0] == Self.encodingVersion else { return nil }
        func get(_ at: Int, _ n: Int) -> UInt64 {
            var v: UInt64 = 0
            for i in (0..<n).reversed() { v = v << 8 | UInt64(bytes[at + i]) }
            return v
        }
        device = get(1, 8)
        inode = get(9, 8)
        size = Int64(bitPattern: get(17, 8))
        modifiedSeconds = Int64(bitPattern: get(25, 8))
        modifiedNanoseconds = Int32(bitPattern: UInt32(truncatingIfNeeded: get(33, 4)))
    }

    public var description: String {
        "dev \(device) ino \(inode) size \(size) mtime \(modifiedSeconds).\(modifiedNanoseconds)"
    }
}
