/// Who this user is to collaborators: a name and a colour derived from it.
public struct Identity: Hashable, Sendable {
    public var name: String
    /// One of the 8 peer colour slots the terminal palette has.
    public var colorSlot: UInt8
    /// The same colour as CSS hex, for other Yjs editors (`user.color` in awareness).
    public var color: String

    /// The CSS colours of the 8 slots (readable on light and dark backgrounds).
    public static let palette = ["#e05d44", "#2f9e44", "#1c7ed6", "#d9480f", "#9c36b5", "#0c8599", "#c2255c", "#5c7cfa"]

    public init(name: String) {
        self.name = name
        // FNV-1a over the name's bytes: stable across runs and machines.
        var h: UInt32 = 2_166_136_261
        for b in name.utf8 { h = (h ^ UInt32(b)) &* 16_777_619 }
        colorSlot = UInt8(h % 8)
        color = Identity.palette[Int(colorSlot)]
    }

    /// The slot of a colour another editor chose (nearest of ours), or a slot from the id.
    public static func slot(forColor css: String?, clientID: UInt64) -> UInt8 {
        if let c = css, let i = palette.firstIndex(of: c.lowercased()) { return UInt8(i) }
        return UInt8(clientID % 8)
    }

    /// The name, from the first of: `--name`, `STET_NAME`, `git config user.name` (passed in
    /// by the caller, which runs git), `USER`, "anonymous".
    public static func resolve(flag: String?, environment: [String: String], gitUserName: String?) -> Identity {
        let candidates = [flag, environment["STET_NAME"], gitUserName, environment["USER"]]
        for c in candidates {
            if let n = c?.trimmingCharacters(), !n.isEmpty { return Identity(name: String(n.prefix(40))) }
        }
        return Identity(name: "anonymous")
    }
}

extension String {
    func trimmingCharacters() -> String {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s.removeFirst() }
        while s.last?.isWhitespace == true { s.removeLast() }
        return String(s)
    }
}
