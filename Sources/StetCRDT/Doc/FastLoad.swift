/// The common shape of an update — strings, deletions and GC ranges of root types, clients in
/// Yjs's descending order — decoded without building `Update` values: string content is
/// validated and transcoded straight into a shared UTF-16 buffer. Anything else (or bytes the
/// general decoder would reject) returns nil and the general path runs; nothing is applied
/// before the whole update has decoded.
struct FastLoad {
    struct Record {
        var client: ClientID
        var clock: Clock
        var length: Int
        var gc: Bool
        var deleted: Bool
        var origin: ID?
        var rightOrigin: ID?
        var root: String?
        var units: Range<Int>
    }

    var records: [Record] = []
    var deleteSet = DeleteSet()

    static func decode(_ bytes: [UInt8], into units: inout [UInt16]) throws -> FastLoad? {
        units.removeAll(keepingCapacity: true)
        var d = Lib0Decoder(bytes)
        var f = FastLoad()
        guard let nClients = try? d.readLength("clients", limit: d.remaining) else { return nil }
        var lastClient: ClientID? = nil
        var lastRoot: String? = nil
        for _ in 0..<nClients {
            guard let nStructs = try? d.readLength("structs", limit: d.remaining),
                  let client = try? d.readClientID("client"),
                  var clock = try? d.readClock("clock") else { return nil }
            if let l = lastClient, client >= l { return nil } // Yjs order only
            lastClient = client
            for _ in 0..<nStructs {
                guard let info = try? d.readUInt8("info") else { return nil }
                let ref = info & 0x1F
                var r = Record(client: client, clock: clock, length: 0, gc: false, deleted: false, origin: nil, rightOrigin: nil, root: nil, units: 0..<0)
                if ref == 0 {
                    guard let n = try? d.readClock("GC length"), n > 0 else { return nil }
                    r.gc = true
                    r.length = n
                } else if ref == 4 || ref == 1 {
                    if info & 0x20 != 0 { return nil } // map entries: general path
                    if info & 0x80 != 0 {
                        guard let c = try? d.readClientID("origin client"), let k = try? d.readClock("origin clock") else { return nil }
                        r.origin = ID(client: c, clock: k)
                    }
                    if info & 0x40 != 0 {
                        guard let c = try? d.readClientID("right origin client"), let k = try? d.readClock("right origin clock") else { return nil }
                        r.rightOrigin = ID(client: c, clock: k)
                    }
                    if info & 0xC0 == 0 {
                        guard let p = try? d.readVarUInt("parent info"), p == 1,
                              let name = try? d.readVarString("root name") else { return nil }
                        if name != lastRoot { lastRoot = name }
                        r.root = lastRoot
                    }
                    if ref == 1 {
                        guard let n = try? d.readClock("Deleted length"), n > 0 else { return nil }
                        r.deleted = true
                        r.length = n
                    } else {
                        // `remaining` must be read after the length itself
                        guard let n = try? d.readLength("string length", limit: d.remaining), n > 0, n <= d.remaining else { return nil }
                        let start = units.count
                        let from = d.position
                        var ascii = true
                        for i in from..<(from + n) where bytes[i] >= 0x80 { ascii = false; break }
                        if ascii {
                            for i in from..<(from + n) { units.append(UInt16(bytes[i])) }
                        } else {
                            let ok = bytes.withUnsafeBufferPointer { UTF16Transcoding.decode(UnsafeBufferPointer(rebasing: $0[from..<(from + n)]), appendingTo: &units) }
                            if !ok { return nil }
                        }
                        d.position = from + n
                        r.units = start..<units.count
                        r.length = units.count - start
                    }
                } else {
                    return nil
                }
                clock += r.length
                guard clock <= Int(maxWireNumber) else { return nil }
                f.records.append(r)
            }
        }
        guard let ds = try? UpdateV1.decodeDeleteSet(&d) else { return nil }
        f.deleteSet = ds
        return f
    }
}

extension IncomingItem {
    init(client: ClientID, _ r: FastLoad.Record) {
        self.client = client
        clock = r.clock
        length = r.length
        origin = r.origin
        rightOrigin = r.rightOrigin
        parentRef = r.root.map { .root($0) }
        parentSub = nil
        hasParentSub = false
        isGC = r.gc
        content = .deleted(r.length)
        if !r.gc && !r.deleted { stringUnits = r.units }
    }
}
