@testable import StetApp
import StetCRDT
import StetEditor
import StetSync
import StetText
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// Two sessions (host and guest) wired by in-memory transports through `Collaboration`.
final class CollaborationTests: XCTestCase {
    var now: Milliseconds = 1_000

    func session(_ id: ClientID) throws -> Session {
        try Session(path: nil, clientID: id, newClientID: { id + 1000 }, now: { 0 })
    }

    func pump(_ cs: Collaboration...) {
        for _ in 0..<5 { for c in cs { c.pump(now: now) } }
    }

    func connect(_ host: Collaboration, _ guest: Collaboration) -> (MemoryTransport, MemoryTransport) {
        let (a, b) = MemoryTransport.pair(host.inbox, guest.inbox, labels: ("memory:host", "memory:guest"))
        guest.attach(b, isLink: true, now: now)
        pump(host, guest)
        return (a, b)
    }

    func type(_ c: Collaboration, _ text: String) {
        for ch in text { _ = c.session.editor.handle(.key(KeyEvent(.char(ch)))) }
        c.afterInput(now: now)
    }

    func testCursorsAndNamesCrossAndPeersVanishWhenTheyLeave() throws {
        let host = Collaboration(session: try session(1), identity: Identity(name: "Ann"), role: .host, now: now)
        let guest = Collaboration(session: try session(2), identity: Identity(name: "Bob"), role: .guest, now: now)
        _ = connect(host, guest)
        type(host, "hello")
        pump(host, guest)
        XCTAssertEqual(guest.session.editor.buffer.string, "hello")
        // Text arriving at Bob's cursor does not push it: he moves to the end himself.
        XCTAssertEqual(guest.session.editor.selection.head, .zero)
        _ = guest.session.editor.handle(.key(KeyEvent(.end, .ctrl)))
        type(guest, "!")
        pump(host, guest)
        XCTAssertEqual(host.session.editor.buffer.string, "hello!")
        XCTAssertEqual(host.session.editor.peers.map(\.name), ["Bob"])
        XCTAssertEqual(guest.session.editor.peers.map(\.name), ["Ann"])
        XCTAssertEqual(guest.session.editor.peers.first?.selection, Selection(cursor: UTF8Offset(5)))
        XCTAssertEqual(host.session.editor.peers.first?.selection, Selection(cursor: UTF8Offset(6)))
        XCTAssertEqual(host.session.editor.presence, "host · 1 guest")
        // Idle after 10 s without a change (awareness renewals do not count), active again
        // when the cursor moves.
        XCTAssertEqual(guest.session.editor.peers.first?.active, true)
        for _ in 0..<16 {
            now += 1_000
            host.tick(now: now)
            guest.tick(now: now)
            pump(host, guest)
        }
        XCTAssertEqual(guest.session.editor.peers.first?.active, false)
        XCTAssertEqual(guest.session.editor.peers.map(\.name), ["Ann"])
        _ = host.session.editor.handle(.key(KeyEvent(.left)))
        host.afterInput(now: now)
        pump(host, guest)
        XCTAssertEqual(guest.session.editor.peers.first?.active, true)
        XCTAssertEqual(guest.session.editor.presence, "connected")
        guest.leave(now: now)
        pump(host, guest)
        XCTAssertEqual(host.session.editor.peers, [])
    }

    func testAnInvisibleHostIsInNoOnesPeersList() throws {
        // What `stet bridge` is when it hosts a file for an ssh guest.
        let bridge = Collaboration(session: try session(1), identity: Identity(name: "bridge"), role: .host, visible: false, now: now)
        let guest = Collaboration(session: try session(2), identity: Identity(name: "Bob"), role: .guest, now: now)
        _ = connect(bridge, guest)
        type(guest, "hi")
        pump(bridge, guest)
        type(bridge, "!")
        pump(bridge, guest)
        for _ in 0..<3 {
            now += 16_000
            bridge.tick(now: now)
            guest.tick(now: now)
            pump(bridge, guest)
        }
        XCTAssertEqual(guest.session.editor.buffer.string, bridge.session.editor.buffer.string)
        XCTAssertTrue(guest.session.editor.buffer.string.contains("hi"))
        XCTAssertEqual(guest.session.editor.peers, [], "the bridge must not show up as a collaborator")
        XCTAssertNil(bridge.hub.awareness.localState)
        XCTAssertEqual(bridge.session.editor.peers.map(\.name), ["Bob"], "the bridge still sees its guest")
    }

    func testAGuestWithoutTheFileAsksTheHostToSaveAndItsPlusFollows() throws {
        var template = Array("/tmp/stet-collab-XXXXXX".utf8CString)
        let dir = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        defer { _ = system("rm -rf '\(dir)'") }
        let file = dir + "/notes.txt"
        _ = system("printf 'one\\n' > '\(file)'")
        func disk() -> String { readText(atPath: file) ?? "<unreadable>" }
        let hostSession = try Session(path: file, clientID: 1, newClientID: { 1001 }, now: { 0 })
        // A bridge-like host: invisible, but it still says what its file holds.
        let host = Collaboration(session: hostSession, identity: Identity(name: "bridge"), role: .host, visible: false, now: now)
        let guest = Collaboration(session: try session(2), identity: Identity(name: "Bob"), role: .guest, now: now)
        _ = connect(host, guest)
        pump(host, guest)
        XCTAssertEqual(guest.session.editor.buffer.string, "one\n")
        XCTAssertFalse(guest.session.editor.isModified, "the host's file holds what the guest sees")
        XCTAssertEqual(guest.session.editor.peers, [], "the host is still not a collaborator")

        _ = guest.session.editor.handle(.key(KeyEvent(.end, .ctrl)))
        type(guest, "two")
        pump(host, guest)
        XCTAssertTrue(guest.session.editor.isModified)
        XCTAssertEqual(disk(), "one\n")
        // Ctrl-S on the guest (no file of its own) asks the host, which writes its file.
        let effects = guest.session.editor.handle(.key(KeyEvent(.char("s"), .ctrl)))
        XCTAssertEqual(effects, [])

        XCTAssertTrue(guest.session.editor.message?.text.hasPrefix("asking the host to save notes.txt") ?? false)
        pump(host, guest)
        XCTAssertEqual(disk(), "one\ntwo")
        XCTAssertFalse(host.session.editor.isModified)
        XCTAssertFalse(guest.session.editor.isModified)
        XCTAssertEqual(guest.session.editor.message?.text, "saved notes.txt on the host")

        // The host's own changes make the guest's [+] come back until the host saves.
        _ = host.session.editor.handle(.key(KeyEvent(.home, .ctrl)))
        type(host, "0")
        pump(host, guest)
        XCTAssertTrue(guest.session.editor.isModified)
        _ = host.session.perform(host.session.editor.handle(.key(KeyEvent(.char("s"), .ctrl))))
        host.afterInput(now: now)
        pump(host, guest)
        XCTAssertFalse(guest.session.editor.isModified)
        XCTAssertEqual(disk(), host.session.editor.buffer.string)

        // When the host cannot write its file, the guest is told why (each time).
        _ = system("rm -f '\(file)' && mkdir '\(file)'")
        for attempt in 1...2 {
            type(guest, "\(attempt)")
            pump(host, guest)
            _ = guest.session.editor.handle(.key(KeyEvent(.char("s"), .ctrl)))
            pump(host, guest)
            let m = guest.session.editor.message
            XCTAssertEqual(m?.isError, true, "attempt \(attempt): \(String(describing: m))")
            XCTAssertTrue(m?.text.hasPrefix("the host could not save notes.txt: not saved") ?? false, "attempt \(attempt): \(String(describing: m))")
            XCTAssertTrue(guest.session.editor.isModified)
        }
        _ = system("rmdir '\(file)'")
        _ = guest.session.editor.handle(.key(KeyEvent(.char("s"), .ctrl)))
        pump(host, guest)
        XCTAssertEqual(guest.session.editor.message?.text, "saved notes.txt on the host")
        XCTAssertEqual(disk(), guest.session.editor.buffer.string)

        // A read-only guest's request is not obeyed.
        let reader = Collaboration(session: try session(3), identity: Identity(name: "Eve"), role: .guest, now: now)
        host.isReadOnly = { _ in true }
        _ = connect(host, reader)
        pump(host, reader)
        _ = reader.session.editor.handle(.key(KeyEvent(.char("s"), .ctrl)))
        let before = disk()
        _ = system("printf 'changed outside\\n' > '\(file)'")
        pump(host, reader)
        XCTAssertEqual(disk(), "changed outside\n", "the read-only guest's request did not make the host save")
        XCTAssertNotEqual(before, disk())
        XCTAssertTrue(host.session.editor.message?.text.contains("Eve (read-only) asked to save") ?? false,
                      "\(String(describing: host.session.editor.message))")
        // Once Eve has been told she may only read, Ctrl-S says so instead of asking.
        type(reader, "x")
        pump(host, reader)
        _ = reader.session.editor.handle(.key(KeyEvent(.char("s"), .ctrl)))
        XCTAssertTrue(reader.session.editor.message?.text.hasPrefix("read-only: the host does not save for you") ?? false,
                      "\(String(describing: reader.session.editor.message))")
    }

    func testOfflineEditsMergeAndSinceYouWereAwayShowsTheOthersChanges() throws {
        let host = Collaboration(session: try session(1), identity: Identity(name: "Ann"), role: .host, now: now)
        let guest = Collaboration(session: try session(2), identity: Identity(name: "Bob"), role: .guest, now: now)
        let (a, _) = connect(host, guest)
        type(host, "one two")
        pump(host, guest)
        // The link drops: both go on typing.
        a.close(reason: "network down")
        pump(host, guest)
        XCTAssertTrue(guest.session.editor.presence.hasPrefix("offline"), guest.session.editor.presence)
        XCTAssertEqual(guest.session.editor.message?.isError, true)
        _ = host.session.editor.handle(.key(KeyEvent(.home)))
        type(host, ">> ")
        _ = guest.session.editor.handle(.key(KeyEvent(.end, .ctrl)))
        type(guest, " three")
        // One change per keystroke (transaction) not yet shared.
        XCTAssertEqual(guest.session.editor.presence, "offline · 6 local changes")
        // Back online: everything merges; Ann's insertion is what Bob missed. While the new
        // link is not synced yet, Bob sees it is a reconnection with changes waiting.
        let (a2, b2) = MemoryTransport.pair(host.inbox, guest.inbox, labels: ("memory:host", "memory:guest"))
        guest.attach(b2, isLink: true, now: now)
        XCTAssertEqual(guest.session.editor.presence, "reconnecting · 6 local changes")
        _ = a2
        pump(host, guest)
        XCTAssertEqual(guest.session.editor.presence, "connected")
        XCTAssertEqual(host.session.editor.buffer.string, ">> one two three")
        XCTAssertEqual(guest.session.editor.buffer.string, ">> one two three")
        XCTAssertEqual(guest.awayChanges.map(\.range), [UTF8Offset(0)..<UTF8Offset(3)])
        XCTAssertEqual(guest.awaySummary, "Ann (1 place)")
        _ = guest.session.editor.runCommandLine("away")
        let f = guest.session.editor.render()
        XCTAssertEqual(f[0, 4].style.role, .peerSelection(Identity(name: "Ann").colorSlot))
        XCTAssertEqual(f[0, 8].style.role, .text)
        _ = guest.session.editor.handle(.key(KeyEvent(.escape)))
        XCTAssertEqual(guest.session.editor.highlights, [])
    }
}
