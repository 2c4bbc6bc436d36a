import StetCRDT

/// A collaborator as shown in the editor: name, colour, selection, when last heard from.
public struct Peer: Equatable, Sendable {
    /// The peer's Yjs client id.
    public var clientID: ClientID
    /// `user.name`, if the peer sent one.
    public var name: String?
    /// `user.color` (a CSS colour such as `#30bced`), if sent.
    public var color: String?
    /// `user.colorLight` (selection background in y-codemirror), if sent.
    public var colorLight: String?
    /// `cursor.anchor`: where the selection started. Nil when the peer has no cursor.
    public var anchor: RelativePosition?
    /// `cursor.head`: where the caret is. Nil when the peer has no cursor.
    public var head: RelativePosition?
    /// Our time when the peer's state was last accepted (awareness meta).
    public var lastSeen: Milliseconds
    /// The whole awareness state, for fields this type does not model.
    public var state: JSON

    /// Creates a peer.
    public init(clientID: ClientID, name: String? = nil, color: String? = nil, colorLight: String? = nil,
                anchor: RelativePosition? = nil, head: RelativePosition? = nil, lastSeen: Milliseconds, state: JSON) {
        self.clientID = clientID
        self.name = name
        self.color = color
        self.colorLight = colorLight
        self.anchor = anchor
        self.head = head
        self.lastSeen = lastSeen
        self.state = state
    }

    /// A label for the screen: the name, or "User <id>" as y-quill does.
    public var displayName: String { name ?? "User \(clientID)" }
}

/// A selection in UTF-16 code units of a text (anchor: where it started; head: the caret).
public struct TextSelection: Equatable, Sendable {
    /// Where the selection started.
    public var anchor: Int
    /// Where the caret is (equal to `anchor` for a plain caret).
    public var head: Int

    /// Creates a selection.
    public init(anchor: Int, head: Int) {
        self.anchor = anchor
        self.head = head
    }

    /// A caret at `offset`.
    public init(caret offset: Int) { self.init(anchor: offset, head: offset) }
}

/// A typed view over awareness states using the conventions other Yjs editors read
/// (y-codemirror.next 0.3.5, y-quill 1.0.0; `yjs-wire.md` §8.3):
///
/// ```
/// { "user":   { "name": …, "color": "#rrggbb", "colorLight": "#rrggbb33" },
///   "cursor": { "anchor": RelPos, "head": RelPos } | null }
/// ```
///
/// Relative positions are written as JSON objects with all four keys (`type`, `tname`,
/// `item`, `assoc`) and explicit nulls: y-codemirror's resolver throws on a missing `item`.
/// Positions are made with assoc 0 from UTF-16 offsets, as Yjs editors do.
public enum Presence {
    /// The default colour of y-codemirror.
    public static let defaultColor = "#30bced"

    /// Colours for `color(forName:)`: distinct on dark and light terminals.
    public static let palette = ["#30bced", "#6eeb83", "#ffbc42", "#ecd444", "#ee6352",
                                 "#9ac2c9", "#8acb88", "#1be7ff", "#c38d9e", "#e27d60",
                                 "#b388eb", "#f7aef8"]

    /// A stable colour for a name (FNV-1a of its UTF-8 into `palette`), so that a person
    /// keeps their colour across sessions without configuration.
    public static func color(forName name: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in name.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return palette[Int(h % UInt64(palette.count))]
    }

    /// The `user` object: name, colour, and `colorLight` (colour + `33`, y-codemirror's
    /// default selection background).
    public static func userJSON(name: String, color: String) -> JSON {
        .object([("name", .string(name)), ("color", .string(color)), ("colorLight", .string(color + "33"))])
    }

    /// A local state from explicit relative positions (`cursor: null` when nil).
    public static func state(name: String, color: String, cursor: (anchor: RelativePosition, head: RelativePosition)?) -> JSON {
        let c: JSON = cursor.map { .object([("anchor", $0.anchor.json), ("head", $0.head.json)]) } ?? .null
        return .object([("user", userJSON(name: name, color: color)), ("cursor", c)])
    }

    /// Our local state: `user` plus the selection turned into relative positions in `text`
    /// (`cursor: null` without a selection). Offsets are UTF-16 code units and are clamped
    /// to the text.
    /// - Complexity: O(items before the selection) for each end
    public static func state(name: String, color: String, selection: TextSelection?, in text: YText) -> JSON {
        guard let s = selection else { return state(name: name, color: color, cursor: nil) }
        let n = text.length
        let a = text.relativePosition(at: max(0, min(n, s.anchor)))
        let h = s.head == s.anchor ? a : text.relativePosition(at: max(0, min(n, s.head)))
        return state(name: name, color: color, cursor: (a, h))
    }

    /// stet's own awareness field, `stet: {file, saved, save}`, which other Yjs editors
    /// ignore. A host with a file publishes `file` (its name) and `saved` (the state vector
    /// its file on disk holds, `Presence.vectorString`); a guest asks that host to save by
    /// raising `save` (a counter).
    public struct StetField: Equatable, Sendable {
        public var file: String?
        public var saved: String?
        public var save: Int?
        /// Host: why the last save a guest asked for failed, and how many such saves failed
        /// (so a guest notices a second failure for the same reason).
        public var problem: String?
        public var failures: Int?

        public init(file: String? = nil, saved: String? = nil, save: Int? = nil, problem: String? = nil, failures: Int? = nil) {
            self.file = file
            self.saved = saved
            self.save = save
            self.problem = problem
            self.failures = failures
        }

        public var json: JSON {
            var kv: [(String, JSON)] = []
            if let file { kv.append(("file", .string(file))) }
            if let saved { kv.append(("saved", .string(saved))) }
            if let save { kv.append(("save", .number(Double(save)))) }
            if let problem { kv.append(("problem", .string(problem))) }
            if let failures { kv.append(("failures", .number(Double(failures)))) }
            return .object(kv)
        }

        /// Nil when `state` has no `stet` object.
        public init?(state: JSON) {
            guard let f = state["stet"], case .object = f else { return nil }
            file = f["file"]?.stringValue
            saved = f["saved"]?.stringValue
            save = f["save"]?.numberValue.flatMap { $0 >= 0 && $0 < 1e15 ? Int($0) : nil }
            problem = f["problem"]?.stringValue
            failures = f["failures"]?.numberValue.flatMap { $0 >= 0 && $0 < 1e15 ? Int($0) : nil }
        }
    }

    /// A state vector as a short, comparable string: "client:clock" sorted by client.
    public static func vectorString(_ vector: StateVector) -> String {
        vector.clocks.filter { $0.value > 0 }.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ",")
    }

    /// Reads a peer from its awareness state. Missing or mistyped fields become nil; a
    /// cursor needs both ends to be valid relative positions (JSON with missing keys is
    /// accepted, as Yjs's `createRelativePositionFromJSON` does).
    public static func peer(clientID: ClientID, state: JSON, lastSeen: Milliseconds) -> Peer {
        var p = Peer(clientID: clientID, lastSeen: lastSeen, state: state)
        if let user = state["user"] {
            p.name = user["name"]?.stringValue
            p.color = user["color"]?.stringValue
            p.colorLight = user["colorLight"]?.stringValue
        }
        if let cursor = state["cursor"], case .object = cursor,
           let aj = cursor["anchor"], let hj = cursor["head"],
           let a = try? RelativePosition(json: aj), let h = try? RelativePosition(json: hj) {
            p.anchor = a
            p.head = h
        }
        return p
    }

    /// Every other client with a state, sorted by client id.
    /// - Complexity: O(clients · state size)
    public static func peers(in awareness: Awareness) -> [Peer] {
        awareness.states.keys.filter { $0 != awareness.clientID }.sorted().compactMap { id in
            guard let s = awareness.states[id] else { return nil }
            return peer(clientID: id, state: s, lastSeen: awareness.meta[id]?.lastUpdated ?? 0)
        }
    }

    /// The peer's selection as UTF-16 offsets in the root text `textName` of `doc`, or nil
    /// if the peer has no cursor, a position refers to content this document does not have
    /// yet, or it lies in another type.
    /// - Complexity: O(items before each position)
    public static func selection(of peer: Peer, in doc: Doc, textName: String = "text") -> TextSelection? {
        guard let a = peer.anchor, let h = peer.head,
              let ai = resolve(a, in: doc, textName: textName),
              let hi = resolve(h, in: doc, textName: textName) else { return nil }
        return TextSelection(anchor: ai, head: hi)
    }

    /// One relative position as a UTF-16 offset in root text `textName`, or nil.
    public static func resolve(_ position: RelativePosition, in doc: Doc, textName: String = "text") -> Int? {
        // a root name other than ours would create that root type in the document: refuse it
        if position.item == nil, let t = position.tname, t != textName { return nil }
        guard let abs = doc.absolutePosition(position) else { return nil }
        if let t = abs.typeName, t != textName { return nil }
        return abs.index
    }
}
