import Foundation
import XCTest
@testable import StetCRDT

/// One pair of encodings of the same update, made by Yjs (see Fixtures/v2/make_v2_fixtures.cjs).
private struct V2Fixture: Sendable {
    let name: String
    /// "convert": v2 = Y.convertUpdateFormatV1ToV2(v1); "doc": both encoded from one live Y.Doc.
    let kind: String
    let v1: [UInt8]
    let v2: [UInt8]
}

private enum V2Fixtures {
    static let all: [V2Fixture] = load()

    static func load() -> [V2Fixture] {
        guard let dir = Bundle.module.url(forResource: "Fixtures", withExtension: nil),
              let data = try? Data(contentsOf: dir.appendingPathComponent("v2/v2_fixtures.json")),
              let list = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]] else { return [] }
        return list.map {
            V2Fixture(name: $0["name"] as? String ?? "?", kind: $0["kind"] as? String ?? "?",
                      v1: bytes($0["v1hex"] as? String ?? ""), v2: bytes($0["v2hex"] as? String ?? ""))
        }
    }

    static func bytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(hex.utf8.count / 2)
        var hi: UInt8?
        for c in hex.utf8 {
            let v: UInt8 = c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x61 + 10
            if let h = hi { out.append(h << 4 | v); hi = nil } else { hi = v }
        }
        return out
    }

    static func hex(_ b: [UInt8]) -> String { b.map { String(format: "%02x", $0) }.joined() }
}

/// The value a JavaScript peer holds after `readAny`, written back by `writeAny`: integers up
/// to 2^31-1 as int, other float32-exact numbers as float32, the rest as float64; object keys
/// in `Object.keys` order.
private func jsRetagged(_ v: AnyValue) -> AnyValue {
    func number(_ d: Double) -> AnyValue {
        if d.isFinite, d == d.rounded(.towardZero), abs(d) <= 2147483647 { return .int(Int64(d)) }
        if !d.isNaN, Double(Float(d)) == d { return .float32(Float(d)) }
        return .float64(d)
    }
    switch v {
    case .int(let i): return number(Double(i))
    case .float32(let f): return number(Double(f))
    case .float64(let d): return number(d)
    case .array(let xs): return .array(xs.map(jsRetagged))
    case .object(let kv): return .object(JSText.jsOwnProperties(kv, dropProto: true).map { ($0.0, jsRetagged($0.1)) })
    default: return v
    }
}

/// JSON text compared by value (yrs and JSON.stringify may print the same value differently).
private func canonicalJSONText(_ t: String) -> String {
    guard t != "undefined", let j = try? JSON.parse(t) else { return t }
    return j.serialized
}

private func mapItems(_ u: Update, _ f: (UpdateItem) -> UpdateItem) -> Update {
    var u = u
    for i in u.clients.indices {
        u.clients[i].structs = u.clients[i].structs.map {
            if case .item(let it) = $0 { return .item(f(it)) }
            return $0
        }
    }
    return u
}

/// Values compared leniently: Any numbers by JS value, JSON texts by value, delete sets normalized.
private func lenient(_ u: Update) -> Update {
    var u = mapItems(u) { it in
        var it = it
        switch it.content {
        case .any(let xs): it.content = .any(xs.map(jsRetagged))
        case .doc(let g, let o): it.content = .doc(guid: g, opts: jsRetagged(o))
        case .embed(let t): it.content = .embed(canonicalJSONText(t))
        case .format(let k, let v): it.content = .format(key: k, value: canonicalJSONText(v))
        case .json(let xs): it.content = .json(xs.map(canonicalJSONText))
        default: break
        }
        return it
    }
    u.deleteSet = u.deleteSet.normalized()
    return u
}

/// What `Y.convertUpdateFormatV1ToV2` makes of a v1 update: its lazy struct reader drops the
/// parentSub of items that have an origin (so info bit 6 goes), empty client sections vanish and
/// adjacent sections of one client join; the delete set goes through a Map (empty clients go).
/// `retagAny` also applies the JavaScript number/key normalization of `readAny`/`writeAny`.
private func yjsConverted(_ u: Update, retagAny: Bool) -> Update {
    var clients: [ClientStructs] = []
    for cs in u.clients where !cs.structs.isEmpty {
        let structs = cs.structs.map { s -> UpdateStruct in
            guard case .item(var it) = s else { return s }
            if it.origin != nil || it.rightOrigin != nil { it.hasParentSub = false; it.parentSub = nil }
            if retagAny {
                switch it.content {
                case .any(let xs): it.content = .any(xs.map(jsRetagged))
                case .doc(let g, let o): it.content = .doc(guid: g, opts: jsRetagged(o))
                default: break
                }
            }
            return .item(it)
        }
        if let last = clients.last, last.client == cs.client {
            clients[clients.count - 1].structs += structs
        } else {
            clients.append(ClientStructs(client: cs.client, structs: structs))
        }
    }
    var order: [ClientID] = []
    var ranges: [ClientID: [DeleteRange]] = [:]
    for (c, rs) in u.deleteSet.clients where !rs.isEmpty {
        if ranges[c] == nil { order.append(c) }
        ranges[c, default: []] += rs
    }
    return Update(clients: clients, deleteSet: DeleteSet(order.map { ($0, ranges[$0]!) }))
}


final class UpdateV2Tests: XCTestCase {
    private var fixtures: [V2Fixture] { V2Fixtures.all }

    func testFixturesLoad() {
        XCTAssertGreaterThan(fixtures.count, 300, "Fixtures/v2/v2_fixtures.json missing or short")
        XCTAssertTrue(fixtures.contains { $0.kind == "doc" })
        XCTAssertTrue(fixtures.contains { $0.kind == "convert" })
    }

    // MARK: (1) decoding agrees with v1

    func testDecodeV2EqualsDecodeV1() throws {
        var exact = 0, lenientOnly: [String] = []
        for f in fixtures {
            let m1 = try UpdateV1.decode(f.v1)
            let m2: Update
            do { m2 = try UpdateV2.decode(f.v2) } catch {
                XCTFail("\(f.name): v2 decode failed: \(error)"); continue
            }
            var expected = f.kind == "convert" ? yjsConverted(m1, retagAny: false) : m1
            expected.deleteSet = expected.deleteSet.normalized()
            var got = m2
            got.deleteSet = got.deleteSet.normalized()
            if got == expected { exact += 1; continue }
            XCTAssertEqual(lenient(got), lenient(expected), "\(f.name)")
            lenientOnly.append(f.name)
        }
        print("UpdateV2 decode==v1: \(exact) exact, \(lenientOnly.count) equal after number/JSON normalization: \(lenientOnly)")
    }

    // MARK: (2) encoding is byte-identical to Yjs

    func testEncodeByteIdenticalToYjs() throws {
        var direct = 0, viaConvertSemantics: [String] = []
        for f in fixtures {
            let m1 = try UpdateV1.decode(f.v1)
            let out = UpdateV2.encode(m1)
            if out == f.v2 { direct += 1; continue }
            if f.kind == "convert" {
                // convertUpdateFormatV1ToV2 re-reads the update (see yjsConverted): model that.
                let converted = UpdateV2.encode(yjsConverted(m1, retagAny: true))
                if converted == f.v2 {
                    // Which part of the convert semantics mattered: the info bit 6 drop alone?
                    let bit6Only = UpdateV2.encode(yjsConverted(m1, retagAny: false)) == f.v2
                    viaConvertSemantics.append(f.name + (bit6Only ? " (structure)" : " (Any numbers)"))
                    continue
                }
                XCTFail("\(f.name): v2 differs\n ours \(V2Fixtures.hex(converted))\n yjs  \(V2Fixtures.hex(f.v2))")
            } else {
                XCTFail("\(f.name): v2 differs\n ours \(V2Fixtures.hex(out))\n yjs  \(V2Fixtures.hex(f.v2))")
            }
        }
        print("UpdateV2 encode: \(direct) byte-identical directly, \(viaConvertSemantics.count) after modelling convertUpdateFormatV1ToV2: \(viaConvertSemantics)")
    }

    /// Decoding Yjs's v2 and encoding again gives Yjs's bytes back.
    func testReencodeYjsV2IsIdentity() throws {
        for f in fixtures {
            let m = try UpdateV2.decode(f.v2)
            let again = UpdateV2.encode(m)
            XCTAssertEqual(again, f.v2, "\(f.name)\n ours \(V2Fixtures.hex(again))\n yjs  \(V2Fixtures.hex(f.v2))")
        }
    }

    /// v2 -> model -> v1 is what Yjs's convertUpdateFormatV2ToV1 would give for live-doc fixtures.
    func testDocFixturesV1FromV2() throws {
        for f in fixtures where f.kind == "doc" {
            XCTAssertEqual(UpdateV1.encode(try UpdateV2.decode(f.v2)), f.v1, f.name)
        }
    }

    // MARK: (3) round trips

    func testRoundTrip() throws {
        for f in fixtures {
            let m2 = try UpdateV2.decode(f.v2)
            XCTAssertEqual(try UpdateV2.decode(UpdateV2.encode(m2)), m2, f.name)
            let m1 = try UpdateV1.decode(f.v1)
            let back = try UpdateV2.decode(UpdateV2.encode(m1))
            if back != m1 { XCTAssertEqual(lenient(back), lenient(m1), f.name) }
        }
    }

    // MARK: (4) hostile input

    func testEveryPrefixThrows() {
        var checked = 0
        for f in fixtures {
            // Every prefix of small fixtures; for large ones the first and last 1024 and 1000 more.
            let n = f.v2.count
            var cuts = Array(0..<n)
            if n > 8192 {
                var rng = SplitMix(seed: UInt64(n))
                cuts = Array(0..<1024) + Array((n - 1024)..<n) + (0..<1000).map { _ in Int.random(in: 0..<n, using: &rng) }
            }
            for cut in cuts {
                checked += 1
                do {
                    _ = try UpdateV2.decode(Array(f.v2[..<cut]))
                    XCTFail("\(f.name): prefix of \(cut)/\(n) bytes decoded")
                } catch let e as Lib0DecodingError {
                    XCTAssertLessThanOrEqual(e.offset, cut, "\(f.name): error offset beyond the input")
                } catch {
                    XCTFail("\(f.name): unexpected error type \(error)")
                }
            }
        }
        print("UpdateV2: \(checked) truncated inputs rejected")
    }

    func testRandomCorruptionNeverTraps() {
        let seed = UInt64(ProcessInfo.processInfo.environment["STET_SEED"] ?? "") ?? UInt64.random(in: 0...UInt64.max)
        print("UpdateV2 corruption seed: \(seed) (set STET_SEED to replay)")
        var rng = SplitMix(seed: seed)
        let small = fixtures.filter { $0.v2.count <= 4096 }
        var decoded = 0, rejected = 0
        for _ in 0..<20_000 {
            var b = small[Int.random(in: 0..<small.count, using: &rng)].v2
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let i = Int.random(in: 0..<b.count, using: &rng)
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: b[i] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &rng)
                case 1: b[i] = UInt8.random(in: 0...255, using: &rng)
                case 2: b.insert(UInt8.random(in: 0...255, using: &rng), at: i)
                default: if b.count > 1 { b.remove(at: i) }
                }
            }
            do {
                let u = try UpdateV2.decode(b)
                decoded += 1
                // Whatever decodes must re-encode and decode to the same value.
                XCTAssertEqual(try UpdateV2.decode(UpdateV2.encode(u)), u, "seed \(seed)")
                _ = UpdateV1.encode(u)
            } catch let e as Lib0DecodingError {
                rejected += 1
                XCTAssertFalse(e.expected.isEmpty)
            } catch {
                XCTFail("seed \(seed): unexpected error type \(error)")
            }
        }
        for _ in 0..<5_000 {
            let b = (0..<Int.random(in: 0..<64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            _ = try? UpdateV2.decode(b)
        }
        print("UpdateV2 corruption: \(decoded) decoded, \(rejected) rejected")
    }

    /// A few bytes can claim billions of structs through run-length coding.
    func testRunLengthBombIsRefused() throws {
        func bomb(structs: UInt64) -> [UInt8] {
            var e = Lib0Encoder()
            e.writeVarUInt(0)                              // feature flag
            e.writeVarBytes([])                            // key clock
            e.writeVarBytes([0x05])                        // client 5
            e.writeVarBytes([]); e.writeVarBytes([])       // left, right clocks
            e.writeVarBytes([0x00])                        // info: GC, forever
            e.writeVarBytes([0x00])                        // strings: ""
            e.writeVarBytes([])                            // parent info
            e.writeVarBytes([])                            // type refs
            var len = Lib0Encoder(); len.writeVarInt(-1); len.writeVarUInt(UInt64(1) << 50)
            e.writeVarBytes(len.bytes)                     // lengths: 1, 2^50 times
            e.writeVarUInt(1); e.writeVarUInt(structs); e.writeVarUInt(0) // 1 client, n structs, clock 0
            e.writeVarUInt(0)                              // empty delete set
            return e.bytes
        }
        XCTAssertThrowsError(try UpdateV2.decode(bomb(structs: 1 << 40))) { e in
            XCTAssertTrue("\(e)".contains("number of structs"), "\(e)")
        }
        XCTAssertThrowsError(try UpdateV2.decode(bomb(structs: 1001), maxStructs: 1000))
        let u = try UpdateV2.decode(bomb(structs: 1000), maxStructs: 1000)
        XCTAssertEqual(u.clients.first?.structs.count, 1000)
        XCTAssertEqual(u.clients.first?.structs.last, .gc(clock: 999, length: 1))
    }

    // MARK: details of the format

    func testEmptyUpdate() throws {
        let empty = UpdateV2.encode(Update())
        // Flag, eight empty columns around the string column (one empty varString), no clients, no deletes.
        XCTAssertEqual(empty, [0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0])
        XCTAssertEqual(try UpdateV2.decode(empty), Update())
        XCTAssertEqual(fixtures.first { $0.name == "synthetic/empty" }?.v2, empty)
    }

    func testStringLengthsAreUTF16Units() throws {
        let s = "a😀b𝄞"
        let u = Update(clients: [ClientStructs(client: 1, structs: [
            .item(UpdateItem(clock: 0, parent: .root("text"), content: .string(s))),
            .item(UpdateItem(clock: 6, origin: ID(client: 1, clock: 5), content: .string("é"))),
        ])])
        let b = UpdateV2.encode(u)
        let decoded = try UpdateV2.decode(b)
        XCTAssertEqual(decoded, u)
        XCTAssertEqual(decoded.clients[0].structs[1].clock, 6)
        // The string column: varString "text" + s + "é", then lengths 4, 6, 1.
        var d = Lib0Decoder(b)
        _ = try d.readVarUInt()
        for _ in 0..<5 { _ = try d.readVarBytes() }
        var col = Lib0Decoder(try d.readVarBytes())
        XCTAssertEqual(try col.readVarString(), "text" + s + "é")
        XCTAssertEqual(try col.readVarInt(), 4)
        XCTAssertEqual(try col.readVarInt(), 6)
        XCTAssertEqual(try col.readVarInt(), 1)
    }

    /// A surrogate pair cut between two strings of the column becomes two U+FFFD (as v1 slicing).
    func testSplitSurrogatePairInStringColumn() throws {
        var w = Lib0Encoder()
        w.writeVarString("t😀")
        w.writeVarInt(-1); w.writeVarUInt(1)         // length 1, three times
        var e = Lib0Encoder()
        e.writeVarUInt(0)
        e.writeVarBytes([])
        e.writeVarBytes([0x42, 0x00])                // client 2, twice
        e.writeVarBytes([0x00])                      // left clock 0
        e.writeVarBytes([])
        e.writeVarBytes([0x04, 0x00, 0x84])          // info: 4 once, then 0x84 forever
        e.writeVarBytes(w.bytes)
        e.writeVarBytes([0x01])                      // parent info: root name
        e.writeVarBytes([]); e.writeVarBytes([])
        e.writeRaw([1, 2, 0, 0])                     // 1 client, 2 structs, clock 0; empty DS
        let u = try UpdateV2.decode(e.bytes)
        guard case .item(let a) = u.clients[0].structs[0], case .item(let b) = u.clients[0].structs[1] else {
            return XCTFail("expected items")
        }
        XCTAssertEqual(a.parent, .root("t"))
        XCTAssertEqual(a.content, .string("\u{FFFD}"))
        XCTAssertEqual(b.content, .string("\u{FFFD}"))
        XCTAssertEqual(b.origin, ID(client: 2, clock: 0))
        XCTAssertEqual(b.clock, 1)
    }

    func testDeleteSetDeltaCoding() throws {
        let ds = DeleteSet([(client: 7, ranges: [DeleteRange(clock: 2, length: 3), DeleteRange(clock: 10, length: 1)]),
                            (client: 3, ranges: [DeleteRange(clock: 0, length: 1)])])
        let b = UpdateV2.encodeDeleteSet(ds)
        XCTAssertEqual(b, [2, 7, 2, 2, 2, 5, 0, 3, 1, 0, 0])
        XCTAssertEqual(try UpdateV2.decodeDeleteSet(b), ds)
        // Ranges a v2 delete set cannot express in order are sorted and merged, not trapped on.
        let messy = DeleteSet([(client: 1, ranges: [DeleteRange(clock: 5, length: 2), DeleteRange(clock: 1, length: 0),
                                                    DeleteRange(clock: 0, length: 2), DeleteRange(clock: 6, length: 3)])])
        XCTAssertEqual(try UpdateV2.decodeDeleteSet(UpdateV2.encodeDeleteSet(messy)), messy.normalized())
    }

    func testErrorsCarryAbsoluteOffsets() throws {
        var u = Update(clients: [ClientStructs(client: 1, structs: [
            .item(UpdateItem(clock: 0, parent: .root("t"), content: .string("x")))])])
        var b = UpdateV2.encode(u)
        // Find the info column (5th) and put ref 31 in it.
        var d = Lib0Decoder(b)
        _ = try d.readVarUInt()
        for _ in 0..<4 { _ = try d.readVarBytes() }
        _ = try d.readVarUInt()
        let infoAt = d.position
        XCTAssertEqual(b[infoAt], 4)
        b[infoAt] = 0x1F
        XCTAssertThrowsError(try UpdateV2.decode(b)) { e in
            XCTAssertEqual((e as? Lib0DecodingError)?.offset, infoAt, "\(e)")
        }
        // A string length past the end of the concatenated strings.
        u.clients[0].structs[0] = .item(UpdateItem(clock: 0, parent: .root("t"), content: .string("xy")))
        b = UpdateV2.encode(u)
        d = Lib0Decoder(b)
        _ = try d.readVarUInt()
        for _ in 0..<5 { _ = try d.readVarBytes() }
        _ = try d.readVarUInt()
        let strAt = d.position
        var col = Lib0Decoder(Array(b[strAt...]))
        _ = try col.readVarString()
        let secondLengthAt = strAt + col.position + 1
        XCTAssertEqual(b[secondLengthAt], 2)
        b[secondLengthAt] = 9
        XCTAssertThrowsError(try UpdateV2.decode(b)) { e in
            let e = e as? Lib0DecodingError
            XCTAssertEqual(e?.offset, secondLengthAt, "\(String(describing: e))")
            XCTAssertTrue(e?.expected.contains("string content") ?? false)
        }
    }

    func testKeyTableAndXmlNames() throws {
        let items: [UpdateStruct] = [
            .item(UpdateItem(clock: 0, parent: .root("x"), content: .type(.xmlElement("p")))),
            .item(UpdateItem(clock: 1, origin: ID(client: 4, clock: 0), content: .format(key: "bold", value: "true"))),
            .item(UpdateItem(clock: 2, origin: ID(client: 4, clock: 1), content: .format(key: "bold", value: "null"))),
            .item(UpdateItem(clock: 3, origin: ID(client: 4, clock: 2), content: .type(.xmlHook("h")))),
        ]
        let u = Update(clients: [ClientStructs(client: 4, structs: items)])
        let b = UpdateV2.encode(u)
        XCTAssertEqual(try UpdateV2.decode(b), u)
        var d = Lib0Decoder(b)
        _ = try d.readVarUInt()
        // Yjs's key cache is disabled: key clocks 0, 1, 2, 3 (IntDiffOptRle: 0 once, then +1 three times).
        XCTAssertEqual(try d.readVarBytes(), [0x00, 0x03, 0x01])
        var cols: [[UInt8]] = []
        for _ in 0..<8 { cols.append(try d.readVarBytes()) }
        let rest = Array(b[d.position...])
        var strings = Lib0Decoder(cols[4])
        XCTAssertEqual(try strings.readVarString(), "xpboldboldh")
        // Another encoder may reuse a key: clocks 0, 1, 1, 2 and "bold" written once.
        var keys = Lib0Encoder()
        for v: Int64 in [0, 2, 0, 2] { keys.writeVarInt(v) }
        var sc = Lib0Encoder()
        sc.writeVarString("xpboldh")
        for v: Int64 in [1, 1, 4, 1] { sc.writeVarInt(v) }
        cols[4] = sc.bytes
        var e = Lib0Encoder()
        e.writeVarUInt(0)
        e.writeVarBytes(keys.bytes)
        for c in cols { e.writeVarBytes(c) }
        e.writeRaw(rest)
        XCTAssertEqual(try UpdateV2.decode(e.bytes), u)
    }

    func testJSONTextAsAny() throws {
        // Expected bytes from lib0 writeAny(JSON.parse(text)) and JSON.stringify(readAny(bytes)).
        let cases: [(String, String, String)] = [
            ("{\"b\":1,\"2\":2,\"a\":[1.5,null,true],\"1\":{\"x\":-0},\"b\":\"dup\"}",
             "76040131760101787d4001327d0201627703647570016175037c3fc000007e78",
             "{\"1\":{\"x\":0},\"2\":2,\"b\":\"dup\",\"a\":[1.5,null,true]}"),
            ("-0", "7d40", "0"),
            ("1e21", "7b444b1ae4d6e2ef50", "1e+21"),
            ("0.5", "7c3f000000", "0.5"),
            ("0.1", "7b3fb999999999999a", "0.1"),
            ("2147483648", "7c4f000000", "2147483648"),
            ("-2147483647", "7dffffffff0f", "-2147483647"),
            ("\"\\u0001é😀\\ud800\"", "770a01c3a9f09f9880efbfbd", "\"\\u0001é😀\u{FFFD}\""),
            ("{\"__proto__\":5}", "7601095f5f70726f746f5f5f7d05", "{}"),
            ("[]", "7500", "[]"),
            ("{}", "7600", "{}"),
            ("12.5", "7c41480000", "12.5"),
            ("3.4028234663852886e+38", "7c7f7fffff", "3.4028234663852886e+38"),
            ("1e400", "7c7f800000", "null"),
            ("undefined", "7f", "undefined"),
        ]
        for (text, hex, back) in cases {
            var e = Lib0Encoder()
            JSText.writeAny(parsing: text, into: &e)
            XCTAssertEqual(V2Fixtures.hex(e.bytes), hex, text)
            var d = Lib0Decoder(e.bytes)
            XCTAssertEqual(JSText.stringify(try d.readAny()), back, text)
        }
        XCTAssertEqual(JSText.stringify(.bytes([1, 200])), "{\"0\":1,\"1\":200}")
        XCTAssertEqual(JSText.stringify(.array([.undefined, .float64(.nan)])), "[null,null]")
        XCTAssertEqual(JSText.stringify(.object([("a", .undefined), ("b", .null)])), "{\"b\":null}")
    }

    func testJSNumberFormatting() {
        // (bit pattern, String(x) in Node 20)
        let cases: [(UInt64, String)] = [
            (0x0000000000000000, "0"), (0x8000000000000000, "0"), (0x3ff0000000000000, "1"),
            (0xbff0000000000000, "-1"), (0x3fb999999999999a, "0.1"), (0x3fe0000000000000, "0.5"),
            (0x3ff8000000000000, "1.5"), (0xc00a000000000000, "-3.25"), (0x4059000000000000, "100"),
            (0x4415af1d78b58c40, "100000000000000000000"), (0x444b1ae4d6e2ef50, "1e+21"),
            (0x4454542ba12a337c, "1.5e+21"), (0x441ac53a7e04bcda, "123456789012345680000"),
            (0x3eb0c6f7a0b5ed8d, "0.000001"), (0x3e7ad7f29abcaf48, "1e-7"), (0x3e8091b5aeffdb8e, "1.2345e-7"),
            (0x0000000000000001, "5e-324"), (0x7fefffffffffffff, "1.7976931348623157e+308"),
            (0x400921fb54442d18, "3.141592653589793"), (0x4340000000000000, "9007199254740992"),
            (0x4340000000000001, "9007199254740994"), (0xc1e0000000000000, "-2147483648"),
            (0x3f201f31f46ed246, "0.000123"), (0x3fd5555555555555, "0.3333333333333333"),
            (0x4011666666666666, "4.35"), (0x7e37e43c8800759c, "1e+300"), (0x4029000000000000, "12.5"),
            (0x3fb99999a0000000, "0.10000000149011612"), (0xbe7ad7f29abcaf48, "-1e-7"),
            (0x3efa36e2eb1c432d, "0.000025"), (0x43c4cd6242cb27f4, "2997924580000000000"),
        ]
        for (bits, js) in cases {
            XCTAssertEqual(JSText.jsNumberString(Double(bitPattern: bits)), js, "0x\(String(bits, radix: 16))")
        }
    }
}
