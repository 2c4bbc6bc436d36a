import StetCRDT

/// Milliseconds on the caller's clock. StetSync never reads a clock: every time-dependent
/// call takes `now`, so tests drive time by hand.
public typealias Milliseconds = Int64

/// An encoded awareness update, decoded (`yjs-wire.md` §8.3, y-protocols `awareness.js`):
/// `varUint n, then (varUint clientID, varUint clock, varString JSON(state)) × n`.
/// A `nil` state (the text `null`) means the client is gone.
public struct AwarenessUpdate: Equatable, Sendable {
    /// One client's entry.
    public struct Entry: Equatable, Sendable {
        /// The client (a Yjs client id).
        public var clientID: ClientID
        /// The client's awareness clock: higher wins.
        public var clock: UInt64
        /// The state; nil is the wire `null` (removal).
        public var state: JSON?

        /// Creates an entry.
        public init(clientID: ClientID, clock: UInt64, state: JSON?) {
            self.clientID = clientID
            self.clock = clock
            self.state = state
        }
    }

    /// The entries in wire order.
    public var entries: [Entry]

    /// Creates an update from entries.
    public init(entries: [Entry]) { self.entries = entries }

    /// The wire bytes; states are written like `JSON.stringify` (compact, keys in order).
    /// - Complexity: O(total size of the states)
    public func encoded() -> [UInt8] {
        var e = Lib0Encoder()
        e.writeVarUInt(entries.count)
        for x in entries {
            e.writeVarUInt(x.clientID)
            e.writeVarUInt(x.clock)
            e.writeVarString(x.state?.serialized ?? "null")
        }
        return e.bytes
    }

    /// Decodes an awareness update. `baseOffset` is added to error offsets (pass the
    /// payload's offset in the enclosing message).
    ///
    /// Client ids and clocks above 2^53 (not JS numbers), more than
    /// `limits.maxAwarenessEntries` entries, states larger than
    /// `limits.maxAwarenessStateBytes` or nested deeper than `limits.maxAwarenessDepth`, and
    /// invalid JSON are `.invalidAwareness` errors. An empty state string counts as `null`,
    /// as in pycrdt. Trailing bytes are ignored, as in y-protocols.
    /// - Complexity: O(bytes.count)
    public static func decode(_ bytes: [UInt8], limits: ProtocolLimits = .default, baseOffset: Int = 0) throws(ProtocolError) -> AwarenessUpdate {
        var d = Lib0Decoder(bytes, baseOffset: baseOffset)
        let countAt = d.absoluteOffset
        // every entry takes at least 3 bytes: bound the count before reserving anything
        let n = try lift(.invalidAwareness) { try d.readVarUInt("awareness entry count") }
        guard n <= UInt64(limits.maxAwarenessEntries) else {
            throw ProtocolError(.tooLarge, at: countAt, "\(n) awareness entries exceed the limit of \(limits.maxAwarenessEntries)")
        }
        guard n <= UInt64(d.remaining / 3) else {
            throw ProtocolError(.truncated, at: countAt, "\(n) awareness entries cannot fit in \(d.remaining) bytes")
        }
        var entries: [Entry] = []
        entries.reserveCapacity(Int(n))
        for _ in 0..<Int(n) {
            let clientAt = d.absoluteOffset
            let client = try lift(.invalidAwareness) { try d.readVarUInt("awareness client id") }
            guard client <= maxWireNumber else {
                throw ProtocolError(.invalidAwareness, at: clientAt, "client id \(client) exceeds 2^53")
            }
            let clockAt = d.absoluteOffset
            let clock = try lift(.invalidAwareness) { try d.readVarUInt("awareness clock") }
            guard clock <= maxWireNumber else {
                throw ProtocolError(.invalidAwareness, at: clockAt, "clock \(clock) exceeds 2^53")
            }
            let stateAt = d.absoluteOffset
            var probe = d
            let len = try lift(.invalidAwareness) { try probe.readVarUInt("awareness state length") }
            guard len <= UInt64(limits.maxAwarenessStateBytes) else {
                throw ProtocolError(.tooLarge, at: stateAt, "awareness state of \(len) bytes exceeds the limit of \(limits.maxAwarenessStateBytes)")
            }
            let text = try lift(.invalidAwareness) { try d.readVarString("awareness state") }
            let state: JSON?
            if text.isEmpty || text == "null" {
                state = nil
            } else {
                do {
                    let j = try JSON.parse(text, maxDepth: limits.maxAwarenessDepth)
                    state = j.isNull ? nil : j
                } catch let e as JSON.ParseError {
                    throw ProtocolError(.invalidAwareness, at: stateAt, "state JSON at byte \(e.offset) of the text: \(e.message)")
                } catch {
                    throw ProtocolError(.invalidAwareness, at: stateAt, "state JSON: \(error)")
                }
            }
            entries.append(Entry(clientID: client, clock: clock, state: state))
        }
        return AwarenessUpdate(entries: entries)
    }
}

extension JSON {
    /// Deep equality with objects compared as key sets (lib0 `equalityDeep`), not in order.
    /// - Complexity: O(size of both values · keys per object)
    public func deepEquals(_ other: JSON) -> Bool {
        switch (self, other) {
        case let (.object(a), .object(b)):
            guard a.count == b.count else { return false }
            for (k, v) in a {
                guard let w = b.first(where: { $0.0 == k })?.1, v.deepEquals(w) else { return false }
            }
            return true
        case let (.array(a), .array(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.deepEquals($1) }
        default:
            return self == other
        }
    }
}
