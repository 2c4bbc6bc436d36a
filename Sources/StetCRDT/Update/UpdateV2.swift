/// Update format v2 (Yjs `UpdateEncoderV2` / `UpdateDecoderV2`, lib0 ≥ 0.2).
///
/// Layout of a v2 update:
///
///     varUint 0                      feature flag (read and ignored, as Yjs does)
///     varUint8Array keyClock         IntDiffOptRle: key-table indices (format keys, XML names)
///     varUint8Array client           UintOptRle: first client of a section, origin/right-origin/parent clients
///     varUint8Array leftClock        IntDiffOptRle: origin and parent clocks
///     varUint8Array rightClock       IntDiffOptRle: right-origin clocks
///     varUint8Array info             Rle of uint8: struct info bytes
///     varUint8Array string           one varString of every string concatenated, then a UintOptRle
///                                    of their lengths in UTF-16 code units
///     varUint8Array parentInfo       Rle of uint8: 1 = root name follows, 0 = parent ID follows
///     varUint8Array typeRef          UintOptRle: ContentType type refs
///     varUint8Array len              UintOptRle: GC/Deleted lengths, JSON/Any element counts
///     rest (no length prefix)        struct/section counts, first clocks, Skip lengths, binary,
///                                    Any/embed/format values (lib0 Any), then the delete set
///
/// The delete set in v2 (`DSEncoderV2`) writes, per client, clocks as the difference from the
/// end of the previous range and lengths minus one.
///
/// Embeds and format values travel as lib0 Any in v2 but as JSON text in v1. The model keeps
/// JSON text (what v1 carries), so the encoder parses it and writes the value exactly as
/// Yjs's `writeAny` writes the parsed JavaScript value, and the decoder turns the Any back
/// into the text `JSON.stringify` would produce. An embed that is `undefined` becomes the text
/// `undefined` (and back); text that is not JSON is written as `undefined`.
public enum UpdateV2 {
    /// Struct budget of `decode(_:)` when none is given: a v2 update is run-length coded, so a
    /// few bytes can describe billions of structs. Real updates stay far below 32 structs per byte.
    public static func defaultMaxStructs(forInputSize n: Int) -> Int {
        max(1 << 20, n.multipliedReportingOverflow(by: 32).overflow ? Int.max : n * 32)
    }

    // MARK: decoding

    /// Decodes a whole v2 update. Throws `Lib0DecodingError` (absolute byte offset and what was
    /// expected) on malformed or truncated input; never traps.
    public static func decode(_ bytes: [UInt8]) throws -> Update {
        try decode(bytes, maxStructs: defaultMaxStructs(forInputSize: bytes.count))
    }

    /// Decodes with an explicit limit on the total number of structs.
    public static func decode(_ bytes: [UInt8], maxStructs: Int) throws -> Update {
        var r = try V2Reader(bytes)
        let clients = try r.readStructs(maxStructs: maxStructs)
        let ds = try decodeDeleteSet(&r.rest)
        return Update(clients: clients, deleteSet: ds)
    }

    /// Reads a `DSEncoderV2` delete set from `d`.
    public static func decodeDeleteSet(_ d: inout Lib0Decoder) throws -> DeleteSet {
        let n = try d.readLength("delete set client count", limit: d.remaining)
        var clients: [(client: ClientID, ranges: [DeleteRange])] = []
        clients.reserveCapacity(n)
        for _ in 0..<n {
            let client = try d.readClientID("delete set client")
            let nr = try d.readLength("delete range count", limit: d.remaining)
            var rs: [DeleteRange] = []
            rs.reserveCapacity(nr)
            var cur = 0
            for _ in 0..<nr {
                let at = d.position
                let diff = try d.readClock("delete range clock (difference)")
                let clock = cur + diff
                let lenMinusOne = try d.readClock("delete range length - 1")
                let len = lenMinusOne + 1
                guard clock + len <= Int(maxWireNumber) else {
                    throw Lib0DecodingError(offset: d.baseOffset + at, expected: "delete range", detail: "end exceeds 2^53")
                }
                rs.append(DeleteRange(clock: clock, length: len))
                cur = clock + len
            }
            clients.append((client, rs))
        }
        return DeleteSet(clients)
    }

    /// Decodes a delete set written alone by `DSEncoderV2` (as in v2 snapshots).
    public static func decodeDeleteSet(_ bytes: [UInt8]) throws -> DeleteSet {
        var d = Lib0Decoder(bytes)
        return try decodeDeleteSet(&d)
    }

    // MARK: encoding

    /// Encodes `u` byte for byte as Yjs's `UpdateEncoderV2` writes the same structs and delete set.
    public static func encode(_ u: Update) -> [UInt8] {
        var w = V2Writer()
        w.rest.writeVarUInt(u.clients.count)
        for cs in u.clients {
            w.rest.writeVarUInt(cs.structs.count)
            w.client.write(cs.client)
            w.rest.writeWireInt(cs.structs.first?.clock ?? 0)
            for s in cs.structs { w.writeStruct(s) }
        }
        encodeDeleteSet(u.deleteSet, into: &w.rest)
        return w.finish()
    }

    /// Writes a delete set as `DSEncoderV2` does. Ranges are written as given when each starts at
    /// or after the end of the previous one and none is empty (always so for Yjs delete sets);
    /// otherwise that client's ranges are sorted and merged first, since a v2 delete set cannot
    /// express a range before the previous one.
    public static func encodeDeleteSet(_ ds: DeleteSet, into e: inout Lib0Encoder) {
        e.writeVarUInt(ds.clients.count)
        for (client, given) in ds.clients {
            var ranges = given
            var cur = 0
            for r in given {
                if r.length <= 0 || r.clock < cur { ranges = DeleteSet.sortAndMerge(given); break }
                cur = r.end
            }
            e.writeVarUInt(client)
            e.writeVarUInt(ranges.count)
            cur = 0
            for r in ranges {
                e.writeWireInt(r.clock &- cur)
                e.writeWireInt(r.length &- 1)
                cur = r.end
            }
        }
    }

    /// A delete set alone, as `DSEncoderV2` writes it.
    public static func encodeDeleteSet(_ ds: DeleteSet) -> [UInt8] {
        var e = Lib0Encoder()
        encodeDeleteSet(ds, into: &e)
        return e.bytes
    }
}

// MARK: - Column decoders

/// lib0 `RleDecoder` over uint8: a value, then (if bytes remain) a varUint repeat count - 1.
/// A value without a count repeats forever.
private struct RleByteColumn {
    var d: Lib0Decoder
    let name: String
    var value: UInt8 = 0
    var left = 0          // values still to hand out from the current run; -1: forever

    init(_ d: Lib0Decoder, name: String) { self.d = d; self.name = name }

    mutating func read() throws -> UInt8 {
        if left == 0 {
            value = try d.readUInt8("\(name) value (\(name) column)")
            if d.hasMore {
                let c = try d.readClock("\(name) run length - 1 (\(name) column)")
                left = c + 1
            } else {
                left = -1
            }
        }
        if left > 0 { left -= 1 }
        return value
    }
}

/// lib0 `UintOptRleDecoder`: a varInt; a negative one (also -0) is followed by a varUint
/// repeat count - 2.
private struct UintOptRleColumn {
    var d: Lib0Decoder
    let name: String
    var value: UInt64 = 0
    var left = 0
    /// Absolute offset of the varInt that produced `value` (for errors about the value).
    var valueOffset = 0

    init(_ d: Lib0Decoder, name: String) { self.d = d; self.name = name }

    mutating func read() throws -> UInt64 {
        if left == 0 {
            valueOffset = d.absoluteOffset
            let (v, negativeZero) = try d.readVarIntWithSign("\(name) (\(name) column)")
            value = v.magnitude
            if v < 0 || negativeZero {
                left = try d.readClock("\(name) run length - 2 (\(name) column)") + 2
            } else {
                left = 1
            }
        }
        left -= 1
        return value
    }
}

/// lib0 `IntDiffOptRleDecoder`: varInt `diff * 2 + hasCount`, then (if hasCount) a varUint
/// count - 2; each read adds the diff to the running value.
private struct IntDiffOptRleColumn {
    var d: Lib0Decoder
    let name: String
    var value: Int64 = 0
    var diff: Int64 = 0
    var left = 0

    init(_ d: Lib0Decoder, name: String) { self.d = d; self.name = name }

    mutating func read() throws -> Int64 {
        if left == 0 {
            let v = try d.readVarInt("\(name) (\(name) column)")
            diff = v >> 1
            left = try v & 1 == 1 ? d.readClock("\(name) run length - 2 (\(name) column)") + 2 : 1
        }
        let (s, overflow) = value.addingReportingOverflow(diff)
        guard !overflow else { throw d.error("\(name) (\(name) column)", "running value overflows 64 bits") }
        value = s
        left -= 1
        return s
    }

    /// The next value as a clock (0...2^53).
    mutating func readClock() throws -> Clock {
        let at = d.absoluteOffset
        let v = try read()
        guard v >= 0, v <= Int64(maxWireNumber) else {
            throw Lib0DecodingError(offset: at, expected: "\(name) in 0...2^53 (\(name) column)", detail: "got \(v)")
        }
        return Clock(v)
    }
}

/// lib0 `StringDecoder`: every string concatenated into one varString, then a UintOptRle of
/// the lengths in UTF-16 code units.
private struct StringColumn {
    let units: [UInt16]
    var pos = 0
    var lengths: UintOptRleColumn

    init(_ bytes: [UInt8], baseOffset: Int) throws {
        var d = Lib0Decoder(bytes, baseOffset: baseOffset)
        units = Array(try d.readVarString("concatenated strings (string column)").utf16)
        lengths = UintOptRleColumn(d, name: "string length")
    }

    var remainingUnits: Int { units.count - pos }

    mutating func read(_ what: @autoclosure () -> String) throws -> String {
        let n = try lengths.read()
        guard n <= UInt64(units.count - pos) else {
            throw Lib0DecodingError(offset: lengths.valueOffset, expected: "length of \(what()) (string column)",
                                    detail: "\(n) UTF-16 units, \(units.count - pos) left")
        }
        let end = pos + Int(n)
        // Lone surrogates (a pair cut between two strings) become U+FFFD, one unit each.
        let s = UTF16Transcoding.string(units[pos..<end])
        pos = end
        return s
    }
}

/// All decoders of one v2 update. `rest` is the main decoder, positioned after the columns.
private struct V2Reader {
    var rest: Lib0Decoder
    var keyClock: IntDiffOptRleColumn
    var client: UintOptRleColumn
    var leftClock: IntDiffOptRleColumn
    var rightClock: IntDiffOptRleColumn
    var info: RleByteColumn
    var strings: StringColumn
    var parentInfo: RleByteColumn
    var typeRef: UintOptRleColumn
    var len: UintOptRleColumn
    /// Keys read so far through the key clock (Yjs `UpdateDecoderV2.keys`).
    var keys: [String] = []

    init(_ bytes: [UInt8]) throws {
        var d = Lib0Decoder(bytes)
        _ = try d.readVarUInt("feature flag (varUint 0)")
        func column(_ name: String) throws -> Lib0Decoder {
            let lengthAt = d.position
            let n = try d.readVarUInt("byte length of the \(name) column")
            guard n <= UInt64(d.remaining) else {
                throw Lib0DecodingError(offset: lengthAt, expected: "byte length of the \(name) column",
                                        detail: "\(n) bytes, \(d.remaining) left")
            }
            let start = d.position
            return Lib0Decoder(Array(try d.readRaw(Int(n), "\(name) column")), baseOffset: start)
        }
        keyClock = IntDiffOptRleColumn(try column("key clock"), name: "key clock")
        client = UintOptRleColumn(try column("client"), name: "client")
        leftClock = IntDiffOptRleColumn(try column("left clock"), name: "left clock")
        rightClock = IntDiffOptRleColumn(try column("right clock"), name: "right clock")
        info = RleByteColumn(try column("info"), name: "info")
        let s = try column("string")
        strings = try StringColumn(s.bytes, baseOffset: s.baseOffset)
        parentInfo = RleByteColumn(try column("parent info"), name: "parent info")
        typeRef = UintOptRleColumn(try column("type ref"), name: "type ref")
        len = UintOptRleColumn(try column("length"), name: "length")
        rest = d
    }

    mutating func readClient(_ what: String) throws -> ClientID {
        let v = try client.read()
        guard v <= maxWireNumber else {
            throw Lib0DecodingError(offset: client.valueOffset, expected: "\(what) (client column)", detail: "value \(v) exceeds 2^53")
        }
        return v
    }

    mutating func readLen(_ what: String) throws -> Int {
        let v = try len.read()
        guard v <= maxWireNumber else {
            throw Lib0DecodingError(offset: len.valueOffset, expected: "\(what) (length column)", detail: "value \(v) exceeds 2^53")
        }
        return Int(v)
    }

    /// Yjs `readKey`: an index into the keys read so far, or (past their end) a new key.
    mutating func readKey(_ what: String) throws -> String {
        let at = keyClock.d.absoluteOffset
        let k = try keyClock.read()
        guard k >= 0 else {
            throw Lib0DecodingError(offset: at, expected: "key clock >= 0 for \(what)", detail: "got \(k)")
        }
        if k < Int64(keys.count) { return keys[Int(k)] }
        let key = try strings.read(what)
        keys.append(key)
        return key
    }

    mutating func readStructs(maxStructs: Int) throws -> [ClientStructs] {
        var budget = maxStructs
        let nClients = try rest.readLength("number of clients", limit: rest.remaining)
        var out: [ClientStructs] = []
        out.reserveCapacity(nClients)
        for _ in 0..<nClients {
            let nStructs = try rest.readLength("number of structs (at most \(budget) more in this update)", limit: budget)
            budget -= nStructs
            let clientID = try readClient("client id")
            var clock = try rest.readClock("first clock")
            var structs: [UpdateStruct] = []
            structs.reserveCapacity(min(nStructs, 1024))
            for _ in 0..<nStructs {
                let at = info.d.absoluteOffset
                let s = try readStruct(clock: clock)
                clock += s.length
                guard clock <= Int(maxWireNumber) else {
                    throw Lib0DecodingError(offset: at, expected: "struct length", detail: "clock exceeds 2^53")
                }
                structs.append(s)
            }
            out.append(ClientStructs(client: clientID, structs: structs))
        }
        return out
    }

    mutating func readStruct(clock: Clock) throws -> UpdateStruct {
        let infoAt = info.d.absoluteOffset
        let infoByte = try info.read()
        let ref = infoByte & 0x1F
        switch ref {
        case 0:
            return .gc(clock: clock, length: try readLen("GC length"))
        case 10:
            return .skip(clock: clock, length: try rest.readClock("Skip length"))
        case 1...9:
            var origin: ID?
            var rightOrigin: ID?
            if infoByte & 0x80 != 0 {
                origin = ID(client: try readClient("origin client"), clock: try leftClock.readClock())
            }
            if infoByte & 0x40 != 0 {
                rightOrigin = ID(client: try readClient("right origin client"), clock: try rightClock.readClock())
            }
            var parent: ParentRef?
            var parentSub: String?
            if infoByte & 0xC0 == 0 {
                let pAt = parentInfo.d.absoluteOffset
                switch try parentInfo.read() {
                case 1: parent = .root(try strings.read("root type name"))
                case 0: parent = .item(ID(client: try readClient("parent client"), clock: try leftClock.readClock()))
                case let p:
                    throw Lib0DecodingError(offset: pAt, expected: "parent info 0 or 1 (parent info column)", detail: "got \(p)")
                }
                if infoByte & 0x20 != 0 { parentSub = try strings.read("parent sub (map key)") }
            }
            let content = try readContent(ref: ref)
            guard content.length > 0 else {
                throw Lib0DecodingError(offset: infoAt, expected: "a struct of length >= 1", detail: "got an empty \(content.kindName)")
            }
            return .item(UpdateItem(clock: clock, origin: origin, rightOrigin: rightOrigin, parent: parent,
                                    parentSub: parentSub, hasParentSub: infoByte & 0x20 != 0, content: content))
        default:
            throw Lib0DecodingError(offset: infoAt, expected: "content ref 0...10 (info column)",
                                    detail: "got \(ref) in info byte 0x\(String(infoByte, radix: 16))")
        }
    }

    mutating func readContent(ref: UInt8) throws -> ItemContent {
        switch ref {
        case 1:
            return .deleted(try readLen("Deleted length"))
        case 2:
            let at = len.d.absoluteOffset
            let n = try readLen("JSON count")
            // Every JSON text is at least one unit long, which bounds the count.
            guard n <= strings.remainingUnits else {
                throw Lib0DecodingError(offset: at, expected: "JSON count (length column)",
                                        detail: "\(n) exceeds the \(strings.remainingUnits) string units left")
            }
            var xs: [String] = []
            xs.reserveCapacity(n)
            for _ in 0..<n {
                let s = try strings.read("JSON text")
                guard !s.isEmpty else {
                    throw Lib0DecodingError(offset: strings.lengths.valueOffset, expected: "a non-empty JSON text (string column)")
                }
                try UpdateV1.validateJSON(s, at: strings.lengths.valueOffset, what: "JSON content (string column)")
                xs.append(s)
            }
            return .json(xs)
        case 3:
            return .binary(try rest.readVarBytes("binary content"))
        case 4:
            return .string(try strings.read("string content"))
        case 5:
            return .embed(JSText.stringify(try rest.readAny()))
        case 6:
            let key = try readKey("format key")
            return .format(key: key, value: JSText.stringify(try rest.readAny()))
        case 7:
            let at = typeRef.d.absoluteOffset
            let code = try typeRef.read()
            switch code {
            case 0: return .type(.array)
            case 1: return .type(.map)
            case 2: return .type(.text)
            case 3: return .type(.xmlElement(try readKey("XML element name")))
            case 4: return .type(.xmlFragment)
            case 5: return .type(.xmlHook(try readKey("XML hook name")))
            case 6: return .type(.xmlText)
            default:
                throw Lib0DecodingError(offset: at, expected: "type ref 0...6 (type ref column)", detail: "got \(code)")
            }
        case 8:
            let at = len.d.absoluteOffset
            let n = try readLen("Any count")
            // Every Any takes at least one byte of the rest.
            guard n <= rest.remaining else {
                throw Lib0DecodingError(offset: at, expected: "Any count (length column)",
                                        detail: "\(n) exceeds the \(rest.remaining) bytes left")
            }
            var xs: [AnyValue] = []
            xs.reserveCapacity(n)
            for _ in 0..<n { xs.append(try rest.readAny()) }
            return .any(xs)
        case 9:
            let guid = try strings.read("doc guid")
            return .doc(guid: guid, opts: try rest.readAny())
        default:
            throw rest.error("content ref", "\(ref)")
        }
    }
}

// MARK: - Column encoders

private extension Lib0Encoder {
    /// A model integer as varUint. Negative values cannot come from the wire; they are written
    /// as their 64-bit pattern (which no decoder accepts) rather than trapping.
    mutating func writeWireInt(_ v: Int) { writeVarUInt(UInt64(bitPattern: Int64(v))) }

    /// lib0 varInt from sign and magnitude (the magnitude may exceed Int64).
    mutating func writeSignMagnitude(_ magnitude: UInt64, negative: Bool) {
        var mag = magnitude
        var first = UInt8(truncatingIfNeeded: mag & 0x3F)
        if negative { first |= 0x40 }
        mag >>= 6
        if mag > 0 { first |= 0x80 }
        writeUInt8(first)
        while mag > 0 {
            var b = UInt8(truncatingIfNeeded: mag & 0x7F)
            mag >>= 7
            if mag > 0 { b |= 0x80 }
            writeUInt8(b)
        }
    }
}

/// lib0 `RleEncoder` over uint8. The last run's count is never written (the decoder repeats
/// the last value forever).
private struct RleByteEncoder {
    var e = Lib0Encoder()
    var last: UInt8?
    var count = 0

    mutating func write(_ v: UInt8) {
        if last == v {
            count += 1
        } else {
            if count > 0 { e.writeVarUInt(count - 1) }
            count = 1
            e.writeUInt8(v)
            last = v
        }
    }
}

/// lib0 `UintOptRleEncoder`. Starts as if a run of zeros were open (so a leading 0 joins it).
private struct UintOptRleEncoder {
    var e = Lib0Encoder()
    var value: UInt64 = 0
    var count = 0

    mutating func write(_ v: UInt64) {
        if v == value {
            count += 1
        } else {
            flush()
            count = 1
            value = v
        }
    }

    mutating func flush() {
        guard count > 0 else { return }
        // A single value is written positive; a run negative (-0 for zeros), then count - 2.
        e.writeSignMagnitude(value, negative: count > 1)
        if count > 1 { e.writeVarUInt(count - 2) }
    }

    mutating func finish() -> [UInt8] {
        flush()
        count = 0
        return e.bytes
    }
}

/// lib0 `IntDiffOptRleEncoder`: runs of equal differences, `diff * 2 + hasCount`.
private struct IntDiffOptRleEncoder {
    var e = Lib0Encoder()
    var value: Int64 = 0
    var diff: Int64 = 0
    var count = 0

    mutating func write(_ v: Int) {
        let v = Int64(v)
        let d = v &- value
        if d == diff {
            value = v
            count += 1
        } else {
            flush()
            count = 1
            diff = d
            value = v
        }
    }

    mutating func flush() {
        guard count > 0 else { return }
        e.writeVarInt(diff &* 2 &+ (count == 1 ? 0 : 1))
        if count > 1 { e.writeVarUInt(count - 2) }
    }

    mutating func finish() -> [UInt8] {
        flush()
        count = 0
        return e.bytes
    }
}

/// lib0 `StringEncoder`: all strings concatenated, lengths in UTF-16 units.
private struct StringEncoder {
    var utf8: [UInt8] = []
    var lengths = UintOptRleEncoder()

    mutating func write(_ s: String) {
        utf8.append(contentsOf: s.utf8)
        lengths.write(UInt64(s.utf16.count))
    }

    mutating func finish() -> [UInt8] {
        var e = Lib0Encoder(capacity: utf8.count + 16)
        e.writeVarBytes(utf8)
        e.writeRaw(lengths.finish())
        return e.bytes
    }
}

/// The column encoders of `UpdateEncoderV2`, in wire order.
private struct V2Writer {
    var keyClockCounter = 0
    var keyClock = IntDiffOptRleEncoder()
    var client = UintOptRleEncoder()
    var leftClock = IntDiffOptRleEncoder()
    var rightClock = IntDiffOptRleEncoder()
    var info = RleByteEncoder()
    var strings = StringEncoder()
    var parentInfo = RleByteEncoder()
    var typeRef = UintOptRleEncoder()
    var len = UintOptRleEncoder()
    var rest = Lib0Encoder(capacity: 64)

    /// Yjs `writeKey`: its key cache is disabled, so every key gets the next key clock and is
    /// written to the string column.
    mutating func writeKey(_ key: String) {
        keyClock.write(keyClockCounter)
        keyClockCounter += 1
        strings.write(key)
    }

    mutating func writeLen(_ n: Int) { len.write(UInt64(bitPattern: Int64(n))) }

    mutating func writeStruct(_ s: UpdateStruct) {
        switch s {
        case .gc(_, let n):
            info.write(0)
            writeLen(n)
        case .skip(_, let n):
            info.write(10)
            rest.writeWireInt(n)
        case .item(let it):
            let noOrigins = it.origin == nil && it.rightOrigin == nil
            // Keep the info bit and the written key consistent even for a hand-built item.
            let writesSub = noOrigins && (it.hasParentSub || it.parentSub != nil)
            var infoByte = it.content.ref & 0x1F
            if it.origin != nil { infoByte |= 0x80 }
            if it.rightOrigin != nil { infoByte |= 0x40 }
            if it.hasParentSub || writesSub { infoByte |= 0x20 }
            info.write(infoByte)
            if let o = it.origin {
                client.write(o.client)
                leftClock.write(o.clock)
            }
            if let o = it.rightOrigin {
                client.write(o.client)
                rightClock.write(o.clock)
            }
            if noOrigins {
                switch it.parent {
                case .item(let id):
                    parentInfo.write(0)
                    client.write(id.client)
                    leftClock.write(id.clock)
                case .root(let name):
                    parentInfo.write(1)
                    strings.write(name)
                case nil: // no parent known: unreachable for valid items (as in v1)
                    parentInfo.write(1)
                    strings.write("")
                }
                if writesSub { strings.write(it.parentSub ?? "") }
            }
            writeContent(it.content)
        }
    }

    mutating func writeContent(_ c: ItemContent) {
        switch c {
        case .deleted(let n): writeLen(n)
        case .json(let xs):
            writeLen(xs.count)
            for x in xs { strings.write(x) }
        case .binary(let b): rest.writeVarBytes(b)
        case .string(let s): strings.write(s)
        case .embed(let text): JSText.writeAny(parsing: text, into: &rest)
        case .format(let key, let value):
            writeKey(key)
            JSText.writeAny(parsing: value, into: &rest)
        case .type(let t):
            typeRef.write(UInt64(t.code))
            switch t {
            case .xmlElement(let name), .xmlHook(let name): writeKey(name)
            default: break
            }
        case .any(let xs):
            writeLen(xs.count)
            for x in xs { rest.writeAny(x) }
        case .doc(let guid, let opts):
            strings.write(guid)
            rest.writeAny(opts)
        }
    }

    mutating func finish() -> [UInt8] {
        let columns = [keyClock.finish(), client.finish(), leftClock.finish(), rightClock.finish(),
                       info.e.bytes, strings.finish(), parentInfo.e.bytes, typeRef.finish(), len.finish()]
        var out = Lib0Encoder(capacity: columns.reduce(rest.count + 16) { $0 + $1.count + 5 })
        out.writeVarUInt(0) // feature flag
        for c in columns { out.writeVarBytes(c) }
        out.writeRaw(rest.bytes)
        return out.bytes
    }
}

// MARK: - JSON text <-> lib0 Any, as JavaScript does it

/// The conversions Yjs performs implicitly between v1 (JSON text) and v2 (lib0 Any) for
/// embeds and format values: `JSON.parse` then `writeAny`, and `readAny` then `JSON.stringify`.
enum JSText {
    /// Writes the JavaScript value `JSON.parse(text)` as lib0 `writeAny` would.
    /// `undefined` (and any text that is not JSON) is written as undefined.
    static func writeAny(parsing text: String, into e: inout Lib0Encoder) {
        guard text != "undefined", let v = try? JSON.parse(text) else {
            e.writeUInt8(127)
            return
        }
        writeAny(v, into: &e)
    }

    static func writeAny(_ v: JSON, into e: inout Lib0Encoder) {
        switch v {
        case .null: e.writeUInt8(126)
        case .bool(let b): e.writeUInt8(b ? 120 : 121)
        case .string(let s): e.writeUInt8(119); e.writeVarString(s)
        case .number(let d):
            if d.isFinite, d == d.rounded(.towardZero), abs(d) <= 2147483647 {
                e.writeUInt8(125)
                e.writeVarInt(Int64(d), negativeZero: d == 0 && d.sign == .minus)
            } else if d.isNaN == false, Double(Float(d)) == d {
                e.writeUInt8(124); e.writeFloat32(Float(d))
            } else {
                e.writeUInt8(123); e.writeFloat64(d)
            }
        case .array(let xs):
            e.writeUInt8(117)
            e.writeVarUInt(xs.count)
            for x in xs { writeAny(x, into: &e) }
        case .object(let kv):
            let props = jsOwnProperties(kv, dropProto: false)
            e.writeUInt8(118)
            e.writeVarUInt(props.count)
            for (k, x) in props { e.writeVarString(k); writeAny(x, into: &e) }
        }
    }

    /// `JSON.stringify` of the JavaScript value lib0 `readAny` produces. Top-level undefined
    /// gives `undefined`; a bigint (which JSON.stringify refuses) its decimal digits.
    static func stringify(_ v: AnyValue) -> String {
        var out = ""
        if case .undefined = v { return "undefined" }
        write(v, inArray: false, to: &out)
        return out
    }

    private static func write(_ v: AnyValue, inArray: Bool, to out: inout String) {
        switch v {
        case .undefined, .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i), .bigint(let i): out += String(i)
        case .float32(let f): out += jsonNumber(Double(f))
        case .float64(let d): out += jsonNumber(d)
        case .string(let s): JSON.writeString(s, to: &out)
        case .array(let xs):
            out += "["
            for (i, x) in xs.enumerated() {
                if i > 0 { out += "," }
                write(x, inArray: true, to: &out)
            }
            out += "]"
        case .bytes(let b):
            // A Uint8Array serializes as an object of its indices.
            out += "{"
            for (i, x) in b.enumerated() {
                if i > 0 { out += "," }
                out += "\"\(i)\":\(x)"
            }
            out += "}"
        case .object(let kv):
            out += "{"
            var first = true
            for (k, x) in jsOwnProperties(kv, dropProto: true) {
                if case .undefined = x { continue } // omitted by JSON.stringify
                if !first { out += "," }
                first = false
                JSON.writeString(k, to: &out)
                out += ":"
                write(x, inArray: false, to: &out)
            }
            out += "}"
        }
    }

    /// The own properties of a JavaScript object built by assigning `kv` in order, in
    /// `Object.keys` order: array-index keys ascending, then the others in insertion order;
    /// a repeated key keeps its first place and its last value. `readAny` assigns with `obj[k] =`,
    /// so `__proto__` sets the prototype instead of making a property (`dropProto`).
    static func jsOwnProperties<V>(_ kv: [(String, V)], dropProto: Bool) -> [(String, V)] {
        var index: [String: Int] = [:]
        var props: [(String, V)] = []
        props.reserveCapacity(kv.count)
        for (k, v) in kv {
            if dropProto && k == "__proto__" { continue }
            if let i = index[k] { props[i].1 = v } else { index[k] = props.count; props.append((k, v)) }
        }
        var indices: [(UInt32, (String, V))] = []
        var others: [(String, V)] = []
        for p in props {
            if let n = arrayIndex(p.0) { indices.append((n, p)) } else { others.append(p) }
        }
        if indices.isEmpty { return others }
        indices.sort { $0.0 < $1.0 }
        return indices.map { $0.1 } + others
    }

    /// The value of an ECMAScript array index key ("0", or no leading zero, below 2^32 - 1).
    static func arrayIndex(_ k: String) -> UInt32? {
        let u = Array(k.utf8)
        guard !u.isEmpty, u.count <= 10, u.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        if u.count > 1 && u[0] == 0x30 { return nil }
        var v: UInt64 = 0
        for c in u { v = v * 10 + UInt64(c - 0x30) }
        return v < 0xFFFF_FFFF ? UInt32(v) : nil
    }

    /// A number as `JSON.stringify` writes it: non-finite as null, otherwise `Number#toString`.
    static func jsonNumber(_ d: Double) -> String {
        d.isFinite ? jsNumberString(d) : "null"
    }

    /// ECMAScript `Number::toString(10)` for a finite double: the shortest round-tripping digits
    /// (as Swift's description), laid out by the ECMAScript rules.
    static func jsNumberString(_ d: Double) -> String {
        if d == 0 { return "0" }
        let text = d.magnitude.description
        var digits: [UInt8] = []
        var pointPos = 0
        var seenPoint = false
        var exp = 0
        var i = text.utf8.startIndex
        let u = text.utf8
        while i != u.endIndex {
            let c = u[i]
            if c == UInt8(ascii: ".") {
                seenPoint = true
            } else if c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
                exp = Int(String(decoding: u[u.index(after: i)...], as: UTF8.self)) ?? 0
                break
            } else {
                digits.append(c)
                if !seenPoint { pointPos += 1 }
            }
            i = u.index(after: i)
        }
        pointPos += exp
        while let f = digits.first, f == UInt8(ascii: "0") { digits.removeFirst(); pointPos -= 1 }
        while let l = digits.last, l == UInt8(ascii: "0") { digits.removeLast() }
        let k = digits.count
        let n = pointPos
        let ds = String(decoding: digits, as: UTF8.self)
        var out = d < 0 ? "-" : ""
        if k <= n && n <= 21 {
            out += ds + String(repeating: "0", count: n - k)
        } else if 0 < n && n <= 21 {
            out += String(ds.prefix(n)) + "." + String(ds.dropFirst(n))
        } else if -6 < n && n <= 0 {
            out += "0." + String(repeating: "0", count: -n) + ds
        } else {
            let e = n - 1
            out += String(ds.prefix(1))
            if k > 1 { out += "." + String(ds.dropFirst(1)) }
            out += "e" + (e < 0 ? "-" : "+") + String(e.magnitude)
        }
        return out
    }
}
