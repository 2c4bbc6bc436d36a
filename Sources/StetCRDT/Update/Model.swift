/// Clocks count the units of one client's history: UTF-16 code units for strings, one per
/// embed/format/type, one per JSON/Any element. They are the wire's unit.
public typealias Clock = Int

/// A Yjs client id. Random uint32 in practice; the wire allows up to 2^53.
public typealias ClientID = UInt64

/// The identity of one unit of content: (client, clock).
public struct ID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var client: ClientID
    public var clock: Clock
    public init(client: ClientID, clock: Clock) { self.client = client; self.clock = clock }
    public static func < (a: ID, b: ID) -> Bool { (a.client, a.clock) < (b.client, b.clock) }
    public var description: String { "\(client):\(clock)" }
}

/// How an item names its parent type on the wire.
public enum ParentRef: Equatable, Sendable {
    /// A root type (`doc.get(name)`), parentInfo 1.
    case root(String)
    /// A nested type: the ID of the Item whose content is the type, parentInfo 0.
    case item(ID)
}

/// The type reference carried by ContentType.
public enum TypeRef: Equatable, Sendable {
    case array, map, text, xmlElement(String), xmlFragment, xmlHook(String), xmlText

    public var code: UInt8 {
        switch self {
        case .array: 0
        case .map: 1
        case .text: 2
        case .xmlElement: 3
        case .xmlFragment: 4
        case .xmlHook: 5
        case .xmlText: 6
        }
    }

    public var typeName: String {
        switch self {
        case .array: "YArray"
        case .map: "YMap"
        case .text: "YText"
        case .xmlElement: "YXmlElement"
        case .xmlFragment: "YXmlFragment"
        case .xmlHook: "YXmlHook"
        case .xmlText: "YXmlText"
        }
    }
}

/// The content of an Item (content refs 1-9 of Yjs v13).
public enum ItemContent: Equatable, Sendable {
    case deleted(Int)                     // ref 1
    case json([String])                   // ref 2, raw JSON texts ("undefined" allowed)
    case binary([UInt8])                  // ref 3
    case string(String)                   // ref 4, length in UTF-16 units
    case embed(String)                    // ref 5, JSON text
    case format(key: String, value: String) // ref 6, value is JSON text
    case type(TypeRef)                    // ref 7
    case any([AnyValue])                  // ref 8
    case doc(guid: String, opts: AnyValue) // ref 9

    public var ref: UInt8 {
        switch self {
        case .deleted: 1
        case .json: 2
        case .binary: 3
        case .string: 4
        case .embed: 5
        case .format: 6
        case .type: 7
        case .any: 8
        case .doc: 9
        }
    }

    public var kindName: String {
        switch self {
        case .deleted: "Deleted"
        case .json: "JSON"
        case .binary: "Binary"
        case .string: "String"
        case .embed: "Embed"
        case .format: "Format"
        case .type: "Type"
        case .any: "Any"
        case .doc: "Doc"
        }
    }

    /// Length in clock units.
    public var length: Int {
        switch self {
        case .deleted(let n): n
        case .json(let xs): xs.count
        case .string(let s): s.utf16.count
        case .any(let xs): xs.count
        case .binary, .embed, .format, .type, .doc: 1
        }
    }

    /// Countable content contributes to a type's length (format items do not; deleted neither).
    public var isCountable: Bool {
        switch self {
        case .deleted, .format: false
        default: true
        }
    }

    /// The part of this content from `offset` (clock units) on.
    /// Strings follow the Yjs rule: splitting a surrogate pair turns both halves into U+FFFD.
    public func sliced(from offset: Int) -> ItemContent {
        if offset == 0 { return self }
        switch self {
        case .deleted(let n): return .deleted(n - offset)
        case .json(let xs): return .json(Array(xs[offset...]))
        case .any(let xs): return .any(Array(xs[offset...]))
        case .string(let s): return .string(UTF16Slicing.split(s, at: offset).1)
        default: return self
        }
    }

    /// The part of this content before `offset`.
    public func sliced(to offset: Int) -> ItemContent {
        switch self {
        case .deleted: return .deleted(offset)
        case .json(let xs): return .json(Array(xs[..<offset]))
        case .any(let xs): return .any(Array(xs[..<offset]))
        case .string(let s): return .string(UTF16Slicing.split(s, at: offset).0)
        default: return self
        }
    }
}

/// Splitting strings at UTF-16 offsets with the Yjs surrogate rule.
public enum UTF16Slicing {
    /// Splits `s` at UTF-16 offset `at`. If that falls between the halves of a surrogate
    /// pair, the last unit of the left part and the first of the right part become U+FFFD
    /// (lengths are kept, U+FFFD being one unit) — exactly as Yjs `ContentString.splice`.
    public static func split(_ s: String, at: Int) -> (String, String) {
        let units = Array(s.utf16)
        return split(units: units, at: at)
    }

    public static func split(units: [UInt16], at: Int) -> (String, String) {
        var left = Array(units[..<at])
        var right = Array(units[at...])
        if let last = left.last, UTF16.isLeadSurrogate(last) {
            left[left.count - 1] = 0xFFFD
            if !right.isEmpty { right[0] = 0xFFFD }
        }
        return (UTF16Transcoding.string(left), UTF16Transcoding.string(right))
    }
}

/// An Item as it travels in an update.
public struct UpdateItem: Equatable, Sendable {
    public var clock: Clock
    public var origin: ID?
    public var rightOrigin: ID?
    /// Written only when neither origin is present.
    public var parent: ParentRef?
    /// Written only when neither origin is present.
    public var parentSub: String?
    /// Bit 6 of the info byte. Yjs sets it for every map entry, also when the key itself is
    /// not written (origin present); kept so re-encoding reproduces the bytes.
    public var hasParentSub: Bool
    public var content: ItemContent

    public init(clock: Clock, origin: ID? = nil, rightOrigin: ID? = nil, parent: ParentRef? = nil,
                parentSub: String? = nil, hasParentSub: Bool? = nil, content: ItemContent) {
        self.clock = clock
        self.origin = origin
        self.rightOrigin = rightOrigin
        self.parent = parent
        self.parentSub = parentSub
        self.hasParentSub = hasParentSub ?? (parentSub != nil)
        self.content = content
    }

    public var length: Int { content.length }

    public var info: UInt8 {
        content.ref | (origin == nil ? 0 : 0x80) | (rightOrigin == nil ? 0 : 0x40) | (hasParentSub ? 0x20 : 0)
    }

    /// The same item without its first `offset` units (as Yjs writes a partially known item):
    /// its origin becomes the unit just before the cut; parent info is dropped with it.
    public func sliced(from offset: Int, client: ClientID) -> UpdateItem {
        if offset == 0 { return self }
        var r = self
        r.clock = clock + offset
        r.origin = ID(client: client, clock: clock + offset - 1)
        r.content = content.sliced(from: offset)
        return r
    }
}

/// One struct of an update: an Item, a GC'd range, or a Skip (a gap in a merged update).
public enum UpdateStruct: Equatable, Sendable {
    case gc(clock: Clock, length: Int)
    case skip(clock: Clock, length: Int)
    case item(UpdateItem)

    public var clock: Clock {
        switch self {
        case .gc(let c, _), .skip(let c, _): c
        case .item(let i): i.clock
        }
    }

    public var length: Int {
        switch self {
        case .gc(_, let n), .skip(_, let n): n
        case .item(let i): i.length
        }
    }

    public var endClock: Clock { clock + length }

    public var isSkip: Bool { if case .skip = self { return true }; return false }

    /// Drops the first `offset` units.
    public func sliced(from offset: Int, client: ClientID) -> UpdateStruct {
        if offset == 0 { return self }
        switch self {
        case .gc(let c, let n): return .gc(clock: c + offset, length: n - offset)
        case .skip(let c, let n): return .skip(clock: c + offset, length: n - offset)
        case .item(let i): return .item(i.sliced(from: offset, client: client))
        }
    }
}

/// The structs of one client in an update, in clock order and contiguous.
public struct ClientStructs: Equatable, Sendable {
    public var client: ClientID
    public var structs: [UpdateStruct]
    public init(client: ClientID, structs: [UpdateStruct]) { self.client = client; self.structs = structs }
}

/// A range of deleted clocks.
public struct DeleteRange: Equatable, Hashable, Sendable {
    public var clock: Clock
    public var length: Int
    public init(clock: Clock, length: Int) { self.clock = clock; self.length = length }
    public var end: Clock { clock + length }
}

/// A delete set: per client, ranges of deleted clocks. The wire order of clients is kept.
public struct DeleteSet: Equatable, Sendable {
    public var clients: [(client: ClientID, ranges: [DeleteRange])]

    public init(_ clients: [(client: ClientID, ranges: [DeleteRange])] = []) { self.clients = clients }

    public static func == (a: DeleteSet, b: DeleteSet) -> Bool {
        a.clients.count == b.clients.count && zip(a.clients, b.clients).allSatisfy { $0.client == $1.client && $0.ranges == $1.ranges }
    }

    public var isEmpty: Bool { clients.allSatisfy { $0.ranges.isEmpty } }

    /// Sorted by client descending (Yjs order), ranges sorted and merged.
    public func normalized() -> DeleteSet {
        var byClient: [ClientID: [DeleteRange]] = [:]
        for (c, rs) in clients { byClient[c, default: []].append(contentsOf: rs) }
        var out: [(client: ClientID, ranges: [DeleteRange])] = []
        for c in byClient.keys.sorted(by: >) {
            let merged = DeleteSet.sortAndMerge(byClient[c]!)
            if !merged.isEmpty { out.append((c, merged)) }
        }
        return DeleteSet(out)
    }

    /// Sorts ranges and joins overlapping or adjacent ones.
    public static func sortAndMerge(_ ranges: [DeleteRange]) -> [DeleteRange] {
        let sorted = ranges.filter { $0.length > 0 }.sorted { $0.clock < $1.clock }
        var out: [DeleteRange] = []
        out.reserveCapacity(sorted.count)
        for r in sorted {
            if let last = out.last, r.clock <= last.end {
                out[out.count - 1].length = max(last.end, r.end) - last.clock
            } else {
                out.append(r)
            }
        }
        return out
    }

    /// Whether `id` is covered.
    public func contains(_ id: ID) -> Bool {
        guard let rs = clients.first(where: { $0.client == id.client })?.ranges else { return false }
        var lo = 0, hi = rs.count - 1
        while lo <= hi {
            let mid = (lo + hi) / 2
            let r = rs[mid]
            if id.clock < r.clock { hi = mid - 1 } else if id.clock >= r.end { lo = mid + 1 } else { return true }
        }
        return false
    }

    /// Union of several delete sets, normalized.
    public static func merged(_ sets: [DeleteSet]) -> DeleteSet {
        DeleteSet(sets.flatMap { $0.clients }).normalized()
    }
}

/// A state vector: for each client, the next clock expected (= number of units known).
public struct StateVector: Equatable, Sendable {
    public var clocks: [ClientID: Clock]
    public init(_ clocks: [ClientID: Clock] = [:]) { self.clocks = clocks }
    public subscript(client: ClientID) -> Clock {
        get { clocks[client] ?? 0 }
        set { clocks[client] = newValue }
    }
    /// Entries sorted by client descending (Yjs order).
    public var sortedEntries: [(client: ClientID, clock: Clock)] {
        clocks.sorted { $0.key > $1.key }.map { ($0.key, $0.value) }
    }
}

/// A decoded update: structs per client plus a delete set. Format-independent (v1 or v2).
public struct Update: Equatable, Sendable {
    public var clients: [ClientStructs]
    public var deleteSet: DeleteSet

    public init(clients: [ClientStructs] = [], deleteSet: DeleteSet = DeleteSet()) {
        self.clients = clients
        self.deleteSet = deleteSet
    }

    public var isEmpty: Bool { clients.allSatisfy { $0.structs.isEmpty } && deleteSet.isEmpty }
}
