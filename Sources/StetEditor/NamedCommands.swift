/// A command run from the command prompt (Ctrl-P or Esc-:), e.g. `:w`, `:goto 40`, `:set wrap`.
public struct NamedCommand {
    public var names: [String]
    /// Argument synopsis for the help screen ("LINE[:COL]").
    public var arguments: String
    public var help: String
    public var run: (Editor, [String]) -> [Effect]

    public init(_ names: [String], arguments: String = "", help: String, run: @escaping (Editor, [String]) -> [Effect]) {
        self.names = names
        self.arguments = arguments
        self.help = help
        self.run = run
    }
}

extension Editor {
    /// The built-in named commands. Other features register theirs with `register(_:)`.
    static func builtinCommands() -> [NamedCommand] {
        [
            NamedCommand(["w", "write", "save"], arguments: "[PATH]", help: "save (to PATH: save as)") { e, args in
                e.saveEffects(path: args.first, thenQuit: false)
            },
            NamedCommand(["q", "quit"], help: "quit (asks if the file on disk is behind)") { e, _ in e.requestQuit() },
            NamedCommand(["q!", "quit!"], help: "quit without saving (unsaved edits stay in the history store)") { _, _ in [.quit] },
            NamedCommand(["wq", "x"], help: "save and quit") { e, args in e.saveEffects(path: args.first, thenQuit: true) },
            NamedCommand(["goto", "g"], arguments: "LINE[:COL]", help: "go to a line (a bare number works too)") { e, args in
                e.goto(args.joined(separator: " "))
            },
            NamedCommand(["find", "f"], arguments: "TEXT", help: "find TEXT") { e, args in
                e.startFind(initial: args.joined(separator: " "))
                return []
            },
            NamedCommand(["replace"], arguments: "OLD NEW", help: "replace every OLD by NEW (one undo step)") { e, args in
                guard args.count >= 2 else { e.error("usage: replace OLD NEW"); return [.bell] }
                e.replaceAll(args[0], with: args[1...].joined(separator: " "))
                return []
            },
            NamedCommand(["set"], arguments: "OPTION", help: "wrap, nowrap, wrap! · numbers, nonumbers · tabwidth=N · expandtab[=N], noexpandtab · crlf, lf") { e, args in
                e.set(args)
            },
            NamedCommand(["peer", "jump"], arguments: "[NAME|N]", help: "move to a collaborator's cursor (again: the next one)") { e, args in
                e.jump(to: args.joined(separator: " "))
            },
            NamedCommand(["follow"], arguments: "[NAME|N]", help: "follow a collaborator's viewport; any key stops") { e, args in
                e.follow(args.joined(separator: " "))
            },
            NamedCommand(["undo"], help: "undo") { e, _ in e.run(.undo, extend: false) },
            NamedCommand(["redo"], help: "redo") { e, _ in e.run(.redo, extend: false) },
            NamedCommand(["help", "h"], help: "the help screen") { e, _ in e.run(.help, extend: false) },
        ]
    }

    func set(_ args: [String]) -> [Effect] {
        guard !args.isEmpty else {
            info("wrap=\(settings.wrap) numbers=\(settings.lineNumbers) tabwidth=\(settings.tabWidth) expandtab=\(settings.indentUnit != "\t") linebreak=\(settings.lineBreak == "\r\n" ? "crlf" : "lf")")
            return []
        }
        for a in args {
            let parts = a.split(separator: "=", maxSplits: 1).map(String.init)
            let name = parts[0]
            let value = parts.count > 1 ? Int(parts[1]) : nil
            switch name {
            case "wrap": settings.wrap = true
            case "nowrap": settings.wrap = false
            case "wrap!": settings.wrap.toggle()
            case "numbers", "number", "nu": settings.lineNumbers = true
            case "nonumbers", "nonumber", "nonu": settings.lineNumbers = false
            case "tabwidth", "ts":
                guard let v = value, (1...32).contains(v) else { error("tabwidth needs a number from 1 to 32, e.g. :set tabwidth=4"); return [.bell] }
                settings.tabWidth = v
            case "expandtab", "et":
                settings.indentUnit = String(repeating: " ", count: value ?? max(settings.indentUnit == "\t" ? 4 : settings.indentUnit.count, 1))
            case "noexpandtab", "noet": settings.indentUnit = "\t"
            case "crlf": settings.lineBreak = "\r\n"
            case "lf": settings.lineBreak = "\n"
            default:
                error("unknown option \(name): try wrap, nowrap, numbers, tabwidth=N, expandtab, noexpandtab, crlf, lf")
                return [.bell]
            }
        }
        leftColumn = 0
        scrollToCursor()
        info("set " + args.joined(separator: " "))
        return []
    }
}
