/// The benchmark's input: a deterministic text file of mixed prose and code lines with some
/// non-ASCII (accents, Greek, Cyrillic, CJK, emoji), generated from a seed.

/// SplitMix64: small, fast, and the same sequence on every platform.
public struct SplitMix64 {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in 0..<n (n > 0).
    public mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    public mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
    public mutating func pick<T>(_ xs: [T]) -> T { xs[below(xs.count)] }
}

public enum TextGen {
    public static let prose = """
        the of and a to in is you that it he was for on are as with his they I at be this have \
        from or one had by word but not what all were we when your can said there use an each \
        which she do how their if will up other about out many then them these so some her would \
        make like him into time has look two more write go see number no way could people my than \
        first water been call who oil its now find long down day did get come made may part over \
        document editor buffer cursor history merge replica offline terminal keystroke frame \
        latency memory rope transaction update snapshot collaborator paragraph sentence review
        """.split(separator: " ").map(String.init)
    /// Words with accents, other scripts, CJK and emoji (2-4 UTF-8 bytes per scalar).
    public static let foreign = [
        "naïve", "café", "résumé", "Ärger", "straße", "smörgåsbord", "ἀλήθεια", "Ελληνικά",
        "русский", "текст", "редактор", "日本語", "文字列", "編集", "中文", "汉字", "한국어",
        "テキスト", "🙂", "🚀", "👍🏽", "🇫🇷", "✓", "→", "€5", "±0.5", "½", "Œuvre",
    ]
    public static let identifiers = [
        "value", "index", "count", "buffer", "offset", "line", "column", "result", "node",
        "state", "update", "client", "clock", "items", "text", "frame", "cursor", "range",
        "length", "summary", "doc", "store", "width", "height", "key", "event", "change",
    ]
    public static let keywords = ["let", "var", "if", "guard", "return", "for", "while", "func", "case", "switch"]

    /// The first line, fixed: the tmux measurements wait for it to appear on screen.
    public static func firstLine(lines: Int, seed: UInt64) -> String {
        "stet editor benchmark file, \(lines) lines, seed \(seed)"
    }

    /// `lines` lines (each ending in "\n") of about `targetBytes` bytes in total.
    public static func generate(lines: Int, targetBytes: Int, seed: UInt64) -> [UInt8] {
        // Generate once, then again with the line lengths scaled to land near the target.
        let first = generate(lines: lines, seed: seed, scale: 1.0)
        let scale = Double(targetBytes) / Double(max(first.count, 1))
        let second = generate(lines: lines, seed: seed, scale: scale)
        let scale2 = scale * Double(targetBytes) / Double(max(second.count, 1))
        return generate(lines: lines, seed: seed, scale: scale2)
    }

    public static func generate(lines: Int, seed: UInt64, scale: Double) -> [UInt8] {
        var rng = SplitMix64(seed: seed)
        var out: [UInt8] = []
        out.reserveCapacity(Int(Double(lines) * 60 * scale))
        out += Array(firstLine(lines: lines, seed: seed).utf8)
        out.append(10)
        var depth = 0
        for _ in 1..<max(lines, 1) {
            let line: String
            let kind = rng.below(100)
            switch kind {
            case 0..<8:
                line = ""
            case 8..<13:
                // Short structural lines.
                line = String(repeating: "    ", count: depth) + rng.pick(["}", "})", "end", "]", "*/", "---", "#"])
                depth = max(depth - 1, 0)
            case 13..<48:
                line = proseLine(&rng, target: Int(Double(20 + rng.below(90)) * scale), foreignPercent: 3)
            case 48..<56:
                line = proseLine(&rng, target: Int(Double(15 + rng.below(60)) * scale), foreignPercent: 40)
            case 56..<60:
                line = proseLine(&rng, target: Int(Double(180 + rng.below(240)) * scale), foreignPercent: 5)
            default:
                line = codeLine(&rng, depth: &depth, target: Int(Double(20 + rng.below(60)) * scale))
            }
            out += Array(line.utf8)
            out.append(10)
        }
        return out
    }

    public static func proseLine(_ rng: inout SplitMix64, target: Int, foreignPercent: Int) -> String {
        var s = ""
        var startSentence = true
        while s.utf8.count < max(target, 1) {
            var w = rng.chance(foreignPercent) ? rng.pick(foreign) : rng.pick(prose)
            if startSentence, let f = w.first { w = f.uppercased() + w.dropFirst() }
            startSentence = false
            if !s.isEmpty { s += " " }
            s += w
            if rng.chance(8) { s += rng.pick([".", ",", ";", ":", "?", "!"]); startSentence = s.last == "." }
        }
        return s
    }

    public static func codeLine(_ rng: inout SplitMix64, depth: inout Int, target: Int) -> String {
        let indent = rng.chance(3) ? String(repeating: "\t", count: depth) : String(repeating: "    ", count: depth)
        var s = indent
        let a = rng.pick(identifiers), b = rng.pick(identifiers), c = rng.pick(identifiers)
        switch rng.below(6) {
        case 0: s += "let \(a) = \(b).\(c)(\(rng.below(1000)), \(rng.pick(identifiers)))"
        case 1: s += "if \(a) < \(b).count && \(c) != nil {"; depth = min(depth + 1, 6)
        case 2: s += "for \(a) in 0..<\(b).count {"; depth = min(depth + 1, 6)
        case 3: s += "\(a)[\(b)] += \(c) * \(rng.below(64)) // \(rng.pick(prose)) \(rng.pick(prose))"
        case 4: s += "return \(a)(\(b): \(c), \(rng.pick(identifiers)): \"\(rng.pick(foreign))\")"
        default: s += "\(rng.pick(keywords)) \(a) = \"\(rng.pick(prose)) \(rng.pick(prose))\""
        }
        while s.utf8.count < target {
            s += rng.chance(50) ? " + \(rng.pick(identifiers))" : " // \(rng.pick(prose))"
        }
        return s
    }
}
