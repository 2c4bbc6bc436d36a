import ArgumentParser
import StetCRDT

// MARK: - decode

struct Decode: ToolCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Print an update (or a state vector, or a delete set) as JSON.",
        discussion: """
            An update prints as {"structs": [{"client", "structs": [...]}], "deleteSet": [...]}, \
            the shape of `decoded` in the Yjs conformance vectors: every struct with its clock, \
            info byte, kind, origins or parent, content and length; lib0 Any values tagged \
            ($f64, $bytes, …); the delete set as [{"client", "ranges": [[clock, len], …]}]. \
            --sv prints a state vector as [[client, clock], …]; --ds a delete set alone (as in \
            snapshots).

            Format detection (--auto, the default). Every Yjs v2 update starts with its \
            feature flag, a 0 byte; a v1 update starts with its number of clients, which is \
            also 0 when it carries only deletions (or nothing). So stet tries v1, then v2, and \
            takes the first that decodes and uses every byte of the input; if both do, it \
            shows v1 and says so. The format that was read is reported on stderr. Left-over \
            bytes after a value are an error (Yjs ignores them silently).
            """
    )

    @Flag(help: "Input format.")
    var format: FormatChoice = .auto

    @Flag(name: .customLong("sv"), help: "The input is an encoded state vector.")
    var stateVector = false

    @Flag(name: .customLong("ds"), help: "The input is a delete set alone (v1 or v2 encoding).")
    var deleteSet = false

    @Flag(help: "Print JSON on one line.")
    var compact = false

    @OptionGroup var hexOption: HexOption

    @Argument(help: "The file to decode (- for standard input).")
    var file: String

    func validate() throws {
        if stateVector && deleteSet { throw ValidationError("--sv and --ds cannot be used together") }
    }

    func execute() throws {
        let bytes = try hexOption.io.read(file)
        let flag: (WireFormat) -> String = { "--\($0.rawValue)" }
        let json: JSON
        if stateVector {
            json = try decodeInput(bytes, name: file, choice: format, codec: .stateVector, hex: hexOption.io.hexIn, flag: flag).value.json
        } else if deleteSet {
            let d = try decodeInput(bytes, name: file, choice: format, codec: .deleteSet, hex: hexOption.io.hexIn, flag: flag)
            report(d)
            json = d.value.json
        } else {
            let d = try decodeInput(bytes, name: file, choice: format, codec: .update, hex: hexOption.io.hexIn, flag: flag)
            report(d)
            json = d.value.json
        }
        try IO.writeFile("-", Array(((compact ? json.serialized : json.readable) + "\n").utf8))
    }

    private func report<T>(_ d: DecodedInput<T>) {
        if let note = d.note { warn("note: \(note)") }
        else if format == .auto { warn("note: \(shown(file)): read as format \(d.format.rawValue)") }
    }
}

// MARK: - text

struct TextCommand: ToolCommand {
    static let configuration = CommandConfiguration(
        commandName: "text",
        abstract: "Apply updates in order to an empty document and print a root text.",
        discussion: """
            The text is printed exactly as it is (a newline is added only when standard \
            output is a terminal). With --sv, a last line holds the document's state vector as \
            JSON [[client, clock], …] (a newline is put before it when the text does not end \
            with one). If some structs or deletions could not be applied because updates they \
            depend on are missing, a warning on stderr says which clients and clocks are \
            missing; the exit status stays 0.
            """
    )

    @Option(name: .customLong("ytext"), help: ArgumentHelp("The name of the root Y.Text to print.", valueName: "NAME"))
    var ytext = "text"

    @Flag(name: .customLong("sv"), help: "Also print the state vector, as JSON, on a last line.")
    var printStateVector = false

    @Flag(help: "Input format.")
    var format: FormatChoice = .auto

    @OptionGroup var hexOption: HexOption

    @Argument(help: "Update files, applied in this order (- for standard input).")
    var files: [String]

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one update file") }
    }

    func execute() throws {
        try checkSingleStdin(files)
        var updates: [Update] = []
        for f in files {
            let bytes = try hexOption.io.read(f)
            let d = try decodeInput(bytes, name: f, choice: format, codec: .update, hex: hexOption.io.hexIn, flag: { "--\($0.rawValue)" })
            if let note = d.note { warn("note: \(note)") }
            updates.append(d.value)
        }
        let doc = Doc(clientID: 0)
        for u in updates { doc.apply(u) }

        let roots = Set(updates.flatMap(rootNames))
        if !roots.isEmpty && !roots.contains(ytext) {
            let list = roots.sorted().map { $0.debugDescription }.joined(separator: ", ")
            warn("warning: no root named \(ytext.debugDescription) in these updates; they have \(list) (choose one with --ytext NAME)")
        }
        if doc.hasPending {
            warn("warning: " + pendingReport(doc, updates))
        }

        var out = doc.getText(ytext).string
        if printStateVector {
            if !out.isEmpty && !out.hasSuffix("\n") { out += "\n" }
            out += doc.stateVector.json.serialized + "\n"
        } else if IO.stdoutIsTerminal && !out.isEmpty && !out.hasSuffix("\n") {
            out += "\n"
        }
        try IO.writeFile("-", Array(out.utf8))
    }

    /// One line naming what is pending and what it waits for.
    private func pendingReport(_ doc: Doc, _ updates: [Update]) -> String {
        var parts: [String] = []
        // Structs not integrated: everything at or past the document's state, per client.
        var stuck: [ClientID: (from: Clock, to: Clock)] = [:]
        for u in updates {
            for cs in u.clients {
                let have = doc.state(of: cs.client)
                for s in cs.structs where !s.isSkip && s.endClock > have {
                    let from = max(s.clock, have)
                    let r = stuck[cs.client] ?? (from, s.endClock)
                    stuck[cs.client] = (min(r.from, from), max(r.to, s.endClock))
                }
            }
        }
        if !stuck.isEmpty {
            let what = stuck.keys.sorted().map { c in "client \(c) clocks \(stuck[c]!.from)..<\(stuck[c]!.to)" }
            parts.append("structs of " + what.joined(separator: ", ") + " are pending")
        }
        let missing = doc.missingClocks.sorted { $0.key < $1.key }.map { (c, m) -> String in
            let have = doc.state(of: c)
            return m > have ? "client \(c) clocks \(have)...\(m)" : "client \(c) from clock \(have)"
        }
        if !missing.isEmpty {
            parts.append("they need " + missing.joined(separator: ", "))
        }
        // Deletions of clocks the document does not have yet.
        var deletes: [String] = []
        for (c, ranges) in UpdateAlgorithms.mergeDeleteSets(updates.map(\.deleteSet)).clients {
            let have = doc.state(of: c)
            let waiting = ranges.filter { $0.end > have }
            if let first = waiting.first, let last = waiting.last {
                let known = have == 0 ? "no structs of client \(c) yet" : "client \(c) known only below clock \(have)"
                deletes.append("client \(c) clocks \(max(first.clock, have))..<\(last.end) (\(known))")
            }
        }
        if !deletes.isEmpty {
            parts.append("deletions of " + deletes.joined(separator: ", ") + " are pending")
        }
        if parts.isEmpty { parts.append("some changes are pending") }
        return "the updates are incomplete, so the text may lack changes: " + parts.joined(separator: "; ")
    }
}

/// Names of the root types the update's structs refer to.
func rootNames(_ u: Update) -> [String] {
    var names: [String] = []
    for cs in u.clients {
        for s in cs.structs {
            if case .item(let it) = s, case .root(let n)? = it.parent { names.append(n) }
        }
    }
    return names
}

// MARK: - merge

struct Merge: ToolCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge updates into one (Y.mergeUpdates).",
        discussion: """
            The output is what Yjs's mergeUpdates (or mergeUpdatesV2 with --v2) produces for \
            the same inputs; one input is copied unchanged, as Yjs does. Inputs and output \
            use the same format (use `stet yjs convert` to change it).
            """
    )

    @Flag(help: "Format of the inputs and the output.")
    var format: WireFormat = .v1

    @OptionGroup var output: OutputOption
    @OptionGroup var hexOption: HexOption

    @Argument(help: "Update files (- for standard input).")
    var files: [String]

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one update file") }
    }

    func execute() throws {
        try checkSingleStdin(files)
        let io = hexOption.io
        var raws: [[UInt8]] = []
        var updates: [Update] = []
        for f in files {
            let bytes = try io.read(f)
            let d = try decodeInput(bytes, name: f, choice: format == .v1 ? .v1 : .v2, codec: .update, hex: hexOption.io.hexIn,
                                    flag: { $0 == .v2 ? "--v2" : "--v1 (the default)" })
            raws.append(bytes)
            updates.append(d.value)
        }
        let merged = raws.count == 1 ? raws[0] : Codec<Update>.update.encoder(format)(Update.merge(updates))
        try io.write(merged, to: output.output)
    }
}

// MARK: - diff

struct Diff: ToolCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "The part of an update that a state vector lacks (Y.diffUpdate).",
        discussion: """
            Give the state vector as a file (--sv FILE, binary or with --hex hex text, - for \
            standard input) or inline (--sv-hex HEX). `stet yjs sv UPDATE -o SV` makes one \
            from an update. The result is in the same format as UPDATE (--v1/--v2).
            """
    )

    @Flag(help: "Format of the update and the output.")
    var format: WireFormat = .v1

    @Option(name: .customLong("sv"), help: ArgumentHelp("A file holding an encoded state vector.", valueName: "SV"))
    var svFile: String?

    @Option(name: .customLong("sv-hex"), help: ArgumentHelp("An encoded state vector as hex text.", valueName: "HEX"))
    var svHex: String?

    @OptionGroup var output: OutputOption
    @OptionGroup var hexOption: HexOption

    @Argument(help: "The update file (- for standard input).")
    var file: String

    func validate() throws {
        if (svFile == nil) == (svHex == nil) { throw ValidationError("give the state vector with either --sv FILE or --sv-hex HEX") }
    }

    func execute() throws {
        let io = hexOption.io
        if let s = svFile { try checkSingleStdin([file, s]) }
        let bytes = try io.read(file)
        let update = try decodeInput(bytes, name: file, choice: format == .v1 ? .v1 : .v2, codec: .update, hex: hexOption.io.hexIn,
                                     flag: { $0 == .v2 ? "--v2" : "--v1 (the default)" }).value
        let svBytes: [UInt8]
        let svName: String
        if let s = svFile {
            svBytes = try io.read(s)
            svName = s
        } else {
            svBytes = try HexText.parse(Array(svHex!.utf8), name: "--sv-hex")
            svName = "--sv-hex"
        }
        let sv = try decodeInput(svBytes, name: svName, choice: .v1, codec: .stateVector, hex: hexOption.io.hexIn || svFile == nil,
                                 flag: { "--\($0.rawValue)" }).value
        try io.write(Codec<Update>.update.encoder(format)(update.diff(against: sv)), to: output.output)
    }
}

// MARK: - convert

struct Convert: ToolCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert an update between formats v1 and v2.",
        discussion: """
            The output is byte for byte what Yjs writes for the same update in the target \
            format (convertUpdateFormatV1ToV2 / V2ToV1). The input format is detected unless \
            --from is given; an input already in the target format is re-encoded.
            """
    )

    @Option(help: ArgumentHelp("Target format: v1 or v2.", valueName: "FORMAT"))
    var to: WireFormat

    @Option(help: ArgumentHelp("Input format: auto (default), v1 or v2.", valueName: "FORMAT"))
    var from: FormatChoice = .auto

    @OptionGroup var output: OutputOption
    @OptionGroup var hexOption: HexOption

    @Argument(help: "The update file (- for standard input).")
    var file: String

    func execute() throws {
        let io = hexOption.io
        let bytes = try io.read(file)
        let d = try decodeInput(bytes, name: file, choice: from, codec: .update, hex: hexOption.io.hexIn,
                                flag: { "--from \($0.rawValue)" })
        if let note = d.note { warn("note: \(note)") }
        try io.write(Codec<Update>.update.encoder(to)(d.value), to: output.output)
    }
}

// MARK: - sv

struct StateVectorCommand: ToolCommand {
    static let configuration = CommandConfiguration(
        commandName: "sv",
        abstract: "The state vector of an update (Y.encodeStateVectorFromUpdate).",
        discussion: """
            For each client, the clock after the update's contiguous run of structs from that \
            client's first clock. Written encoded (for `stet yjs diff --sv`), or with --json \
            as [[client, clock], …].
            """
    )

    @Flag(help: "Input format.")
    var format: FormatChoice = .auto

    @Flag(help: "Print JSON [[client, clock], …] instead of the encoded state vector.")
    var json = false

    @OptionGroup var output: OutputOption
    @OptionGroup var hexOption: HexOption

    @Argument(help: "The update file (- for standard input).")
    var file: String

    func execute() throws {
        let io = hexOption.io
        let bytes = try io.read(file)
        let d = try decodeInput(bytes, name: file, choice: format, codec: .update, hex: hexOption.io.hexIn, flag: { "--\($0.rawValue)" })
        if let note = d.note { warn("note: \(note)") }
        let entries = UpdateAlgorithms.stateVectorEntries(of: d.value)
        if json {
            let j = JSON.array(entries.map { .array([.number(Double($0.client)), .number(Double($0.clock))]) })
            try IO.writeFile(output.output, Array((j.serialized + "\n").utf8))
        } else {
            var e = Lib0Encoder()
            e.writeVarUInt(entries.count)
            for (c, k) in entries { e.writeVarUInt(c); e.writeVarUInt(k) }
            try io.write(e.bytes, to: output.output)
        }
    }
}
