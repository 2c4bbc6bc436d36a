import StetText

/// A one-line question on the message line.
struct Prompt {
    enum Kind: Equatable {
        case find
        case replaceWhat
        case replaceWith(String)
        /// Stepping through matches: y replaces this one, n skips, a replaces the rest.
        case replaceConfirm(old: String, new: String, replaced: Int)
        case goto
        case command
        case saveAs(thenQuit: Bool)
        case confirmQuit
    }
    var kind: Kind
    var text = ""
    /// Cursor in `text`, in characters.
    var cursor = 0
    /// The text was pre-filled: typing replaces it (as if it were selected).
    var replaceOnType = false

    init(kind: Kind, text: String = "") {
        self.kind = kind
        self.text = text
        cursor = text.count
        replaceOnType = !text.isEmpty
    }

    var label: String {
        switch kind {
        case .find: return "Find: "
        case .replaceWhat: return "Replace: "
        case .replaceWith(let old): return "Replace \(old) with: "
        case .replaceConfirm(let old, let new, _): return "Replace \(old) with \(new)? y yes · n no · a all · Esc stop "
        case .goto: return "Go to line: "
        case .command: return ":"
        case .saveAs: return "Save as: "
        case .confirmQuit: return "Save changes before quitting? y yes · n no (kept in history) · Esc cancel "
        }
    }

    /// Whether the prompt takes text (the others take one key).
    var takesText: Bool {
        switch kind {
        case .replaceConfirm, .confirmQuit: return false
        default: return true
        }
    }
}

extension Editor {
    func promptInsert(_ s: String) -> [Effect] {
        guard var p = prompt, p.takesText else { return [] }
        if p.replaceOnType {
            p.text = ""
            p.cursor = 0
            p.replaceOnType = false
        }
        let i = p.text.index(p.text.startIndex, offsetBy: p.cursor)
        p.text.insert(contentsOf: s, at: i)
        p.cursor += s.count
        prompt = p
        return promptEdited()
    }

    /// The prompt's text changed: incremental find follows it.
    func promptEdited() -> [Effect] {
        guard let p = prompt, p.kind == .find else { return [] }
        find.query = p.text
        let from = (find.origin ?? selection).range.lowerBound.value
        if p.text.isEmpty {
            if let o = find.origin { selection = o }
            message = nil
            return []
        }
        return findFrom(from, forward: true, quiet: false) ? [] : [.bell]
    }

    func promptKey(_ k: KeyEvent) -> [Effect] {
        guard var p = prompt else { return [] }
        if !p.takesText { return promptChoice(p, k) }
        if p.replaceOnType {
            switch k.key {
            case .char where k.modifiers.isDisjoint(with: [.ctrl, .alt]):
                break  // promptInsert replaces the text
            case .backspace, .delete:
                // Deleting pre-filled text deletes all of it.
                p.text = ""
                p.cursor = 0
                p.replaceOnType = false
                prompt = p
                return promptEdited()
            default:
                p.replaceOnType = false
                prompt = p
            }
        }
        switch (k.key, k.modifiers.subtracting(.shift)) {
        case (.escape, _), (.char("q"), .ctrl), (.char("c"), .ctrl):
            if p.kind == .find, k.key != .escape, let o = find.origin { selection = o }
            prompt = nil
            scrollToCursor()
            return []
        case (.enter, _):
            return promptAccept(p)
        case (.backspace, _):
            guard p.cursor > 0 else {
                if p.text.isEmpty { prompt = nil }
                return []
            }
            let i = p.text.index(p.text.startIndex, offsetBy: p.cursor - 1)
            p.text.remove(at: i)
            p.cursor -= 1
            prompt = p
            return promptEdited()
        case (.delete, _):
            guard p.cursor < p.text.count else { return [] }
            p.text.remove(at: p.text.index(p.text.startIndex, offsetBy: p.cursor))
            prompt = p
            return promptEdited()
        case (.left, _): p.cursor = max(p.cursor - 1, 0); prompt = p; return []
        case (.right, _): p.cursor = min(p.cursor + 1, p.text.count); prompt = p; return []
        case (.home, _), (.char("a"), .ctrl): p.cursor = 0; prompt = p; return []
        case (.end, _), (.char("e"), .ctrl): p.cursor = p.text.count; prompt = p; return []
        case (.char("u"), .ctrl): p.text = ""; p.cursor = 0; prompt = p; return promptEdited()
        case (.down, _), (.function(3), []), (.char("f"), .ctrl), (.char("n"), .ctrl):
            if p.kind == .find { return findStep(forward: true) }
            return []
        case (.up, _), (.function(3), .shift), (.char("p"), .ctrl):
            if p.kind == .find { return findStep(forward: false) }
            return []
        case (.char(let c), let m) where m.isEmpty:
            return promptInsert(String(c))
        default:
            return [.bell]
        }
    }

    func promptAccept(_ p: Prompt) -> [Effect] {
        prompt = nil
        switch p.kind {
        case .find:
            // Enter goes to the next match and keeps finding.
            prompt = p
            return findStep(forward: true)
        case .replaceWhat:
            guard !p.text.isEmpty else { return [] }
            prompt = Prompt(kind: .replaceWith(p.text))
            return []
        case .replaceWith(let old):
            find.query = old
            prompt = Prompt(kind: .replaceConfirm(old: old, new: p.text, replaced: 0))
            if !findFrom(selection.range.lowerBound.value, forward: true, quiet: true) {
                prompt = nil
                error("not found: \(old)")
                return [.bell]
            }
            return []
        case .goto:
            return goto(p.text)
        case .command:
            return runCommandLine(p.text)
        case .saveAs(let thenQuit):
            let path = p.text.trimmingCharacters()
            guard !path.isEmpty else { error("no file name given: nothing saved"); return [] }
            return [.save(path: path, thenQuit: thenQuit)]
        case .replaceConfirm, .confirmQuit:
            return []
        }
    }

    func promptChoice(_ p: Prompt, _ k: KeyEvent) -> [Effect] {
        let c: Character? = { if case .char(let c) = k.key, k.modifiers.isDisjoint(with: [.ctrl, .alt]) { return Character(c.lowercased()) }; return nil }()
        switch p.kind {
        case .confirmQuit:
            if c == "y" || c == "s" { prompt = nil; return saveEffects(path: nil, thenQuit: true) }
            if c == "n" || c == "q" { prompt = nil; return [.quit] }
            if k.key == .escape || c == "c" || (c == nil && k == KeyEvent(.char("c"), .ctrl)) { prompt = nil; info("quit cancelled"); return [] }
            if k == KeyEvent(.char("q"), .ctrl) { prompt = nil; return [.quit] }
            return [.bell]
        case .replaceConfirm(let old, let new, let replaced):
            if c == "y" || k.key == .enter {
                let r = selection.range
                undoManager.stopCapturing()
                buffer.replace(r, with: new)
                undoManager.stopCapturing()
                selection = Selection(cursor: r.lowerBound + new.utf8.count)
                prompt = Prompt(kind: .replaceConfirm(old: old, new: new, replaced: replaced + 1))
                if !findFrom(selection.head.value, forward: true, quiet: true, wrap: false) {
                    prompt = nil
                    info("replaced \(replaced + 1); no more matches")
                }
                return []
            }
            if c == "n" {
                if !findFrom(selection.range.upperBound.value, forward: true, quiet: true, wrap: false) {
                    prompt = nil
                    info("replaced \(replaced); no more matches")
                }
                return []
            }
            if c == "a" {
                prompt = nil
                replaceAll(old, with: new)
                return []
            }
            if k.key == .escape || c == "q" {
                prompt = nil
                info("replaced \(replaced)")
                return []
            }
            return [.bell]
        default:
            return []
        }
    }

    /// Runs a command line such as `w notes.md`, `goto 40`, `set wrap`, or a bare `40`.
    public func runCommandLine(_ line: String) -> [Effect] {
        var words = line.split(separator: " ").map(String.init)
        if words.first?.hasPrefix(":") == true { words[0].removeFirst() }
        words.removeAll { $0.isEmpty }
        guard let name = words.first else { return [] }
        if Int(name.split(separator: ":").first ?? "") != nil { return goto(name) }
        guard let cmd = commands.first(where: { $0.names.contains(name) }) else {
            error("unknown command \(name): F1 lists the commands")
            return [.bell]
        }
        let effects = cmd.run(self, Array(words.dropFirst()))
        if following == nil { scrollToCursor() }
        return effects
    }

    func startReplace() {
        prompt = Prompt(kind: .replaceWhat, text: selection.isEmpty ? find.query : rope.substring(selection.range))
    }
}

extension String {
    func trimmingCharacters() -> String {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s.removeFirst() }
        while s.last?.isWhitespace == true { s.removeLast() }
        return String(s)
    }
}
