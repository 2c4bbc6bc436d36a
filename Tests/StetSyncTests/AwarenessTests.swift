import XCTest
import StetCRDT
@testable import StetSync

/// The awareness clock rules of y-protocols 1.0.7 (`yjs-wire.md` §8.3), on a fake clock.
final class AwarenessTests: XCTestCase {
    let alice: JSON = .object([("user", .object([("name", .string("Alice"))]))])
    let bob: JSON = .object([("user", .object([("name", .string("Bob"))]))])

    func entry(_ c: ClientID, _ k: UInt64, _ s: JSON?) -> [UInt8] {
        AwarenessUpdate(entries: [.init(clientID: c, clock: k, state: s)]).encoded()
    }

    func testLocalClockStartsAtZeroAndEverySetIncrements() {
        let a = Awareness(clientID: 1, now: 0)
        XCTAssertEqual(a.localState, .object([]))
        XCTAssertEqual(a.localClock, 0)
        XCTAssertEqual(a.setLocalState(alice, now: 5), AwarenessChange(updated: [1]))
        XCTAssertEqual(a.localClock, 1)
        XCTAssertEqual(a.setLocalState(alice, now: 6), AwarenessChange(renewed: [1]))
        XCTAssertEqual(a.localClock, 2)
        XCTAssertEqual(a.setLocalState(nil, now: 7), AwarenessChange(removed: [1]))
        XCTAssertEqual(a.localClock, 3)
        XCTAssertNil(a.localState)
        // the removal is encoded as the vector's: client, clock, "null"
        XCTAssertEqual(a.encodeUpdate(clients: [1]), entry(1, 3, nil))
        XCTAssertEqual(a.setLocalState(bob, now: 8), AwarenessChange(added: [1]))
        XCTAssertEqual(a.localClock, 4)
        // setLocalStateField edits one key
        a.setLocalStateField("cursor", .null, now: 9)
        XCTAssertEqual(a.localState?["cursor"], .null)
        XCTAssertEqual(a.localState?["user"]?["name"]?.stringValue, "Bob")
        XCTAssertEqual(a.localClock, 5)
    }

    func testVectorRemovalMatchesOurOwnEncoding() throws {
        // protocol_messages.json: client 1 sets a state twice (clock 2), then null (clock 3)
        let a = Awareness(clientID: 1, now: 0)
        a.setLocalState(alice, now: 0)
        a.setLocalState(alice, now: 0)
        a.setLocalState(nil, now: 0)
        let removal = unhex(try XCTUnwrap(loadVector("protocol_messages")["extra"]?["messages"]?["awarenessRemoval"]?["hex"]?.stringValue))
        XCTAssertEqual(ProtocolMessage.awareness(a.encodeUpdate(clients: [1])).encoded(), removal)
    }

    func testApplyRuleAndClockZeroQuirk() throws {
        let a = Awareness(clientID: 1, now: 0)
        // a first entry with clock 0 from an unknown client is ignored
        XCTAssertEqual(try a.applyUpdate(entry(2, 0, alice), now: 10), AwarenessChange())
        XCTAssertNil(a.states[2])
        XCTAssertEqual(try a.applyUpdate(entry(2, 1, alice), now: 10), AwarenessChange(added: [2]))
        // equal or older clocks with a state are refused
        XCTAssertEqual(try a.applyUpdate(entry(2, 1, bob), now: 11), AwarenessChange())
        XCTAssertEqual(try a.applyUpdate(entry(2, 0, bob), now: 11), AwarenessChange())
        XCTAssertEqual(a.states[2], alice)
        XCTAssertEqual(a.meta[2]?.lastUpdated, 10)
        // newer: a change, or a renewal when the state is deeply equal (key order ignored)
        XCTAssertEqual(try a.applyUpdate(entry(2, 2, bob), now: 12), AwarenessChange(updated: [2]))
        let reordered: JSON = .object([("b", .number(2)), ("a", .number(1))])
        _ = try a.applyUpdate(entry(2, 3, .object([("a", .number(1)), ("b", .number(2))])), now: 13)
        XCTAssertEqual(try a.applyUpdate(entry(2, 4, reordered), now: 14), AwarenessChange(renewed: [2]))
        XCTAssertEqual(a.meta[2], Awareness.Meta(clock: 4, lastUpdated: 14))
        // null with the same clock removes a client we have
        XCTAssertEqual(try a.applyUpdate(entry(2, 4, nil), now: 15), AwarenessChange(removed: [2]))
        XCTAssertNil(a.states[2])
        XCTAssertEqual(a.meta[2]?.clock, 4)
        // ... but not twice with the same clock, and the old state cannot come back
        XCTAssertEqual(try a.applyUpdate(entry(2, 4, nil), now: 16), AwarenessChange())
        XCTAssertEqual(try a.applyUpdate(entry(2, 4, alice), now: 16), AwarenessChange())
        // a newer null for a client already gone is applied and reported, so relays pass it on
        XCTAssertEqual(try a.applyUpdate(entry(2, 5, nil), now: 17), AwarenessChange(removed: [2]))
        XCTAssertEqual(a.meta[2]?.clock, 5)
        // a null for an unknown client changes nothing visible but records the clock
        XCTAssertEqual(try a.applyUpdate(entry(9, 3, nil), now: 18), AwarenessChange())
        XCTAssertEqual(try a.applyUpdate(entry(9, 3, alice), now: 18), AwarenessChange())
        XCTAssertEqual(try a.applyUpdate(entry(9, 4, alice), now: 18), AwarenessChange(added: [9]))
    }

    func testNullForOwnIdIsReassertedWithAHigherClock() throws {
        let a = Awareness(clientID: 1, now: 0)
        a.setLocalState(alice, now: 0)          // clock 1
        let c = try a.applyUpdate(entry(1, 5, nil), now: 3)
        XCTAssertEqual(c.reasserted, 1)
        XCTAssertTrue(c.removed.isEmpty)
        XCTAssertEqual(a.localState, alice)
        XCTAssertEqual(a.localClock, 6)
        XCTAssertEqual(c.clientsToBroadcast, [1])
        XCTAssertEqual(a.encodeUpdate(clients: [1]), entry(1, 6, alice))
        // equal clock with null also triggers it (we have a state)
        XCTAssertEqual(try a.applyUpdate(entry(1, 6, nil), now: 4).reasserted, 1)
        XCTAssertEqual(a.localClock, 7)
        // without a local state, a null for our id is simply applied
        a.setLocalState(nil, now: 5)            // clock 8
        let d = try a.applyUpdate(entry(1, 9, nil), now: 6)
        XCTAssertNil(d.reasserted)
        XCTAssertEqual(a.localClock, 9)
        // a newer state for our own id from elsewhere is taken (y-protocols does the same)
        XCTAssertEqual(try a.applyUpdate(entry(1, 10, bob), now: 7), AwarenessChange(added: [1]))
    }

    func testRenewalEvery15SecondsAndTimeoutAfter30() throws {
        let a = Awareness(clientID: 1, now: 0)
        a.setLocalState(alice, now: 0)
        _ = try a.applyUpdate(entry(2, 1, bob), now: 1_000)
        XCTAssertNil(a.tick(now: 14_999).update)
        let t1 = a.tick(now: 15_000)
        XCTAssertEqual(t1.change, AwarenessChange(renewed: [1]))
        XCTAssertEqual(t1.update, entry(1, 2, alice))
        XCTAssertNil(a.tick(now: 29_000).update)
        // Bob renews at 20 s, so he survives until 50 s
        _ = try a.applyUpdate(entry(2, 2, bob), now: 20_000)
        XCTAssertEqual(a.tick(now: 30_000).change, AwarenessChange(renewed: [1]))
        XCTAssertEqual(a.tick(now: 44_999).change, AwarenessChange())
        let t2 = a.tick(now: 50_000)
        XCTAssertEqual(t2.change, AwarenessChange(renewed: [1], removed: [2]))
        XCTAssertNil(a.states[2])
        // the tick's update carries our renewal (45 s was due) and Bob's removal at his clock
        let u = try AwarenessUpdate.decode(try XCTUnwrap(t2.update))
        XCTAssertEqual(Set(u.entries.map(\.clientID)), [1, 2])
        XCTAssertEqual(u.entries.first { $0.clientID == 2 }, .init(clientID: 2, clock: 2, state: nil))
        // a peer receiving that removal drops Bob too (equal clock, null, has him)
        let c = Awareness(clientID: 3, now: 0)
        _ = try c.applyUpdate(entry(2, 2, bob), now: 0)
        XCTAssertEqual(try c.applyUpdate(try XCTUnwrap(t2.update), now: 1).removed, [2])
        // our own state never times out, and without a state nothing is renewed
        a.setLocalState(nil, now: 60_000)
        XCTAssertNil(a.tick(now: 200_000).update)
    }

    func testRemoveStatesForAClosedConnection() throws {
        let a = Awareness(clientID: 1, now: 0)
        _ = try a.applyUpdate(AwarenessUpdate(entries: [.init(clientID: 2, clock: 3, state: bob), .init(clientID: 4, clock: 1, state: alice)]).encoded(), now: 0)
        XCTAssertEqual(a.removeStates(clients: [2, 5], now: 1), AwarenessChange(removed: [2]))
        XCTAssertEqual(a.meta[2]?.clock, 3)   // remote clock kept: a stale entry stays refused
        XCTAssertEqual(try a.applyUpdate(entry(2, 3, bob), now: 2), AwarenessChange())
        XCTAssertEqual(try a.applyUpdate(entry(2, 4, bob), now: 2), AwarenessChange(added: [2]))
        // removing ourselves increments our clock
        XCTAssertEqual(a.removeStates(clients: [1], now: 3), AwarenessChange(removed: [1]))
        XCTAssertEqual(a.localClock, 1)
        XCTAssertEqual(Set(a.remoteStates.keys), [2, 4])
    }

    func testAtomicApplyOfAMalformedUpdate() {
        let a = Awareness(clientID: 1, now: 0)
        var e = Lib0Encoder()
        e.writeVarUInt(2)
        e.writeVarUInt(2); e.writeVarUInt(1); e.writeVarString("{}")
        e.writeVarUInt(3); e.writeVarUInt(1); e.writeVarString("{nope")
        XCTAssertThrowsError(try a.applyUpdate(e.bytes, now: 0))
        XCTAssertNil(a.states[2])
    }

    func testEncodeAllStatesPutsOursFirst() throws {
        let a = Awareness(clientID: 5, now: 0)
        a.setLocalState(alice, now: 0)
        _ = try a.applyUpdate(AwarenessUpdate(entries: [.init(clientID: 9, clock: 1, state: bob), .init(clientID: 2, clock: 1, state: bob)]).encoded(), now: 0)
        let u = try AwarenessUpdate.decode(try XCTUnwrap(a.encodeAllStates()))
        XCTAssertEqual(u.entries.map(\.clientID), [5, 2, 9])
        a.setLocalState(nil, now: 1)
        _ = a.removeStates(clients: [2, 9], now: 1)
        XCTAssertNil(a.encodeAllStates())
    }
}
