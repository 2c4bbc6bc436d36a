/// A parsed `ws://` or `wss://` URL (just what a WebSocket client needs; no Foundation).
struct WebSocketURL: Equatable {
    var secure: Bool
    var host: String
    var port: Int
    /// The HTTP request target: path and query, percent-encoded where needed, at least "/".
    var target: String

    /// Parses `ws://host[:port][/path][?query]`; IPv6 hosts in brackets; any user info and
    /// fragment are dropped. Nil if it is not such a URL.
    init?(_ text: String) {
        let lower = text.lowercased()
        let rest: Substring
        if lower.hasPrefix("ws://") {
            secure = false
            rest = text.dropFirst(5)
        } else if lower.hasPrefix("wss://") {
            secure = true
            rest = text.dropFirst(6)
        } else {
            return nil
        }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        var target = rest[authorityEnd...]
        if let hash = target.firstIndex(of: "#") { target = target[..<hash] }

        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty { return nil }
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            portText = authority[authority.index(after: colon)...]
        } else {
            host = String(authority)
        }
        guard !host.isEmpty else { return nil }
        if let portText {
            guard let port = Int(portText), (1...65535).contains(port) else { return nil }
            self.port = port
        } else {
            port = secure ? 443 : 80
        }
        self.target = percentEncodeTarget(target.hasPrefix("/") ? String(target) : "/" + target)
    }

    /// `host:port` as written in the Host header and in messages (IPv6 in brackets).
    var hostAndPort: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// The URL without its query (which may hold a token): safe to show and log.
    var displayString: String {
        let path = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0]
        return "\(secure ? "wss" : "ws")://\(hostAndPort)\(path)"
    }
}

/// Percent-encodes the bytes a request target may not contain raw (space, controls, non-ASCII,
/// `"<>\^`{|}`); everything else, including existing `%XX` escapes, is kept.
func percentEncodeTarget(_ target: String) -> String {
    let forbidden: Set<UInt8> = Set(" \"<>\\^`{|}".utf8)
    var out = ""
    for byte in target.utf8 {
        if byte <= 0x20 || byte >= 0x7F || forbidden.contains(byte) {
            out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
        } else {
            out.unicodeScalars.append(Unicode.Scalar(byte))
        }
    }
    return out
}

/// Splits a request target into the room (path without the leading "/", percent-decoded) and
/// the query parameters (percent-decoded, "+" as space; the first of repeated keys wins).
func parseRequestTarget(_ target: String) -> (room: String, query: [String: String]) {
    let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
    var path = parts[0]
    if let hash = path.firstIndex(of: "#") { path = path[..<hash] }
    if path.hasPrefix("/") { path = path.dropFirst() }
    var query: [String: String] = [:]
    if parts.count > 1 {
        var text = parts[1]
        if let hash = text.firstIndex(of: "#") { text = text[..<hash] }
        for pair in text.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = percentDecode(kv[0], plusIsSpace: true)
            if query[key] == nil {
                query[key] = kv.count > 1 ? percentDecode(kv[1], plusIsSpace: true) : ""
            }
        }
    }
    return (percentDecode(path, plusIsSpace: false), query)
}

/// Decodes `%XX` escapes (malformed ones are kept as they are); invalid UTF-8 becomes U+FFFD.
func percentDecode(_ text: Substring, plusIsSpace: Bool) -> String {
    let bytes = Array(text.utf8)
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count)
    var i = 0
    while i < bytes.count {
        let byte = bytes[i]
        if byte == UInt8(ascii: "%"), i + 2 < bytes.count,
            let high = hexValue(bytes[i + 1]), let low = hexValue(bytes[i + 2])
        {
            out.append(high << 4 | low)
            i += 3
        } else {
            out.append(plusIsSpace && byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
            i += 1
        }
    }
    return String(decoding: out, as: UTF8.self)
}

private func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
    default: return nil
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
