import StetCRDT
import StetEditor
import StetText
import XCTest

/// Collaborators' cursors, selections and names on screen; jumping and following.
final class PresenceTests: XCTestCase {
    func settings() -> Settings {
        var s = Settings()
        s.lineNumbers = false
        return s
    }

    func testPeersCursorSelectionAndFlagAreDrawnInTheirColour() {
        let e = makeEditor("|hello\nworld", rows: 6, columns: 70, settings: settings())
        e.setPeers([RemotePeer(id: 7, name: "Ann", colorSlot: 2, selection: Selection(anchor: UTF8Offset(7), head: UTF8Offset(9)))])
        let f = e.render()
        // "world" is on row 1: "or" selected by Ann, her cursor on "l".
        XCTAssertEqual(f[1, 0].style.role, .text)
        XCTAssertEqual(f[1, 1].style.role, .peerSelection(2))
        XCTAssertEqual(f[1, 2].style.role, .peerSelection(2))
        XCTAssertEqual(f[1, 3].style.role, .peerCursor(2))
        XCTAssertEqual(f[1, 3].text, "l")
        // Her name flag sits on the row above, starting at her cursor's column.
        XCTAssertEqual(f.text(ofRow: 0).prefix(8), "hel Ann ")
        XCTAssertEqual(f[0, 4].style.role, .peerFlag(2))
        XCTAssertTrue(f.text(ofRow: 4).contains("Ann●"), f.text(ofRow: 4))
        // Idle peers keep their cursor but not the flag.
        e.setPeers([RemotePeer(id: 7, name: "Ann", colorSlot: 2, selection: Selection(cursor: UTF8Offset(9)), active: false)])
        let g = e.render()
        XCTAssertEqual(g.text(ofRow: 0).prefix(5), "hello")
        XCTAssertEqual(g[1, 3].style.role, .peerCursor(2))
        XCTAssertTrue(g.text(ofRow: 4).contains("Ann○"), g.text(ofRow: 4))
        // A peer who leaves vanishes.
        e.setPeers([])
        XCTAssertFalse(e.render().cells.contains { if case .peerCursor = $0.style.role { return true } else { return false } })
    }

    func testPeerCursorsFollowTextChanges() throws {
        let e = makeEditor("ab|", settings: settings())
        e.setPeers([RemotePeer(id: 7, name: "Ann", colorSlot: 0, selection: Selection(cursor: UTF8Offset(1)))])
        e.type("<C-Home>XY")
        XCTAssertEqual(e.peers[0].selection, Selection(cursor: UTF8Offset(3)))
    }

    func testJumpAndFollow() {
        let text = (1...100).map { "line \($0)" }.joined(separator: "\n")
        let e = makeEditor("|" + text, rows: 10, columns: 70)
        let line80 = e.buffer.rope.lineStart(Line(79))
        e.setPeers([RemotePeer(id: 1, name: "Ann", colorSlot: 1, selection: Selection(cursor: line80)),
                    RemotePeer(id: 2, name: "Bob", colorSlot: 3, selection: nil)])
        e.type("<A-j>")
        XCTAssertEqual(e.selection.head, line80)
        XCTAssertTrue(e.render().text.contains("line 80"))
        e.type("<C-Home>")
        XCTAssertFalse(e.render().text.contains("line 80"))
        e.type("<C-p>follow ann<Enter>")
        XCTAssertTrue(e.render().text.contains("line 80"))
        XCTAssertTrue(e.render().text.contains("following Ann"))
        // Ann moves far: the viewport follows, the cursor stays.
        let line20 = e.buffer.rope.lineStart(Line(19))
        e.setPeers([RemotePeer(id: 1, name: "Ann", colorSlot: 1, selection: Selection(cursor: line20))])
        XCTAssertTrue(e.render().text.contains("line 20"))
        XCTAssertEqual(e.selection.head, .zero)
        // Any key stops following.
        e.type("<Down>")
        XCTAssertNil(e.following)
        XCTAssertEqual(e.message?.text, "stopped following Ann")
        XCTAssertEqual(e.type("<C-p>peer zed<Enter>"), [.bell])
    }
}
