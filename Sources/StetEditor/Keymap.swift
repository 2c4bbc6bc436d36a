/// Everything the editor can be asked to do from a key.
public enum Command: Hashable, Sendable {
    case left, right, up, down, wordLeft, wordRight, lineStart, lineEnd, pageUp, pageDown, documentStart, documentEnd
    case selectAll
    case copy, cut, paste
    case undo, redo
    case newline, indent, outdent
    case backspace, deleteForward, deleteWordBackward, deleteWordForward
    case find, findNext, findPrevious, replace, gotoLine
    case save, quit, help, commandPrompt
    case toggleWrap
    case jumpToPeer, followPeer
}

/// One key binding, with the words the help screen shows for it.
public struct Binding: Sendable {
    public var keys: [KeyEvent]
    /// How the help screen writes the keys ("Ctrl-S").
    public var label: String
    public var command: Command
    /// Whether Shift with these keys extends the selection (movement keys).
    public var selects: Bool
    public var help: String
}

/// The default key bindings: familiar, modeless keys. The help screen (F1) is generated
/// from this table, so it always lists exactly what works.
public enum Keymap {
    static func k(_ key: Key, _ m: Modifiers = []) -> KeyEvent { KeyEvent(key, m) }
    static func ctrl(_ c: Character) -> KeyEvent { KeyEvent(.char(c), .ctrl) }

    public static let bindings: [Binding] = [
        Binding(keys: [k(.left)], label: "←  →", command: .left, selects: true, help: "move by character (grapheme)"),
        Binding(keys: [k(.right)], label: "", command: .right, selects: true, help: ""),
        Binding(keys: [k(.up)], label: "↑  ↓", command: .up, selects: true, help: "move by screen row"),
        Binding(keys: [k(.down)], label: "", command: .down, selects: true, help: ""),
        Binding(keys: [k(.left, .ctrl), k(.left, .alt)], label: "Ctrl-←  Ctrl-→", command: .wordLeft, selects: true, help: "move by word"),
        Binding(keys: [k(.right, .ctrl), k(.right, .alt)], label: "", command: .wordRight, selects: true, help: ""),
        Binding(keys: [k(.home)], label: "Home  End", command: .lineStart, selects: true, help: "start of line (again: column 1) / end of line"),
        Binding(keys: [k(.end)], label: "", command: .lineEnd, selects: true, help: ""),
        Binding(keys: [k(.pageUp)], label: "PgUp  PgDn", command: .pageUp, selects: true, help: "move by a screen"),
        Binding(keys: [k(.pageDown)], label: "", command: .pageDown, selects: true, help: ""),
        Binding(keys: [k(.home, .ctrl)], label: "Ctrl-Home  Ctrl-End", command: .documentStart, selects: true, help: "start / end of the document"),
        Binding(keys: [k(.end, .ctrl)], label: "", command: .documentEnd, selects: true, help: ""),
        Binding(keys: [], label: "Shift + any move", command: .left, selects: false, help: "select while moving; mouse drag selects too"),
        Binding(keys: [ctrl("a")], label: "Ctrl-A", command: .selectAll, selects: false, help: "select all"),
        Binding(keys: [ctrl("c")], label: "Ctrl-C", command: .copy, selects: false, help: "copy (the line if nothing is selected); also to your own clipboard via OSC 52"),
        Binding(keys: [ctrl("x")], label: "Ctrl-X", command: .cut, selects: false, help: "cut (the line if nothing is selected)"),
        Binding(keys: [ctrl("v")], label: "Ctrl-V", command: .paste, selects: false, help: "paste (your terminal's paste works too, as one change)"),
        Binding(keys: [ctrl("z")], label: "Ctrl-Z", command: .undo, selects: false, help: "undo your own last change (typing pauses split changes)"),
        Binding(keys: [ctrl("y"), KeyEvent(.char("z"), [.ctrl, .shift]), KeyEvent(.char("Z"), [.ctrl, .shift])], label: "Ctrl-Y  Ctrl-Shift-Z", command: .redo, selects: false, help: "redo"),
        Binding(keys: [k(.enter)], label: "Enter", command: .newline, selects: false, help: "new line, keeping the indentation"),
        Binding(keys: [k(.tab)], label: "Tab  Shift-Tab", command: .indent, selects: false, help: "indent / outdent the selected lines (Tab alone inserts an indent)"),
        Binding(keys: [k(.tab, .shift)], label: "", command: .outdent, selects: false, help: ""),
        Binding(keys: [k(.backspace)], label: "Backspace  Delete", command: .backspace, selects: false, help: "delete before / after the cursor"),
        Binding(keys: [k(.delete)], label: "", command: .deleteForward, selects: false, help: ""),
        Binding(keys: [k(.backspace, .alt), k(.backspace, .ctrl), ctrl("w")], label: "Alt-Backspace  Ctrl-W", command: .deleteWordBackward, selects: false, help: "delete the word before the cursor"),
        Binding(keys: [k(.delete, .ctrl), k(.delete, .alt)], label: "Ctrl-Delete", command: .deleteWordForward, selects: false, help: "delete the word after the cursor"),
        Binding(keys: [ctrl("f")], label: "Ctrl-F", command: .find, selects: false, help: "find as you type: Enter/↓ next, ↑ previous, Esc close"),
        Binding(keys: [k(.function(3))], label: "F3  Shift-F3", command: .findNext, selects: false, help: "next / previous match (wraps around)"),
        Binding(keys: [k(.function(3), .shift)], label: "", command: .findPrevious, selects: false, help: ""),
        Binding(keys: [ctrl("r")], label: "Ctrl-R", command: .replace, selects: false, help: "replace: y one, n skip, a all, Esc stop"),
        Binding(keys: [ctrl("g")], label: "Ctrl-G", command: .gotoLine, selects: false, help: "go to line (LINE or LINE:COLUMN)"),
        Binding(keys: [ctrl("s")], label: "Ctrl-S", command: .save, selects: false, help: "save (atomically; history is kept beside the file in .stet/)"),
        Binding(keys: [ctrl("q")], label: "Ctrl-Q", command: .quit, selects: false, help: "quit (asks only if the file on disk is behind)"),
        Binding(keys: [ctrl("p"), KeyEvent(.char(":"), .alt)], label: "Ctrl-P  Esc :", command: .commandPrompt, selects: false, help: "command prompt (see the commands below)"),
        Binding(keys: [k(.function(1))], label: "F1", command: .help, selects: false, help: "this help (Esc or F1 closes it)"),
        Binding(keys: [KeyEvent(.char("z"), .alt)], label: "Alt-Z", command: .toggleWrap, selects: false, help: "toggle soft wrap"),
        Binding(keys: [KeyEvent(.char("j"), .alt)], label: "Alt-J", command: .jumpToPeer, selects: false, help: "jump to a collaborator's cursor (again: the next one)"),
        Binding(keys: [KeyEvent(.char("f"), .alt)], label: "Alt-F", command: .followPeer, selects: false, help: "follow the collaborator you jumped to (any key stops)"),
    ]

    /// The command bound to `key`, and whether the key extends the selection (Shift held
    /// with a movement key).
    public static func command(for key: KeyEvent) -> (Command, extend: Bool)? {
        for b in bindings where b.keys.contains(key) { return (b.command, false) }
        if key.modifiers.contains(.shift) {
            var plain = key
            plain.modifiers.remove(.shift)
            for b in bindings where b.selects && b.keys.contains(plain) { return (b.command, true) }
        }
        return nil
    }
}
