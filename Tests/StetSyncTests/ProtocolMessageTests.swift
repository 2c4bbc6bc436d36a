import XCTest
import StetCRDT
@testable import StetSync

/// The outer y-protocols messages: byte-exact against the vectors (produced by pycrdt and
/// cross-checked with Yjs), round trips, and hostile input.
final class ProtocolMessageTests: XCTestCase {
    func messages() throws -> JSON {
        try XCTUnwrap(loadVector("protocol_messages")["extra"]?["messages"])
    }

    func testVectorSyncMessagesByteExact() throws {
        let m = try messages()
        let step1 = unhex(try XCTUnwrap(m["syncStep1_fromB"]?["hex"]?.stringValue))
        let step2 = unhex(try XCTUnwrap(m["syncStep2_fromA"]?["hex"]?.stringValue))
        let update = unhex(try XCTUnwrap(m["updateMessage"]?["hex"]?.stringValue))
        let payload = unhex(try XCTUnwrap(m["syncStep2_fromA"]?["decoded"]?["payloadHex"]?.stringValue))

        XCTAssertEqual(try ProtocolMessage.decode(step1), .sync(.step1(stateVector: [0])))
        XCTAssertEqual(try ProtocolMessage.decode(step2), .sync(.step2(update: payload)))
        XCTAssertEqual(try ProtocolMessage.decode(update), .sync(.update(payload)))
        for b in [step1, step2, update] { XCTAssertEqual(try ProtocolMessage.decode(b).encoded(), b) }

        // produce them from documents, as the vector's scenario did
        let a = Doc(clientID: 1), b = Doc(clientID: 2)
        var produced: [[UInt8]] = []
        a.onUpdate { u, _ in produced.append(UpdateV1.encode(u)) }
        a.getText().insert("hi", at: 0)
        XCTAssertEqual(ProtocolMessage.syncStep1(b).encoded(), step1)
        XCTAssertEqual(ProtocolMessage.syncStep2(a, answering: StateVector()).encoded(), step2)
        XCTAssertEqual(ProtocolMessage.sync(.update(produced[0])).encoded(), update)

        // and through sessions: B starts, A answers with exactly the vector's step 2
        let sa = SyncSession(doc: a, awareness: nil, origin: "a")
        let sb = SyncSession(doc: b, awareness: nil, origin: "b")
        let opening = sb.start()
        XCTAssertEqual(opening, [step1])
        XCTAssertEqual(try sa.receive(opening[0], now: 0), [step2])
        XCTAssertEqual(try sb.receive(step2, now: 0), [])
        XCTAssertTrue(sb.synced)
        XCTAssertEqual(b.getText().string, try loadVector("protocol_messages")["extra"]?["textOnBAfterSync"]?.stringValue)
    }

    func testVectorAwarenessMessagesByteExact() throws {
        let m = try messages()
        for key in ["awarenessUpdate", "awarenessRemoval"] {
            let v = try XCTUnwrap(m[key])
            let bytes = unhex(try XCTUnwrap(v["hex"]?.stringValue))
            guard case .awareness(let payload) = try ProtocolMessage.decode(bytes) else { return XCTFail("\(key): not awareness") }
            let u = try AwarenessUpdate.decode(payload)
            let entries = try XCTUnwrap(v["decoded"]?["entries"]?.arrayValue)
            XCTAssertEqual(u.entries.count, entries.count)
            for (e, x) in zip(u.entries, entries) {
                XCTAssertEqual(Double(e.clientID), x["clientID"]?.numberValue)
                XCTAssertEqual(Double(e.clock), x["clock"]?.numberValue)
                XCTAssertEqual(e.state?.serialized ?? "null", x["stateJSON"]?.stringValue)
                XCTAssertEqual(e.state ?? .null, x["state"])
            }
            XCTAssertEqual(u.encoded(), payload, key)
            XCTAssertEqual(ProtocolMessage.awareness(u.encoded()).encoded(), bytes, key)
        }
    }

    func testAuthAndQueryMessages() throws {
        // y-protocols auth.js: [2, 0, varString reason]
        let denied = ProtocolMessage.auth(.permissionDenied(reason: "read-only"))
        XCTAssertEqual(denied.encoded(), [2, 0, 9] + Array("read-only".utf8))
        XCTAssertEqual(try ProtocolMessage.decode(denied.encoded()), denied)
        XCTAssertEqual(ProtocolMessage.queryAwareness.encoded(), [3])
        XCTAssertEqual(try ProtocolMessage.decode([3]), .queryAwareness)
        // unknown outer types and auth sub-types are kept, not refused
        XCTAssertEqual(try ProtocolMessage.decode([9, 1, 2]), .unknown(type: 9, body: [1, 2]))
        XCTAssertEqual(try ProtocolMessage.decode([2, 5, 7]), .auth(.other(type: 5, body: [7])))
        XCTAssertEqual(ProtocolMessage.unknown(type: 200, body: [1]).encoded(), [0xC8, 0x01, 1])
    }

    func testRoundTripsOfLargeAndMultibytePayloads() throws {
        for n in [0, 1, 127, 128, 16_383, 16_384, 300_000] {
            let payload = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            for m in [ProtocolMessage.sync(.step1(stateVector: payload)), .sync(.step2(update: payload)), .sync(.update(payload)), .awareness(payload)] {
                let b = m.encoded()
                XCTAssertEqual(try ProtocolMessage.decode(b), m)
            }
        }
        let reason = "没有权限 😀 \u{0}"
        XCTAssertEqual(try ProtocolMessage.decode(ProtocolMessage.auth(.permissionDenied(reason: reason)).encoded()),
                       .auth(.permissionDenied(reason: reason)))
    }

    func expectError(_ bytes: [UInt8], _ kind: ProtocolError.Kind, at offset: Int, limits: ProtocolLimits = .default,
                     file: StaticString = #filePath, line: UInt = #line) {
        do {
            let m = try ProtocolMessage.decode(bytes, limits: limits)
            XCTFail("decoded \(m), expected \(kind) at \(offset)", file: file, line: line)
        } catch {
            XCTAssertEqual(error.kind, kind, "\(error)", file: file, line: line)
            XCTAssertEqual(error.offset, offset, "\(error)", file: file, line: line)
        }
    }

    func testMalformedMessagesGiveTypedErrorsWithOffsets() {
        expectError([], .truncated, at: 0)
        expectError([0x80], .truncated, at: 0)                       // type varUint never ends
        expectError([0], .truncated, at: 1)                          // no sync sub-type
        expectError([0, 3, 0], .unknownSyncMessage, at: 1)
        expectError([0, 0], .truncated, at: 2)                       // no state vector
        expectError([0, 1, 5, 1, 2], .truncated, at: 2)              // length 5, 2 bytes left
        expectError([0, 2, 1, 0, 0xFF], .trailingBytes, at: 4)
        expectError([1, 0x85], .truncated, at: 1)
        expectError([2, 0, 2, 0xC3, 0x28], .malformed, at: 2)        // invalid UTF-8 reason
        expectError([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F], .malformed, at: 0)
        expectError(Array(repeating: 0, count: 11), .tooLarge, at: 0, limits: ProtocolLimits(maxMessageBytes: 10))
        expectError([2, 0, 4] + Array("abcd".utf8), .tooLarge, at: 2, limits: ProtocolLimits(maxReasonBytes: 3))
        // trailing bytes can be allowed, as y-protocols ignores them
        XCTAssertEqual(try ProtocolMessage.decode([0, 2, 1, 0, 0xFF], limits: ProtocolLimits(allowTrailingBytes: true)), .sync(.update([0])))
    }

    func testMalformedAwarenessUpdates() {
        func expect(_ payload: [UInt8], _ kind: ProtocolError.Kind, at offset: Int, limits: ProtocolLimits = .default, line: UInt = #line) {
            do {
                _ = try AwarenessUpdate.decode(payload, limits: limits, baseOffset: 2)
                XCTFail("decoded", line: line)
            } catch {
                XCTAssertEqual(error.kind, kind, "\(error)", line: line)
                XCTAssertEqual(error.offset, offset, "\(error)", line: line)
            }
        }
        expect([], .truncated, at: 2)
        expect([200], .truncated, at: 2)                               // 200 entries in 0 bytes
        expect([1, 1, 1, 3] + Array("{x}".utf8), .invalidAwareness, at: 5)
        expect([1, 1, 1, 5] + Array("{}".utf8), .truncated, at: 5)    // state runs past the end
        expect([1, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 1, 2] + Array("{}".utf8), .invalidAwareness, at: 3)
    }

    func testAwarenessEntryLimitsAndNumbers() throws {
        // a well-formed single entry decodes
        let ok: [UInt8] = [1, 1, 1, 2] + Array("{}".utf8)
        XCTAssertEqual(try AwarenessUpdate.decode(ok).entries, [.init(clientID: 1, clock: 1, state: .object([]))])
        // counts above the limit
        var e = Lib0Encoder()
        e.writeVarUInt(3)
        for i in 0..<3 { e.writeVarUInt(UInt64(i)); e.writeVarUInt(1); e.writeVarString("null") }
        XCTAssertThrowsError(try AwarenessUpdate.decode(e.bytes, limits: ProtocolLimits(maxAwarenessEntries: 2))) {
            XCTAssertEqual(($0 as? ProtocolError)?.kind, .tooLarge)
        }
        XCTAssertEqual(try AwarenessUpdate.decode(e.bytes).entries.count, 3)
        // client ids and clocks beyond 2^53 are not JS numbers
        var big = Lib0Encoder()
        big.writeVarUInt(1); big.writeVarUInt(UInt64(1) << 54); big.writeVarUInt(1); big.writeVarString("{}")
        XCTAssertThrowsError(try AwarenessUpdate.decode(big.bytes)) { XCTAssertEqual(($0 as? ProtocolError)?.offset, 1) }
        // deep nesting and oversized states
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        var d = Lib0Encoder()
        d.writeVarUInt(1); d.writeVarUInt(7); d.writeVarUInt(1); d.writeVarString(deep)
        XCTAssertThrowsError(try AwarenessUpdate.decode(d.bytes)) { XCTAssertEqual(($0 as? ProtocolError)?.kind, .invalidAwareness) }
        XCTAssertThrowsError(try AwarenessUpdate.decode(d.bytes, limits: ProtocolLimits(maxAwarenessStateBytes: 50))) {
            XCTAssertEqual(($0 as? ProtocolError)?.kind, .tooLarge)
        }
        // an empty state string is null, as in pycrdt
        var empty = Lib0Encoder()
        empty.writeVarUInt(1); empty.writeVarUInt(7); empty.writeVarUInt(1); empty.writeVarString("")
        XCTAssertEqual(try AwarenessUpdate.decode(empty.bytes).entries.first?.state, nil)
    }

    /// Seeded random bytes and mutations of valid messages: every input decodes or throws a
    /// `ProtocolError` whose offset lies within the input; nothing traps.
    func testFuzzDecodeNeverTraps() throws {
        for seed in testSeeds(3) {
            var rng = SeededGenerator(seed: seed)
            let doc = Doc(clientID: 7)
            doc.getText().insert("hello 😀 wörld", at: 0)
            let a = Awareness(clientID: 7, now: 0)
            a.setLocalState(Presence.state(name: "Ann", color: "#30bced", selection: TextSelection(anchor: 1, head: 3), in: doc.getText()), now: 0)
            let seeds: [[UInt8]] = [
                ProtocolMessage.syncStep1(doc).encoded(),
                ProtocolMessage.syncStep2(doc, answering: StateVector()).encoded(),
                ProtocolMessage.awareness(a.encodeUpdate(clients: [7])).encoded(),
                ProtocolMessage.auth(.permissionDenied(reason: "no")).encoded(),
            ]
            for i in 0..<20_000 {
                var b: [UInt8]
                if i % 2 == 0 {
                    b = (0..<Int.random(in: 0...24, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                    if !b.isEmpty && Bool.random(using: &rng) { b[0] = UInt8.random(in: 0...3, using: &rng) }
                } else {
                    b = seeds[Int.random(in: 0..<seeds.count, using: &rng)]
                    for _ in 0..<Int.random(in: 1...4, using: &rng) {
                        switch Int.random(in: 0..<3, using: &rng) {
                        case 0: if !b.isEmpty { b[Int.random(in: 0..<b.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
                        case 1: if !b.isEmpty { b.removeSubrange(Int.random(in: 0..<b.count, using: &rng)...) }
                        default: b.insert(UInt8.random(in: 0...255, using: &rng), at: Int.random(in: 0...b.count, using: &rng))
                        }
                    }
                }
                do {
                    let m = try ProtocolMessage.decode(b)
                    if case .awareness(let p) = m { _ = try? AwarenessUpdate.decode(p) }
                } catch {
                    XCTAssertTrue(error.offset >= 0 && error.offset <= b.count, "seed \(seed): offset \(error.offset) outside \(b.count) bytes")
                }
            }
        }
    }
}
