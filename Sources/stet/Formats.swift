import ArgumentParser
import StetCRDT

/// The two Yjs wire formats.
enum WireFormat: String, CaseIterable, EnumerableFlag, ExpressibleByArgument {
    case v1, v2

    var other: WireFormat { self == .v1 ? .v2 : .v1 }

    static func help(for value: WireFormat) -> ArgumentHelp? {
        switch value {
        case .v1: return "Update format v1 (Yjs's default; the default here)."
        case .v2: return "Update format v2 (Y.encodeStateAsUpdateV2 and friends)."
        }
    }
}

/// Which format to read: a fixed one, or detected per input.
enum FormatChoice: String, CaseIterable, EnumerableFlag, ExpressibleByArgument {
    case auto, v1, v2

    var fixed: WireFormat? {
        switch self {
        case .auto: return nil
        case .v1: return .v1
        case .v2: return .v2
        }
    }

    static func help(for value: FormatChoice) -> ArgumentHelp? {
        switch value {
        case .auto: return "Detect the format of each input (default): try v1, then v2."
        case .v1: return "Read update format v1."
        case .v2: return "Read update format v2."
        }
    }
}

/// How one kind of value (update, delete set, state vector) is read and written in each format.
struct Codec<T> {
    /// What the value is called in messages: "update", "state vector", …
    var what: String
    var decodeV1: ([UInt8]) throws -> T
    var encodeV1: (T) -> [UInt8]
    /// nil when both formats are the same (state vectors).
    var decodeV2: (([UInt8]) throws -> T)?
    var encodeV2: ((T) -> [UInt8])?

    func decoder(_ f: WireFormat) -> ([UInt8]) throws -> T { f == .v2 ? (decodeV2 ?? decodeV1) : decodeV1 }
    func encoder(_ f: WireFormat) -> (T) -> [UInt8] { f == .v2 ? (encodeV2 ?? encodeV1) : encodeV1 }

    static var update: Codec<Update> {
        Codec<Update>(what: "update", decodeV1: UpdateV1.decode, encodeV1: UpdateV1.encode,
                      decodeV2: { try UpdateV2.decode($0) }, encodeV2: UpdateV2.encode)
    }
    static var deleteSet: Codec<DeleteSet> {
        Codec<DeleteSet>(what: "delete set", decodeV1: { try UpdateV1.decodeDeleteSet($0) }, encodeV1: { UpdateV1.encodeDeleteSet($0) },
                         decodeV2: { try UpdateV2.decodeDeleteSet($0) }, encodeV2: { UpdateV2.encodeDeleteSet($0) })
    }
    static var stateVector: Codec<StateVector> {
        Codec<StateVector>(what: "state vector", decodeV1: { try StateVector.decode($0) }, encodeV1: { $0.encoded() },
                           decodeV2: nil, encodeV2: nil)
    }
}

/// The outcome of decoding bytes in one format.
enum Attempt<T> {
    /// Decoded; `consumed` bytes were used (fewer than the input when bytes are left over).
    case decoded(T, consumed: Int)
    case failed(Error)
}

/// Decodes `bytes` and finds how many of them the value uses.
///
/// The StetCRDT decoders (like Yjs) stop at the end of the value and ignore what follows. A
/// left-over tail almost always means the wrong format or a damaged file (a v2 update often
/// reads as an empty v1 update followed by junk), so it matters here. Re-encoding gives the
/// length at once when the input is canonical; otherwise the shortest prefix that still
/// decodes is found by bisection (decoding a prefix succeeds exactly when it holds every byte
/// the decoder reads).
func attempt<T>(_ bytes: [UInt8], _ decode: ([UInt8]) throws -> T, _ encode: (T) -> [UInt8]) -> Attempt<T> {
    let value: T
    do { value = try decode(bytes) } catch { return .failed(error) }
    if encode(value).count == bytes.count { return .decoded(value, consumed: bytes.count) }
    var lo = 0, hi = bytes.count
    while lo < hi {
        let mid = (lo + hi) / 2
        if (try? decode(Array(bytes[0..<mid]))) != nil { hi = mid } else { lo = mid + 1 }
    }
    return .decoded(value, consumed: hi)
}

/// Renders a decoding error for a one-line message; `Lib0DecodingError` reads
/// "at byte N: expected WHAT (detail)".
func describe(_ error: Error) -> String {
    if let e = error as? Lib0DecodingError { return e.description }
    return "\(error)"
}

/// A decoded input and the format it was read in.
struct DecodedInput<T> {
    var value: T
    var format: WireFormat
    /// Something worth telling the user (an ambiguous detection), or nil.
    var note: String?
}

/// Reads a value from `bytes` in the chosen format, or fails with a one-line message that
/// names the input, the byte offset and what was expected, plus a hint when one helps.
///
/// Detection (`.auto`): every Yjs v2 update starts with its feature flag, a 0 byte; a v1
/// update starts with its number of clients, which is 0 only for an update without structs
/// (deletions only, or empty). So both formats are tried, v1 first, and the first that decodes
/// *and uses every byte* wins; when both do, v1 wins and the note says so.
///
/// - Parameter flag: how to ask for a format on this command's command line, for hints.
func decodeInput<T>(_ bytes: [UInt8], name: String, choice: FormatChoice, codec: Codec<T>, hex: Bool,
                    flag: (WireFormat) -> String) throws -> DecodedInput<T> {
    let label = shown(name)

    func tryFormat(_ f: WireFormat) -> Attempt<T> { attempt(bytes, codec.decoder(f), codec.encoder(f)) }
    func whyNot(_ a: Attempt<T>) -> String {
        switch a {
        case .failed(let e): return describe(e)
        case .decoded(_, let used):
            return "it ends at byte \(used) but the input has \(bytes.count) bytes (\(bytes.count - used) left over)"
        }
    }
    func full(_ a: Attempt<T>) -> T? {
        if case .decoded(let v, let used) = a, used == bytes.count { return v }
        return nil
    }
    var genericHint: String {
        if bytes.isEmpty { return "; the input is empty" }
        if !hex && HexText.looksLikeHex(bytes) { return "; it looks like hex text: try --hex" }
        return ""
    }

    guard codec.decodeV2 != nil else {
        // one format only (state vectors)
        let a = tryFormat(.v1)
        if let v = full(a) { return DecodedInput(value: v, format: .v1, note: nil) }
        throw CLIError("\(label): not a valid \(codec.what): \(whyNot(a))\(genericHint)")
    }

    if let f = choice.fixed {
        let a = tryFormat(f)
        if let v = full(a) { return DecodedInput(value: v, format: f, note: nil) }
        var hint = ""
        if full(tryFormat(f.other)) != nil {
            hint = "; it reads as a \(f.other.rawValue) \(codec.what): try \(flag(f.other))"
        } else {
            hint = genericHint
        }
        throw CLIError("\(label): not a valid \(f.rawValue) \(codec.what): \(whyNot(a))\(hint)")
    }

    let a1 = tryFormat(.v1)
    if let v = full(a1) {
        var note: String? = nil
        if bytes.first == 0, full(tryFormat(.v2)) != nil {
            note = "\(label): reads as a v1 and as a v2 \(codec.what); showing v1 (use \(flag(.v2)) for the other reading)"
        }
        return DecodedInput(value: v, format: .v1, note: note)
    }
    if bytes.first == 0 || bytes.isEmpty {
        let a2 = tryFormat(.v2)
        if let v = full(a2) { return DecodedInput(value: v, format: .v2, note: nil) }
        if bytes.isEmpty {
            throw CLIError("\(label): not a valid \(codec.what): \(whyNot(a1))\(genericHint)")
        }
        throw CLIError("\(label): not a valid \(codec.what) in either format: as v1, \(whyNot(a1)); as v2, \(whyNot(a2))\(genericHint)")
    }
    // A v2 update starts with a 0 byte, so this can only be v1.
    throw CLIError("\(label): not a valid v1 \(codec.what) (nor v2, which starts with a 0 byte): \(whyNot(a1))\(genericHint)")
}

extension JSON {
    /// Pretty JSON for terminals: two-space indentation, but arrays of numbers, strings,
    /// booleans and nulls (IDs, ranges, state vector entries) and short objects of such
    /// values (parents, most contents) stay on one line.
    var readable: String {
        var out = ""
        writeReadable(to: &out, level: 0)
        return out
    }

    private var isScalar: Bool {
        switch self {
        case .array, .object: return false
        default: return true
        }
    }

    private func writeReadable(to out: inout String, level: Int) {
        let pad = String(repeating: "  ", count: level + 1)
        let end = String(repeating: "  ", count: level)
        switch self {
        case .array(let xs) where xs.isEmpty || xs.allSatisfy(\.isScalar):
            out += "[" + xs.map(\.serialized).joined(separator: ", ") + "]"
        case .array(let xs):
            out += "["
            for (i, x) in xs.enumerated() {
                out += (i > 0 ? ",\n" : "\n") + pad
                x.writeReadable(to: &out, level: level + 1)
            }
            out += "\n" + end + "]"
        case .object(let kv) where !kv.isEmpty && kv.allSatisfy({ $0.1.isScalar }) && serialized.utf8.count <= 72:
            out += "{" + kv.map { JSON.string($0.0).serialized + ": " + $0.1.serialized }.joined(separator: ", ") + "}"
        case .object(let kv) where !kv.isEmpty:
            out += "{"
            for (i, (k, v)) in kv.enumerated() {
                out += (i > 0 ? ",\n" : "\n") + pad + JSON.string(k).serialized + ": "
                v.writeReadable(to: &out, level: level + 1)
            }
            out += "\n" + end + "}"
        default:
            out += serialized
        }
    }
}
