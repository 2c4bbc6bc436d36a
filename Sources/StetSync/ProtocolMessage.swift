import StetCRDT

/// The outer y-protocols message types (`yjs-wire.md` §8.1): the first varUint of every
/// message.
public enum ProtocolMessageType: UInt64, Sendable {
    /// A sync sub-message follows (`SyncMessage`).
    case sync = 0
    /// A varUint8Array holding an awareness update follows.
    case awareness = 1
    /// An auth sub-message follows (`AuthMessage`).
    case auth = 2
    /// No body: "send me every awareness state you know".
    case queryAwareness = 3
}

/// A y-protocols sync sub-message (`yjs-wire.md` §8.2, y-protocols `sync.js`).
public enum SyncMessage: Equatable, Sendable {
    /// Sub-type 0: the sender's encoded state vector. The receiver answers with `step2`.
    case step1(stateVector: [UInt8])
    /// Sub-type 1: everything the receiver lacked (`encodeStateAsUpdate(doc, sv)`), v1.
    case step2(update: [UInt8])
    /// Sub-type 2: one incremental v1 update.
    case update([UInt8])

    /// The sub-type byte on the wire (0, 1 or 2).
    public var subType: UInt64 {
        switch self {
        case .step1: return 0
        case .step2: return 1
        case .update: return 2
        }
    }
}

/// A y-protocols auth sub-message (y-protocols `auth.js`).
public enum AuthMessage: Equatable, Sendable {
    /// Sub-type 0: the peer refused something; `reason` is for the user.
    case permissionDenied(reason: String)
    /// Any other sub-type (y-protocols ignores these); the rest of the message is kept.
    case other(type: UInt64, body: [UInt8])
}

/// One whole y-protocols message, as carried by one WebSocket binary frame (or one frame of
/// any other `Transport`). Byte-exact with y-protocols 1.0.7 and pycrdt (`yjs-wire.md` §8).
///
/// Decoding treats input as hostile: sizes are bounded by `ProtocolLimits`, every read is
/// bounds-checked, and failures are `ProtocolError`s with the byte offset — never a trap.
public enum ProtocolMessage: Equatable, Sendable {
    /// Type 0: document sync.
    case sync(SyncMessage)
    /// Type 1: an awareness update (still encoded; see `AwarenessUpdate.decode`).
    case awareness([UInt8])
    /// Type 2: auth.
    case auth(AuthMessage)
    /// Type 3: query awareness (no body).
    case queryAwareness
    /// A message type this implementation does not know. y-websocket ignores these; so does
    /// `SyncSession` (it counts them).
    case unknown(type: UInt64, body: [UInt8])

    /// The outer type number.
    public var type: UInt64 {
        switch self {
        case .sync: return 0
        case .awareness: return 1
        case .auth: return 2
        case .queryAwareness: return 3
        case .unknown(let t, _): return t
        }
    }

    /// The wire bytes.
    /// - Complexity: O(size of the payload)
    public func encoded() -> [UInt8] {
        var e = Lib0Encoder(capacity: 16 + payloadCount)
        e.writeVarUInt(type)
        switch self {
        case .sync(let s):
            e.writeVarUInt(s.subType)
            switch s {
            case .step1(let b), .step2(let b), .update(let b): e.writeVarBytes(b)
            }
        case .awareness(let b):
            e.writeVarBytes(b)
        case .auth(.permissionDenied(let reason)):
            e.writeVarUInt(0)
            e.writeVarString(reason)
        case .auth(.other(let t, let body)):
            e.writeVarUInt(t)
            e.writeRaw(body)
        case .queryAwareness:
            break
        case .unknown(_, let body):
            e.writeRaw(body)
        }
        return e.bytes
    }

    private var payloadCount: Int {
        switch self {
        case .sync(.step1(let b)), .sync(.step2(let b)), .sync(.update(let b)), .awareness(let b): return b.count
        case .auth(.permissionDenied(let r)): return r.utf8.count
        case .auth(.other(_, let b)), .unknown(_, let b): return b.count
        case .queryAwareness: return 0
        }
    }

    /// Decodes one whole message.
    ///
    /// Errors: `.tooLarge` if `bytes` exceeds `limits.maxMessageBytes`; `.truncated` /
    /// `.malformed` for bad framing; `.unknownSyncMessage` for a sync sub-type other than
    /// 0–2 (y-protocols throws there too); `.trailingBytes` when bytes follow a complete
    /// message and `limits.allowTrailingBytes` is false. The payloads (state vector,
    /// update, awareness update) are not decoded here.
    /// - Complexity: O(bytes.count)
    public static func decode(_ bytes: [UInt8], limits: ProtocolLimits = .default) throws(ProtocolError) -> ProtocolMessage {
        guard bytes.count <= limits.maxMessageBytes else {
            throw ProtocolError(.tooLarge, at: 0, "message of \(bytes.count) bytes exceeds the limit of \(limits.maxMessageBytes)")
        }
        guard !bytes.isEmpty else { throw ProtocolError(.truncated, at: 0, "empty message") }
        var d = Lib0Decoder(bytes)
        let type = try lift { try d.readVarUInt("message type") }
        let message: ProtocolMessage
        switch type {
        case 0:
            let subAt = d.position
            let sub = try lift { try d.readVarUInt("sync message type") }
            guard sub <= 2 else {
                throw ProtocolError(.unknownSyncMessage, at: subAt, "sync message type \(sub) (expected 0, 1 or 2)")
            }
            let payload = try lift { try d.readVarBytes(sub == 0 ? "state vector" : "update") }
            switch sub {
            case 0: message = .sync(.step1(stateVector: payload))
            case 1: message = .sync(.step2(update: payload))
            default: message = .sync(.update(payload))
            }
        case 1:
            message = .awareness(try lift { try d.readVarBytes("awareness update") })
        case 2:
            let sub = try lift { try d.readVarUInt("auth message type") }
            if sub == 0 {
                let at = d.position
                let reason = try lift { try d.readVarString("permission denied reason") }
                guard reason.utf8.count <= limits.maxReasonBytes else {
                    throw ProtocolError(.tooLarge, at: at, "reason of \(reason.utf8.count) bytes exceeds \(limits.maxReasonBytes)")
                }
                message = .auth(.permissionDenied(reason: reason))
            } else {
                message = .auth(.other(type: sub, body: Array(bytes[d.position...])))
                d.position = bytes.count
            }
        case 3:
            message = .queryAwareness
        default:
            message = .unknown(type: type, body: Array(bytes[d.position...]))
            d.position = bytes.count
        }
        if d.hasMore && !limits.allowTrailingBytes {
            throw ProtocolError(.trailingBytes, at: d.position, "\(d.remaining) bytes after a complete message")
        }
        return message
    }

    /// Byte offset of the payload of a `.sync` or `.awareness` message (after the
    /// length prefix), so errors inside the payload can report offsets in the message.
    /// Nil for other messages or malformed input.
    public static func payloadOffset(in bytes: [UInt8]) -> Int? {
        var d = Lib0Decoder(bytes)
        guard let t = try? d.readVarUInt() else { return nil }
        if t == 0 { guard (try? d.readVarUInt()) != nil else { return nil } } else if t != 1 { return nil }
        guard (try? d.readVarUInt()) != nil else { return nil }
        return d.position
    }
}

extension ProtocolMessage {
    /// Sync step 1 carrying `doc`'s state vector.
    /// - Complexity: O(clients in the document)
    public static func syncStep1(_ doc: Doc) -> ProtocolMessage {
        .sync(.step1(stateVector: doc.encodeStateVector()))
    }

    /// Sync step 2: what a peer with state vector `stateVector` lacks from `doc`.
    /// - Complexity: O(structs the peer lacks + the document's delete set)
    public static func syncStep2(_ doc: Doc, answering stateVector: StateVector) -> ProtocolMessage {
        .sync(.step2(update: doc.encodeStateAsUpdate(from: stateVector)))
    }
}

/// Size bounds applied to everything a peer sends.
public struct ProtocolLimits: Equatable, Sendable {
    /// Largest whole message accepted (a new peer's sync step 2 carries the whole document).
    public var maxMessageBytes: Int
    /// Most entries in one awareness update.
    public var maxAwarenessEntries: Int
    /// Largest JSON text of one awareness state, in UTF-8 bytes.
    public var maxAwarenessStateBytes: Int
    /// Deepest nesting accepted in an awareness state.
    public var maxAwarenessDepth: Int
    /// Largest permission-denied reason, in UTF-8 bytes.
    public var maxReasonBytes: Int
    /// Whether bytes after a complete message are ignored (as y-protocols does) instead of
    /// rejected.
    public var allowTrailingBytes: Bool

    /// Creates limits; the defaults are `ProtocolLimits.default`.
    public init(maxMessageBytes: Int = 64 << 20, maxAwarenessEntries: Int = 4096,
                maxAwarenessStateBytes: Int = 64 << 10, maxAwarenessDepth: Int = 32,
                maxReasonBytes: Int = 4096, allowTrailingBytes: Bool = false) {
        self.maxMessageBytes = maxMessageBytes
        self.maxAwarenessEntries = maxAwarenessEntries
        self.maxAwarenessStateBytes = maxAwarenessStateBytes
        self.maxAwarenessDepth = maxAwarenessDepth
        self.maxReasonBytes = maxReasonBytes
        self.allowTrailingBytes = allowTrailingBytes
    }

    /// 64 MiB per message, 4096 awareness entries of at most 64 KiB JSON nested at most 32
    /// deep, reasons up to 4 KiB, no trailing bytes.
    public static let `default` = ProtocolLimits()
}

/// Why a peer's message was refused: what, and at which byte of the message.
///
/// A `SyncSession` throws these from `receive`; the owner drops the connection (never the
/// process) and shows `description`.
public struct ProtocolError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The class of failure.
    public enum Kind: String, Equatable, Sendable {
        /// A size limit was exceeded.
        case tooLarge
        /// The message ended in the middle of a field.
        case truncated
        /// A field could not be read (overlong integer, invalid UTF-8, bad JSON, …).
        case malformed
        /// A sync message whose sub-type is not 0, 1 or 2.
        case unknownSyncMessage
        /// Bytes followed a complete message.
        case trailingBytes
        /// A sync step 1 whose state vector does not decode.
        case invalidStateVector
        /// An update that the document refused.
        case invalidUpdate
        /// An awareness update that does not decode.
        case invalidAwareness
    }

    /// The class of failure.
    public var kind: Kind
    /// Byte offset in the message (or in the buffer given to the decoder) where it happened.
    public var offset: Int
    /// Words for a log or the status line.
    public var detail: String

    /// Creates an error.
    public init(_ kind: Kind, at offset: Int, _ detail: String) {
        self.kind = kind
        self.offset = offset
        self.detail = detail
    }

    /// "malformed message at byte 3: …".
    public var description: String {
        let what: String
        switch kind {
        case .tooLarge: what = "message too large"
        case .truncated: what = "truncated message"
        case .malformed: what = "malformed message"
        case .unknownSyncMessage: what = "unknown sync message"
        case .trailingBytes: what = "trailing bytes"
        case .invalidStateVector: what = "invalid state vector"
        case .invalidUpdate: what = "invalid update"
        case .invalidAwareness: what = "invalid awareness update"
        }
        return "\(what) at byte \(offset): \(detail)"
    }

    /// Converts a lib0 reader failure: running out of input in the message or an awareness
    /// update is `.truncated`; anything else is `kind` (by default `.malformed`). Inside a
    /// state vector or an update (complete byte arrays) every failure is `kind`.
    init(_ e: Lib0DecodingError, kind: Kind = .malformed, shift: Int = 0) {
        let truncated = e.detail.contains("unexpected end") || e.detail.contains("past the end") || e.detail.contains(" left")
        let k: Kind = truncated && (kind == .malformed || kind == .invalidAwareness) ? .truncated : kind
        self.init(k, at: e.offset + shift, e.description)
    }
}

/// Runs a lib0 read and converts its failure into a `ProtocolError`.
@inline(__always)
func lift<T>(_ kind: ProtocolError.Kind = .malformed, shift: Int = 0, _ body: () throws -> T) throws(ProtocolError) -> T {
    do {
        return try body()
    } catch let e as Lib0DecodingError {
        throw ProtocolError(e, kind: kind, shift: shift)
    } catch let e as ProtocolError {
        throw e
    } catch {
        throw ProtocolError(kind, at: shift, "\(error)")
    }
}
