import StetCRDT
import StetText

/// The editor as a model: it takes events and produces frames. It owns no terminal, file
/// or clock: the host feeds it events, performs its `Effect`s, and draws `render()`.
///
/// Local edits go through `Buffer.replace` and come back through the same observer as remote
/// ones, so cursors, selections and find state follow every change the same way.
public final class Editor {
    public let buffer: Buffer
    /// The file being edited (nil: a scratch buffer; saving asks for a name).
    public var path: String?
    /// What the status bar calls a buffer without a file (a joined room's name).
    public var title: String?
    public var settings: Settings
    public internal(set) var selection = Selection(cursor: .zero)
    /// The column Up/Down try to keep.
    var goalColumn: Int?
    public internal(set) var rows: Int
    public internal(set) var columns: Int
    /// The first display row shown.
    public internal(set) var top = RowPosition(line: Line(0), row: 0)
    /// Columns scrolled off to the left (only without soft wrap).
    public internal(set) var leftColumn = 0
    /// The text offset where `top`'s line starts (kept through changes).
    var topAnchor: UTF8Offset?
    var layouts = LayoutCache()
    public let undoManager: UndoManager
    let now: () -> UInt64
    /// The internal clipboard (Ctrl-C/X/V).
    public internal(set) var clipboard = ""
    /// Buffer version when the file on disk last matched it.
    var savedVersion: Int
    /// The text the file on disk holds (a persistent rope: keeping it costs O(1)).
    var savedRope: Rope?
    var modifiedCache: (Int, Bool)?
    public internal(set) var message: (text: String, isError: Bool)?
    /// Set while joined (without a path) to a host that saves the shared file on request:
    /// Ctrl-S (and "save" when quitting) asks it instead of asking for a local file name.
    /// `:w PATH` still writes a local copy.
    public var remoteSave: (() -> Void)?
    var prompt: Prompt?
    var find = FindState()
    /// Whether the help screen is shown, and its scroll.
    var helpScroll: Int?
    var commands: [NamedCommand] = []
    /// The connection state for the status bar ("local", "connected", "offline · 3 local
    /// changes"), set by the collaboration layer.
    public var presence = "local"
    /// Collaborators (see `setPeers`).
    public internal(set) var peers: [RemotePeer] = []
    /// The peer whose cursor the viewport follows, until a key is pressed.
    public internal(set) var following: UInt64?
    var lastJumped: UInt64?
    /// Ranges shown in a collaborator's colour until Esc (see `show(_:)`).
    public internal(set) var highlights: [Highlight] = []
    /// The mouse drag in progress selects from this anchor.
    var dragging = false
    /// The selection before each recent undo step, by its index in the undo stack.
    var stepSelections: [Int: Selection] = [:]
    /// What each text row of the last frame showed (for mouse clicks).
    var screenLines: [(PlacedLine, Int)] = []

    /// - Parameters:
    ///   - now: milliseconds from any monotonic clock (typing pauses split undo steps).
    public init(buffer: Buffer, path: String?, settings: Settings = Settings(), rows: Int = 24, columns: Int = 80,
                now: @escaping () -> UInt64) {
        self.buffer = buffer
        self.path = path
        self.settings = settings
        self.rows = rows
        self.columns = columns
        self.now = now
        undoManager = UndoManager(doc: buffer.doc, scope: [buffer.textName], trackedOrigins: [Buffer.localOrigin],
                                  captureTimeout: settings.undoPause, now: now)
        savedVersion = buffer.version
        savedRope = buffer.rope
        commands = Editor.builtinCommands()
        buffer.onChange.append { [unowned self] changes, event in self.textChanged(changes, event) }
    }

    /// Adds a command to the command prompt (later features add theirs).
    public func register(_ command: NamedCommand) { commands.append(command) }

    /// True when the file on disk is behind the buffer. Undoing back to the saved text
    /// counts as unmodified.
    /// - Complexity: O(1) unless the text has the saved text's exact size (then O(n), once
    ///   per change).
    public var isModified: Bool {
        if buffer.version == savedVersion { return false }
        if let (v, m) = modifiedCache, v == buffer.version { return m }
        let m = savedRope.map { !($0.summary == rope.summary && $0 == rope) } ?? true
        modifiedCache = (buffer.version, m)
        return m
    }

    var rope: Rope { buffer.rope }

    // MARK: - Events

    /// Handles one event and returns what the host must do.
    public func handle(_ event: Event) -> [Effect] {
        let before = selection
        let depth = undoManager.undoDepth
        let effects = dispatch(event)
        rememberSelection(before: before, depth: depth)
        return effects
    }

    /// A new undo step remembers the selection from before it, so undoing it puts the
    /// cursor (or the selection, after a cut) back where it was.
    func rememberSelection(before: Selection, depth: Int) {
        let now = undoManager.undoDepth
        if now > depth { stepSelections[now - 1] = before }
        if now < depth || stepSelections.count > 200 {
            stepSelections = stepSelections.filter { $0.key < now && $0.key >= now - 100 }
        }
    }

    func dispatch(_ event: Event) -> [Effect] {
        switch event {
        case .resize(let r, let c):
            rows = max(r, 1)
            columns = max(c, 1)
            scrollToCursor()
            return []
        case .tick:
            return []
        case .paste(let s):
            if prompt != nil {
                var line = s
                while line.last?.isNewline == true { line.removeLast() }
                return promptInsert(line.replacingNewlines(with: " "))
            }
            if helpScroll != nil { return [] }
            message = nil
            undoManager.stopCapturing()
            insert(normalizeLineBreaks(s))
            undoManager.stopCapturing()
            return []
        case .mouse(let m):
            return mouse(m)
        case .key(let k):
            var stopped: String?
            if let f = following {
                following = nil
                stopped = "stopped following \(peers.first { $0.id == f }?.name ?? "them")"
                if k.key == .escape { info(stopped!); return [] }
            }
            if helpScroll != nil { return helpKey(k) }
            if prompt != nil { return promptKey(k) }
            message = nil
            let effects = editKey(k)
            if let s = stopped, message == nil { info(s) }
            return effects
        }
    }

    func editKey(_ k: KeyEvent) -> [Effect] {
        if k.key == .escape && k.modifiers.isEmpty && !highlights.isEmpty {
            highlights = []
            return []
        }
        if let (cmd, extend) = Keymap.command(for: k) { return run(cmd, extend: extend) }
        if case .char(let c) = k.key, k.modifiers.isDisjoint(with: [.ctrl, .alt]) {
            insertTyped(String(c))
            return []
        }
        return [.bell]
    }

    /// Runs a command as if its key was pressed.
    @discardableResult
    public func run(_ cmd: Command, extend: Bool) -> [Effect] {
        let isTyping: Bool
        switch cmd {
        case .backspace, .deleteForward, .newline: isTyping = true
        default: isTyping = false
        }
        if !isTyping { undoManager.stopCapturing() }
        var keepGoal = false
        switch cmd {
        case .left: move(extend) { selection.isEmpty || extend ? graphemeBefore(selection.head) : selection.range.lowerBound }
        case .right: move(extend) { selection.isEmpty || extend ? graphemeAfter(selection.head) : selection.range.upperBound }
        case .up: keepGoal = true; move(extend) { verticalTarget(-1) }
        case .down: keepGoal = true; move(extend) { verticalTarget(1) }
        case .pageUp: keepGoal = true; scrollPage(-1); move(extend) { verticalTarget(-max(textHeight - 1, 1)) }
        case .pageDown: keepGoal = true; scrollPage(1); move(extend) { verticalTarget(max(textHeight - 1, 1)) }
        case .wordLeft: move(extend) { wordBoundary(before: selection.head) }
        case .wordRight: move(extend) { wordBoundary(after: selection.head) }
        case .lineStart: move(extend) { smartLineStart() }
        case .lineEnd: move(extend) { rope.lineEnd(rope.line(containing: selection.head)) }
        case .documentStart: move(extend) { .zero }
        case .documentEnd: move(extend) { rope.endOffset(UTF8Offset.self) }
        case .selectAll: selection = Selection(anchor: .zero, head: rope.endOffset(UTF8Offset.self))
        case .copy: return copy(cut: false)
        case .cut: return copy(cut: true)
        case .paste:
            guard !clipboard.isEmpty else { info("the clipboard is empty: copy with Ctrl-C first"); return [.bell] }
            insert(normalizeLineBreaks(clipboard))
            undoManager.stopCapturing()
        case .undo: return undoRedo(undo: true)
        case .redo: return undoRedo(undo: false)
        case .newline: newline()
        case .indent: indent()
        case .outdent: outdent()
        case .backspace: deleteBackward()
        case .deleteForward: deleteForward()
        case .deleteWordBackward: deleteRange { wordBoundary(before: selection.head)..<selection.head }
        case .deleteWordForward: deleteRange { selection.head..<wordBoundary(after: selection.head) }
        case .find: startFind(initial: find.query)
        case .findNext: return findStep(forward: true)
        case .findPrevious: return findStep(forward: false)
        case .replace: startReplace()
        case .gotoLine: prompt = Prompt(kind: .goto)
        case .save: return saveEffects(path: nil, thenQuit: false)
        case .quit: return requestQuit()
        case .help: helpScroll = 0
        case .commandPrompt: prompt = Prompt(kind: .command)
        case .jumpToPeer: return jump(to: "")
        case .followPeer:
            let id = lastJumped ?? peers.first?.id
            return follow(peers.firstIndex { $0.id == id }.map { String($0 + 1) } ?? "")
        case .toggleWrap:
            settings.wrap.toggle()
            leftColumn = 0
            info(settings.wrap ? "soft wrap on" : "soft wrap off")
        }
        if !keepGoal { goalColumn = nil }
        scrollToCursor()
        return []
    }

    func move(_ extend: Bool, _ target: () -> UTF8Offset) {
        let t = target()
        selection = extend ? Selection(anchor: selection.anchor, head: t) : Selection(cursor: t)
    }

    // MARK: - Text changes (local and remote)

    func textChanged(_ changes: [TextChange], _ event: TextEvent) {
        selection = selection.mapped(through: changes)
        // Peers' cursors follow the text until their next awareness update says otherwise.
        for i in peers.indices { peers[i].selection = peers[i].selection?.mapped(through: changes) }
        if !highlights.isEmpty {
            highlights = highlights.compactMap { h in
                var r = Selection(anchor: h.range.lowerBound, head: h.range.upperBound).mapped(through: changes).range
                if r.isEmpty { return nil }
                r = r.lowerBound..<r.upperBound
                return Highlight(range: r, colorSlot: h.colorSlot)
            }
        }
        // Undo restores the text each remembered selection belongs to, except for what
        // others changed meanwhile: map through remote changes only.
        if !event.local && !stepSelections.isEmpty { stepSelections = stepSelections.mapValues { $0.mapped(through: changes) } }
        find.textChanged()
        // The viewport stays on the same text when lines are added or removed above it.
        if let a = topAnchor {
            var m = a
            for c in changes { m = c.map(m) }
            let line = rope.line(containing: m)
            if line != top.line { top = RowPosition(line: line, row: 0) }
            topAnchor = rope.lineStart(top.line)
        }
        clampTop()
    }

    /// Replaces the selection by `s` (one step with surrounding typing, see `undoPause`).
    func insert(_ s: String) {
        let r = selection.range
        buffer.replace(r, with: s)
        selection = Selection(cursor: r.lowerBound + s.utf8.count)
        goalColumn = nil
    }

    /// Typing one grapheme.
    func insertTyped(_ s: String) {
        insert(s)
        scrollToCursor()
    }

    func normalizeLineBreaks(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s {
            if ch == "\r\n" || ch == "\n" || ch == "\r" { out += settings.lineBreak } else { out.append(ch) }
        }
        return out
    }

    func newline() {
        let line = rope.line(containing: selection.range.lowerBound)
        let start = rope.lineStart(line)
        let before = rope.substring(start..<selection.range.lowerBound)
        let indent = before.prefix { $0 == " " || $0 == "\t" }
        // Enter on a line of nothing but indentation leaves no trailing blanks behind.
        if selection.isEmpty, !before.isEmpty, indent.count == before.count, selection.head == rope.lineEnd(line) {
            let r = start..<selection.head
            buffer.replace(r, with: settings.lineBreak + indent)
            selection = Selection(cursor: start + (settings.lineBreak + indent).utf8.count)
            goalColumn = nil
            return
        }
        insert(settings.lineBreak + indent)
    }

    func deleteBackward() {
        if !selection.isEmpty { return deleteRange { selection.range } }
        let h = selection.head
        guard h > .zero else { return }
        // Backspace in leading blanks removes one indent step.
        let line = rope.line(containing: h)
        let start = rope.lineStart(line)
        let before = rope.substring(start..<h)
        if settings.indentUnit != "\t", !before.isEmpty, before.allSatisfy({ $0 == " " }) {
            let n = (before.count - 1) % settings.indentUnit.count + 1
            return deleteRange { (h - n)..<h }
        }
        deleteRange { graphemeBefore(h)..<h }
    }

    func deleteForward() {
        if !selection.isEmpty { return deleteRange { selection.range } }
        deleteRange { selection.head..<graphemeAfter(selection.head) }
    }

    func deleteRange(_ range: () -> Range<UTF8Offset>) {
        let r = selection.isEmpty ? range() : selection.range
        guard !r.isEmpty else { return }
        buffer.replace(r, with: "")
        selection = Selection(cursor: r.lowerBound)
        goalColumn = nil
    }

    func copy(cut: Bool) -> [Effect] {
        var r = selection.range
        if r.isEmpty {
            let line = rope.line(containing: selection.head)
            r = rope.lineRange(line, includingBreak: true)
            if r.isEmpty { return [.bell] }
        }
        var text = rope.substring(r)
        if selection.isEmpty && !(text.last?.isNewline ?? false) { text += settings.lineBreak }
        clipboard = text
        if cut {
            undoManager.stopCapturing()
            buffer.replace(r, with: "")
            selection = Selection(cursor: r.lowerBound)
            undoManager.stopCapturing()
        }
        let lines = text.reduce(0) { $1.isNewline ? $0 + 1 : $0 }
        info("\(cut ? "cut" : "copied") \(text.count) characters\(lines > 0 ? " (\(lines) line\(lines == 1 ? "" : "s"))" : "")")
        return [.clipboard(text)]
    }

    func undoRedo(undo: Bool) -> [Effect] {
        let version = buffer.version
        let restore = undo ? stepSelections[undoManager.undoDepth - 1] : nil
        let ok = undo ? undoManager.undo() : undoManager.redo()
        guard ok else {
            info(undo ? "nothing to undo" : "nothing to redo")
            return [.bell]
        }
        if buffer.version != version, let c = buffer.lastChanges.last {
            // The cursor goes where the step's last change happened.
            selection = Selection(cursor: min(c.range.lowerBound + c.insertedUTF8, rope.endOffset(UTF8Offset.self)))
        }
        if let r = restore {
            // Back to the selection from before the step (clamped to cluster boundaries).
            let end = rope.endOffset(UTF8Offset.self)
            func fit(_ o: UTF8Offset) -> UTF8Offset {
                let c = min(o, end)
                return rope.isGraphemeBoundary(c) ? c : rope.graphemeRange(containing: c).lowerBound
            }
            selection = Selection(anchor: fit(r.anchor), head: fit(r.head))
        }
        scrollToCursor()
        return []
    }

    // MARK: - Indentation

    /// The lines the selection touches (a selection ending at a line's start leaves it out).
    func selectedLines() -> ClosedRange<Int> {
        let r = selection.range
        let first = rope.line(containing: r.lowerBound).index
        var last = rope.line(containing: r.upperBound).index
        if !r.isEmpty && last > first && rope.lineStart(Line(last)) == r.upperBound { last -= 1 }
        return first...last
    }

    func indent() {
        if selection.isEmpty {
            var unit = settings.indentUnit
            if unit != "\t" {
                let col = rope.column(of: selection.head, tabWidth: settings.tabWidth).value
                unit = String(repeating: " ", count: unit.count - col % unit.count)
            }
            insert(unit)
            return
        }
        undoManager.stopCapturing()
        let lines = selectedLines()
        let edits = lines.compactMap { i -> (range: Range<UTF8Offset>, text: String)? in
            let s = rope.lineStart(Line(i))
            if rope.lineEnd(Line(i)) == s { return nil }  // leave empty lines empty
            return (s..<s, settings.indentUnit)
        }
        let before = selection
        buffer.replace(edits)
        reselectLines(lines, wasReversed: before.head < before.anchor)
        undoManager.stopCapturing()
    }

    func outdent() {
        undoManager.stopCapturing()
        let lines = selectedLines()
        let width = settings.indentUnit == "\t" ? settings.tabWidth : settings.indentUnit.count
        let edits = lines.compactMap { i -> (range: Range<UTF8Offset>, text: String)? in
            let s = rope.lineStart(Line(i))
            let content = rope.substring(s..<rope.lineEnd(Line(i)))
            var n = 0
            for ch in content.utf8 {
                if ch == UInt8(ascii: "\t") { n += 1; break }
                if ch == UInt8(ascii: " ") && n < width { n += 1 } else { break }
            }
            return n == 0 ? nil : (s..<(s + n), "")
        }
        let before = selection
        if edits.isEmpty { return }
        buffer.replace(edits)
        if !before.isEmpty { reselectLines(lines, wasReversed: before.head < before.anchor) }
        undoManager.stopCapturing()
    }

    func reselectLines(_ lines: ClosedRange<Int>, wasReversed: Bool) {
        let a = rope.lineStart(Line(lines.lowerBound))
        let b = lines.upperBound + 1 < rope.lineCount ? rope.lineStart(Line(lines.upperBound + 1)) : rope.endOffset(UTF8Offset.self)
        selection = wasReversed ? Selection(anchor: b, head: a) : Selection(anchor: a, head: b)
    }

    // MARK: - Saving and quitting

    func saveEffects(path newPath: String?, thenQuit: Bool) -> [Effect] {
        if let p = newPath, !p.isEmpty { return [.save(path: p, thenQuit: thenQuit)] }
        if path == nil, let remoteSave {
            // Joined over the network to a stet that hosts the file: it saves it.
            remoteSave()
            return thenQuit ? [.quit] : []
        }
        guard let p = path else {
            prompt = Prompt(kind: .saveAs(thenQuit: thenQuit))
            return []
        }
        return [.save(path: p, thenQuit: thenQuit)]
    }

    /// The host saved the buffer to `path`.
    public func didSave(path p: String, lines: Int? = nil) {
        path = p
        markSaved()
        info("saved \(rope.lineCount) line\(rope.lineCount == 1 ? "" : "s") to \(p)")
    }

    /// The host could not save: the message says why and what to do.
    public func saveFailed(_ why: String) { error(why) }

    /// Marks the current text as what the file on disk holds (after opening it).
    public func markSaved() {
        savedVersion = buffer.version
        savedRope = rope
        modifiedCache = nil
    }

    /// Marks the file on disk as behind the buffer, holding `diskText` if known (after
    /// recovering unsaved edits).
    public func markModified(diskText: String? = nil) {
        savedVersion = -1
        savedRope = diskText.map { Rope($0) }
        modifiedCache = nil
    }

    func requestQuit() -> [Effect] {
        guard isModified else { return [.quit] }
        prompt = Prompt(kind: .confirmQuit)
        return []
    }

    // MARK: - Messages

    public func info(_ s: String) { message = (s, false) }
    public func error(_ s: String) { message = (s, true) }
}

extension String {
    func replacingNewlines(with r: String) -> String {
        var out = ""
        for ch in self { if ch.isNewline { out += r } else { out.append(ch) } }
        return out
    }
}
