/// A handle to an item record in `Doc.items` (a local index, never on the wire).
typealias Handle = Int32
let noHandle: Handle = -1

/// Content kinds as stored; values equal the wire content refs, plus `gc`.
enum Kind: UInt8 {
    case gc = 0, deleted = 1, json = 2, binary = 3, string = 4, embed = 5, format = 6, type = 7, any = 8, doc = 9
}

struct ItemFlags: OptionSet {
    var rawValue: UInt8
    static let deleted = ItemFlags(rawValue: 1)
    static let countable = ItemFlags(rawValue: 2)
    static let keep = ItemFlags(rawValue: 4)
    /// The record was merged into its left neighbour and is free.
    static let dead = ItemFlags(rawValue: 8)
    /// Undo/redo re-created this item's content; the copy's ID is in `Doc.redone`.
    static let redone = ItemFlags(rawValue: 16)
    /// The item is in its client's sparse clock index.
    static let indexed = ItemFlags(rawValue: 32)
}

let noClient: ClientID = .max

/// One item (or GC range) of the block store. Plain data: no references, no ARC.
struct ItemRec {
    var client: ClientID
    var clock: Clock
    var length: Int
    var slot: Int32
    var left: Handle = noHandle
    var right: Handle = noHandle
    /// Clock-order chain of the same client (split parts and later items).
    var prevInClock: Handle = noHandle
    var nextInClock: Handle = noHandle
    var originClient: ClientID = noClient
    var originClock: Clock = 0
    var rightOriginClient: ClientID = noClient
    var rightOriginClock: Clock = 0
    /// Parent type index, or -1 (GC).
    var parent: Int32 = -1
    /// Interned map key, or -1.
    var parentSub: Int32 = -1
    var kind: Kind
    var flags: ItemFlags
    /// For json/any/binary/embed/format/doc: index into `Doc.payloads`; for type: type index.
    var payload: Int32 = -1
    /// For strings: where this item's UTF-16 units start in its client's `units` arena.
    var contentStart: Int = 0


    var isDeleted: Bool { flags.contains(.deleted) }
    var isCountable: Bool { flags.contains(.countable) }
    /// Units this item contributes to its parent's visible length.
    var visibleLength: Int { flags.intersection([.deleted, .countable]) == .countable ? length : 0 }
    var endClock: Clock { clock + length }
    var origin: ID? { originClient == noClient ? nil : ID(client: originClient, clock: originClock) }
    var rightOrigin: ID? { rightOriginClient == noClient ? nil : ID(client: rightOriginClient, clock: rightOriginClock) }
    var id: ID { ID(client: client, clock: clock) }
    var lastID: ID { ID(client: client, clock: clock + length - 1) }
}

/// Per-client part of the block store.
struct ClientSlot {
    var id: ClientID
    /// UTF-16 content of this client's string items, appended in clock order (an item's
    /// units start at its `contentStart`; non-string items take no room).
    var units: [UInt16] = []
    /// A sparse, clock-sorted subset of this client's items used to start clock look-ups;
    /// the clock chain (`nextInClock`) covers the rest.
    var index: [Handle] = []
    var first: Handle = noHandle
    var last: Handle = noHandle
    /// Next expected clock (the state of this client).
    var state: Clock = 0
}

/// Non-string payloads.
enum Payload {
    case json([String])
    case any([AnyValue])
    case binary([UInt8])
    case embed(String)
    case format(key: String, value: String)
    case doc(guid: String, opts: AnyValue)
}

/// What a type is, as far as the document knows.
public enum TypeKind: Equatable, Sendable {
    case unknown, text, map, array, xml(TypeRef)
}

/// A shared type (root or nested): an ordered list plus a keyed map.
struct TypeRec {
    var kind: TypeKind
    var rootName: String?
    /// The item holding this type (nested types), else noHandle.
    var item: Handle = noHandle
    var start: Handle = noHandle
    /// Countable, non-deleted units in the list.
    var length: Int = 0
    /// Interned key -> current (rightmost) item.
    var map: [Int32: Handle] = [:]
    /// A known position: the item `cacheItem` starts at visible offset `cacheIndex`.
    var cacheItem: Handle = noHandle
    var cacheIndex: Int = 0
    var hasFormatting = false
}
