import Foundation
import XCTest

/// One temporary directory and one private tmux server per test; both removed in tearDown.
class E2ETestCase: XCTestCase {
    var ws: Workspace!
    var tmux: Tmux!

    /// The repository's root folder (for the oracles and fixtures under Tests/).
    var repoRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }

    override func setUpWithError() throws {
        try super.setUpWithError()
        ws = try Workspace()
        tmux = Tmux(directory: ws.path)
    }

    override func tearDown() {
        tmux?.kill()
        ws?.remove()
        tmux = nil
        ws = nil
        super.tearDown()
    }

    /// Opens `name` in the editor and waits until its first row is drawn.
    func open(_ name: String, firstRow: String, file: StaticString = #filePath, line: UInt = #line) {
        tmux.startStet([name], file: file, line: line)
        tmux.waitFor("the editor shows \(name) with first row \(firstRow.debugDescription)", file: file, line: line) {
            $0.row(0) == firstRow && $0.status.contains(name) && $0.at(1, 1)
        }
    }

    /// Ctrl-S, then waits for the "saved" message and the status bar without "[+]".
    func save(file: StaticString = #filePath, line: UInt = #line) {
        tmux.sendKeys("C-s", file: file, line: line)
        tmux.waitFor("saved message and no [+]", file: file, line: line) {
            $0.message.hasPrefix("saved ") && !$0.status.contains("[+]")
        }
    }

    /// The screen's text rows (without the status bar and message line), right-trimmed,
    /// up to the last non-empty one.
    func textRows(_ s: Screen) -> [String] {
        var rows = (0..<max(s.lines.count - 2, 0)).map { s.row($0) }
        while rows.last == "" { rows.removeLast() }
        return rows
    }

    /// Waits until the text rows are exactly `rows`.
    @discardableResult
    func waitForRows(_ rows: [String], file: StaticString = #filePath, line: UInt = #line) -> Screen {
        tmux.waitFor("text rows \(rows)", file: file, line: line) { self.textRows($0) == rows }
    }
}
