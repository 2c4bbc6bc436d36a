import ArgumentParser

/// The `stet` command: the editor (`stet FILE`) and the tool groups (`stet yjs …`).
struct Stet: ParsableCommand {
    static let version = "0.1.0-dev"

    static let configuration = CommandConfiguration(
        commandName: "stet",
        abstract: "A local-first collaborative text editor for the terminal, speaking Yjs.",
        discussion: """
            Run `stet FILE` to edit FILE (created when you first save), or `stet` for a \
            scratch buffer. F1 in the editor lists every key and command: Ctrl-S saves, \
            Ctrl-Q quits, Ctrl-Z/Ctrl-Y undo and redo, Ctrl-F finds, Ctrl-R replaces, \
            Ctrl-G goes to a line, Ctrl-P opens the command prompt (:w, :q, :goto 40, \
            :set wrap, ...).

            Your edits and their history are kept in .stet/ beside the file as you type, \
            so undo survives a restart and a dropped SSH link loses nothing. The file is \
            written (atomically, permissions kept) when you save. NO_COLOR disables colours.

            Editing together:
              stet FILE                  a second stet on the same file joins the first
              stet share FILE            others join with the printed `stet join` line
              stet join ws://HOST:PORT/ROOM?token=T      edit a shared document
              stet join ssh://HOST/PATH  edit PATH on HOST (ssh HOST stet bridge PATH)
              stet serve --listen HOST:PORT --data DIR --token T
                                         host rooms for stet and any Yjs client
            In the editor, Alt-J jumps to a collaborator, Alt-F follows one, and :away \
            shows what others changed while you were offline.

            Tools for people who debug Yjs data (`stet yjs SUBCOMMAND --help` for details):
              stet yjs decode FILE          an update, state vector or delete set as JSON
              stet yjs text FILE...         apply updates in order and print the text
              stet yjs merge A B... -o OUT  merge updates (Y.mergeUpdates)
              stet yjs diff UPDATE --sv SV  what UPDATE has that SV lacks (Y.diffUpdate)
              stet yjs convert --to v2 IN   convert between update formats v1 and v2
              stet yjs sv UPDATE            the state vector of an update

            Everywhere, `-` means standard input or output, and --hex reads and writes hex \
            text instead of binary. Errors go to stderr as one line; the exit status is 1.
            """,
        version: "stet \(Stet.version)",
        subcommands: [Edit.self, Share.self, Join.self, Serve.self, Bridge.self, Yjs.self],
        defaultSubcommand: Edit.self
    )
}

/// `stet [edit] [FILE]`: the default subcommand, so `stet notes.md` opens the editor.
struct Edit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edit",
        abstract: "Edit a file (the default: `stet FILE` is `stet edit FILE`)."
    )

    @Argument(help: "The file to edit (omit for a scratch buffer).")
    var file: String?

    @Option(name: .customLong("ytext"), help: ArgumentHelp("Name of the shared text in the Yjs document (for other Yjs apps).", valueName: "NAME"))
    var textName = "text"

    @Flag(help: "Start with soft wrap on (toggle with Alt-Z or :set wrap).")
    var wrap = false

    @Flag(name: .customLong("no-color"), help: "No colours, attributes only (same as NO_COLOR=1).")
    var noColor = false

    @Option(help: ArgumentHelp("Your name for collaborators (default: STET_NAME, git user.name, USER).", valueName: "NAME"))
    var name: String?

    func run() throws {
        try EditorEntry.run(file: file, textName: textName, wrap: wrap, noColor: noColor, name: name)
    }
}

/// `stet yjs …`: inspection tools for Yjs v13 data.
struct Yjs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "yjs",
        abstract: "Inspect and transform Yjs v13 updates and state vectors.",
        discussion: """
            Updates are read in format v1 or v2 (--v1, --v2; most commands detect the format \
            by default: see `stet yjs decode --help`). `-` means standard input or output; \
            --hex reads and writes hex text (whitespace ignored) instead of binary. \
            Bad input gives one line on stderr naming the file, the byte offset and what was \
            expected there, and exit status 1.
            """,
        subcommands: [Decode.self, TextCommand.self, Merge.self, Diff.self, Convert.self, StateVectorCommand.self]
    )
}

/// A `stet yjs` subcommand: errors become one line on stderr and exit status 1.
protocol ToolCommand: ParsableCommand {
    func execute() throws
}

extension ToolCommand {
    func run() throws {
        do {
            try execute()
        } catch let e as ExitCode {
            throw e
        } catch {
            let name = Self.configuration.commandName ?? "yjs"
            printError("stet yjs \(name): \(error)")
            throw ExitCode.failure
        }
    }

    func warn(_ message: String) {
        printError("stet yjs \(Self.configuration.commandName ?? "yjs"): \(message)")
    }
}

/// `--hex`, shared by every `stet yjs` command.
struct HexOption: ParsableArguments {
    @Flag(name: .long, help: "Read and write hex text instead of binary (whitespace ignored on input).")
    var hex = false

    @Flag(name: .customLong("hex-in"), help: "Read hex text, write binary.")
    var hexIn = false

    @Flag(name: .customLong("hex-out"), help: "Read binary, write hex text.")
    var hexOut = false

    var io: ByteIO { ByteIO(hexIn: hex || hexIn, hexOut: hex || hexOut) }
}

/// `-o`, shared by the commands that write bytes.
struct OutputOption: ParsableArguments {
    @Option(name: [.short, .customLong("output")], help: ArgumentHelp("Where to write the result (- for standard output).", valueName: "OUT"))
    var output = "-"
}
