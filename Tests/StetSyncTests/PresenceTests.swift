import XCTest
import StetCRDT
@testable import StetSync

/// Presence: the y-codemirror / y-quill conventions over awareness states.
final class PresenceTests: XCTestCase {
    func testVectorStateIsWhatWeWrite() throws {
        // the vector's awareness entry: Alice, #30bced, cursor on item (1,1) with explicit nulls
        let v = try XCTUnwrap(loadVector("protocol_messages")["extra"]?["messages"]?["awarenessUpdate"])
        let expected = try XCTUnwrap(v["decoded"]?["entries"]?.arrayValue?.first?["stateJSON"]?.stringValue)
        let rp = RelativePosition(item: ID(client: 1, clock: 1))
        let state = Presence.state(name: "Alice", color: "#30bced", cursor: (rp, rp))
        XCTAssertEqual(state.serialized, expected)
        let a = Awareness(clientID: 1, now: 0)
        a.setLocalState(state, now: 0)
        a.setLocalState(state, now: 0)
        XCTAssertEqual(ProtocolMessage.awareness(a.encodeUpdate(clients: [1])).encoded(), unhex(try XCTUnwrap(v["hex"]?.stringValue)))
        // and reading it back
        let p = Presence.peer(clientID: 1, state: state, lastSeen: 42)
        XCTAssertEqual(p.name, "Alice")
        XCTAssertEqual(p.color, "#30bced")
        XCTAssertEqual(p.colorLight, "#30bced33")
        XCTAssertEqual(p.anchor, rp)
        XCTAssertEqual(p.head, rp)
        XCTAssertEqual(p.lastSeen, 42)
    }

    func testCursorJSONAlwaysHasFourKeysWithExplicitNulls() throws {
        let doc = Doc(clientID: 202)
        let text = doc.getText()
        text.insert("abc", at: 0)
        // Yjs 13.5 wrote {"type":null,"tname":"text","item":{"client":202,"clock":2},"assoc":0}
        let s = Presence.state(name: "n", color: "#000000", selection: TextSelection(caret: 2), in: text)
        XCTAssertEqual(s["cursor"]?["anchor"]?.serialized, ##"{"type":null,"tname":"text","item":{"client":202,"clock":2},"assoc":0}"##)
        // at the end there is no item: "item":null must still be written
        let end = Presence.state(name: "n", color: "#000000", selection: TextSelection(caret: 3), in: text)
        XCTAssertEqual(end["cursor"]?["head"]?.serialized, ##"{"type":null,"tname":"text","item":null,"assoc":0}"##)
        // no selection: cursor null
        XCTAssertEqual(Presence.state(name: "n", color: "#000000", selection: nil, in: text).serialized,
                       ##"{"user":{"name":"n","color":"#000000","colorLight":"#00000033"},"cursor":null}"##)
    }

    func testPeerSelectionSurvivesConcurrentEdits() throws {
        let a = Doc(clientID: 1), b = Doc(clientID: 2)
        a.getText().insert("hello 😀 world", at: 0)
        try b.applyUpdate(a.encodeStateAsUpdate())
        // Bob selects "world" (UTF-16 offsets 9..14) and publishes his state
        let bobState = Presence.state(name: "Bob", color: Presence.color(forName: "Bob"),
                                      selection: TextSelection(anchor: 9, head: 14), in: b.getText())
        let bobAwareness = Awareness(clientID: 2, now: 0)
        bobAwareness.setLocalState(bobState, now: 0)
        let aliceAwareness = Awareness(clientID: 1, now: 0)
        _ = try aliceAwareness.applyUpdate(bobAwareness.encodeUpdate(clients: [2]), now: 100)
        // meanwhile Alice inserts in front of it
        a.getText().insert(">> ", at: 0)
        let peers = Presence.peers(in: aliceAwareness)
        XCTAssertEqual(peers.map(\.clientID), [2])
        XCTAssertEqual(peers[0].name, "Bob")
        XCTAssertEqual(peers[0].lastSeen, 100)
        XCTAssertEqual(Presence.selection(of: peers[0], in: a), TextSelection(anchor: 12, head: 17))
        // Bob's end of text is "item": null, and positions Alice cannot resolve yet are nil
        let later = Doc(clientID: 3)
        XCTAssertNil(Presence.selection(of: peers[0], in: later))
    }

    func testTolerantParsing() throws {
        // y-quill style: missing keys in positions are accepted
        let s = try JSON.parse(##"{"user":{"name":"Q","color":"#ffa500"},"cursor":{"anchor":{"item":{"client":1,"clock":0}},"head":{"tname":"text","item":null,"assoc":-1}}}"##)
        let p = Presence.peer(clientID: 5, state: s, lastSeen: 0)
        XCTAssertEqual(p.anchor, RelativePosition(item: ID(client: 1, clock: 0)))
        XCTAssertEqual(p.head, RelativePosition(tname: "text", assoc: -1))
        // garbage fields become nil rather than failing
        let g = try JSON.parse(##"{"user":"nobody","cursor":{"anchor":5,"head":{}}}"##)
        let q = Presence.peer(clientID: 6, state: g, lastSeen: 0)
        XCTAssertNil(q.name)
        XCTAssertNil(q.anchor)
        XCTAssertEqual(q.displayName, "User 6")
        // a position in another root type is not resolved in ours (and does not create it)
        let doc = Doc(clientID: 1)
        XCTAssertNil(Presence.resolve(RelativePosition(tname: "other"), in: doc))
        XCTAssertEqual(Presence.resolve(RelativePosition(tname: "text"), in: doc), 0)
    }

    func testColourForNameIsStable() {
        XCTAssertEqual(Presence.color(forName: "alice"), Presence.color(forName: "alice"))
        XCTAssertTrue(Presence.palette.contains(Presence.color(forName: "bob")))
        let distinct = Set(["alice", "bob", "carol", "dave", "erin", "frank"].map(Presence.color(forName:)))
        XCTAssertGreaterThan(distinct.count, 2)
    }
}
