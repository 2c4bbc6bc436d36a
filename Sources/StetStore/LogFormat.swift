/// One entry of a document's store.
public enum StoreRecord: Equatable, Sendable {
    /// A Yjs v1 update (opaque bytes to the store).
    case update([UInt8])
    /// A key → value setting; when a key occurs several times the last value wins.
    case meta(key: String, value: [UInt8])
}

/// The on-disk format of a `.stetlog` file, version 1. All integers are little-endian.
///
/// ```
/// header (16 bytes):  89 73 74 65 74 6C 6F 67  ("\x89stetlog")
///                     u32 format version (1)
///                     u32 reserved (0)
/// record:             u8  marker 0xE5
///                     u8  kind: 1 = update, 2 = meta
///                     u32 payload length n
///                     u32 CRC-32 (zlib) of the 6 bytes above followed by the payload
///                     u16 low 16 bits of the CRC-32 of the 10 bytes above
///                     n bytes payload
/// update payload:     the update bytes
/// meta payload:       LEB128 key length, key (UTF-8), value bytes
/// ```
///
/// The 32-bit CRC covers marker, kind, length and payload, so every damaged byte span of up
/// to 32 bits in them is detected (a single bad byte always is); the CRC field itself is
/// covered by the header check. The header check makes a damaged length recognisable (so a flipped bit in the middle of the
/// log is not mistaken for a torn last record) and makes re-synchronising after damage cheap.
enum LogFormat {
    static let magic: [UInt8] = [0x89, 0x73, 0x74, 0x65, 0x74, 0x6C, 0x6F, 0x67]
    static let version: UInt32 = 1
    static let headerSize = 16
    static let recordMarker: UInt8 = 0xE5
    static let recordHeaderSize = 12
    /// Largest payload `append` accepts (and a sanity bound when reading).
    static let maximumPayload = 1 << 30

    enum Kind: UInt8 { case update = 1, meta = 2 }

    /// The 16-byte file header of this version.
    static var header: [UInt8] {
        var h = magic
        appendLE(version, to: &h)
        appendLE(UInt32(0), to: &h)
        return h
    }

    enum HeaderCheck: Equatable {
        /// A version-1 header.
        case current
        /// An empty file or a prefix of the header: a log whose creation was interrupted.
        case incomplete
        /// Not a stet log.
        case foreign
        /// A stet log of a later format version.
        case newer(UInt32)
    }

    static func checkHeader(_ bytes: [UInt8]) -> HeaderCheck {
        let full = header
        if bytes.count < headerSize {
            return full.starts(with: bytes) ? .incomplete : .foreign
        }
        guard bytes.starts(with: magic) else { return .foreign }
        let v = readLE32(bytes, at: 8)
        if v == version { return .current }
        return v > version ? .newer(v) : .foreign
    }

    // MARK: - records

    /// Encoded size of `r`.
    static func size(of r: StoreRecord) -> Int {
        switch r {
        case .update(let u): return recordHeaderSize + u.count
        case .meta(let k, let v): return recordHeaderSize + leb128Size(k.utf8.count) + k.utf8.count + v.count
        }
    }

    /// Payload length of `r` (what `append` checks against `maximumPayload`).
    static func payloadSize(of r: StoreRecord) -> Int { size(of: r) - recordHeaderSize }

    /// Appends the encoding of `r` to `buf`.
    /// - Complexity: O(payload).
    static func append(_ r: StoreRecord, to buf: inout [UInt8]) {
        let start = buf.count
        buf.append(contentsOf: repeatElement(0, count: recordHeaderSize))
        let kind: Kind
        switch r {
        case .update(let u):
            kind = .update
            buf.append(contentsOf: u)
        case .meta(let k, let v):
            kind = .meta
            var n = k.utf8.count
            repeat {
                let low = UInt8(n & 0x7F)
                n >>= 7
                buf.append(n == 0 ? low : low | 0x80)
            } while n != 0
            buf.append(contentsOf: k.utf8)
            buf.append(contentsOf: v)
        }
        let length = UInt32(buf.count - start - recordHeaderSize)
        buf.withUnsafeMutableBytes { raw in
            raw[start] = recordMarker
            raw[start + 1] = kind.rawValue
            raw.storeBytes(of: length.littleEndian, toByteOffset: start + 2, as: UInt32.self)
            let payloadCRC = CRC32.checksum(UnsafeRawBufferPointer(rebasing: raw[(start + recordHeaderSize)...]),
                                            continuing: CRC32.checksum(UnsafeRawBufferPointer(rebasing: raw[start..<(start + 6)])))
            raw.storeBytes(of: payloadCRC.littleEndian, toByteOffset: start + 6, as: UInt32.self)
            let check = UInt16(truncatingIfNeeded: CRC32.checksum(UnsafeRawBufferPointer(rebasing: raw[start..<(start + 10)])))
            raw.storeBytes(of: check.littleEndian, toByteOffset: start + 10, as: UInt16.self)
        }
    }

    /// A well-formed record's place in the log: bytes `start..<end`, payload from
    /// `start + recordHeaderSize`.
    struct Span: Equatable {
        var kind: Kind
        var start: Int
        var end: Int
        var payload: Range<Int> { (start + LogFormat.recordHeaderSize)..<end }
    }

    /// What a scan of a log body found.
    struct Scan {
        /// Every well-formed record, in order.
        var records: [Span] = []
        /// Damaged byte ranges that were skipped, with good records after them.
        var skipped: [Range<Int>] = []
        /// A final range that is the beginning of a record cut short (crash while appending),
        /// or trailing zeros.
        var tornTail: Range<Int>?
        /// A final damaged range that does not look like a cut-short record.
        var damagedTail: Range<Int>?
        var isClean: Bool { skipped.isEmpty && tornTail == nil && damagedTail == nil }
    }

    /// Scans records from `offset` to the end of `b`.
    /// - Complexity: O(n) for a clean log (one CRC pass). Damage costs one extra forward scan
    ///   of the damaged range; candidates must pass a marker, kind and 16-bit header check
    ///   before their payload CRC is computed.
    static func scan(_ b: UnsafeRawBufferPointer, from offset: Int) -> Scan {
        var s = Scan()
        var p = offset
        let n = b.count
        while p < n {
            if let r = record(at: p, in: b) {
                s.records.append(r)
                p = r.end
                continue
            }
            if let next = nextRecord(after: p, in: b) {
                s.skipped.append(p..<next.start)
                p = next.start
                continue
            }
            if looksTorn(at: p, in: b) { s.tornTail = p..<n } else { s.damagedTail = p..<n }
            break
        }
        return s
    }

    /// Whether a record header at `p` is intact (marker, kind, header check).
    @inline(__always)
    static func headerIsIntact(at p: Int, in b: UnsafeRawBufferPointer) -> Bool {
        guard b.count - p >= recordHeaderSize, b[p] == recordMarker, Kind(rawValue: b[p + 1]) != nil else { return false }
        let stored = UInt16(b[p + 10]) | UInt16(b[p + 11]) << 8
        let check = UInt16(truncatingIfNeeded: CRC32.checksum(UnsafeRawBufferPointer(rebasing: b[p..<(p + 10)])))
        return stored == check
    }

    /// The well-formed record starting at `p`, if there is one.
    static func record(at p: Int, in b: UnsafeRawBufferPointer) -> Span? {
        guard headerIsIntact(at: p, in: b) else { return nil }
        let length = Int(b.loadUnaligned(fromByteOffset: p + 2, as: UInt32.self).littleEndian)
        guard length <= maximumPayload, length <= b.count - p - recordHeaderSize else { return nil }
        let stored = b.loadUnaligned(fromByteOffset: p + 6, as: UInt32.self).littleEndian
        let start = p + recordHeaderSize
        let headCRC = CRC32.checksum(UnsafeRawBufferPointer(rebasing: b[p..<(p + 6)]))
        guard CRC32.checksum(UnsafeRawBufferPointer(rebasing: b[start..<(start + length)]), continuing: headCRC) == stored else { return nil }
        let kind = Kind(rawValue: b[p + 1])!
        if kind == .meta, metaKeyRange(UnsafeRawBufferPointer(rebasing: b[start..<(start + length)])) == nil { return nil }
        return Span(kind: kind, start: p, end: start + length)
    }

    /// The first well-formed record starting after `p`.
    static func nextRecord(after p: Int, in b: UnsafeRawBufferPointer) -> Span? {
        var q = p + 1
        while q + recordHeaderSize <= b.count {
            if b[q] == recordMarker, let r = record(at: q, in: b) { return r }
            q += 1
        }
        return nil
    }

    /// Whether the bytes from `p` to the end look like an append that was cut short: fewer
    /// bytes than a record header, an intact header whose payload runs past the end, or only
    /// zero bytes (what some file systems leave after a power cut).
    static func looksTorn(at p: Int, in b: UnsafeRawBufferPointer) -> Bool {
        let rest = b.count - p
        if rest < recordHeaderSize { return b[p] == recordMarker || b[p...].allSatisfy { $0 == 0 } }
        if headerIsIntact(at: p, in: b) {
            let length = Int(b.loadUnaligned(fromByteOffset: p + 2, as: UInt32.self).littleEndian)
            if length > rest - recordHeaderSize { return true }
        }
        return b[p...].allSatisfy { $0 == 0 }
    }

    /// The key's byte range within a meta payload, or nil if the key length is malformed.
    static func metaKeyRange(_ payload: UnsafeRawBufferPointer) -> Range<Int>? {
        var n = 0, shift = 0, i = 0
        while true {
            guard i < payload.count, shift < 35 else { return nil }
            let byte = payload[i]
            n |= Int(byte & 0x7F) << shift
            i += 1
            if byte & 0x80 == 0 { break }
            shift += 7
        }
        guard n <= payload.count - i else { return nil }
        return i..<(i + n)
    }

    /// Decodes a record found by `scan`.
    static func decode(_ span: Span, in b: UnsafeRawBufferPointer) -> StoreRecord {
        let payload = UnsafeRawBufferPointer(rebasing: b[span.payload])
        switch span.kind {
        case .update:
            return .update([UInt8](payload))
        case .meta:
            let k = metaKeyRange(payload)!
            let key = String(decoding: UnsafeRawBufferPointer(rebasing: payload[k]), as: UTF8.self)
            return .meta(key: key, value: [UInt8](UnsafeRawBufferPointer(rebasing: payload[k.upperBound...])))
        }
    }

    // MARK: - little helpers

    static func appendLE(_ v: UInt32, to buf: inout [UInt8]) {
        withUnsafeBytes(of: v.littleEndian) { buf.append(contentsOf: $0) }
    }

    static func readLE32(_ b: [UInt8], at i: Int) -> UInt32 {
        UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }

    static func leb128Size(_ n: Int) -> Int {
        var n = n, size = 1
        while n >= 0x80 { n >>= 7; size += 1 }
        return size
    }
}
