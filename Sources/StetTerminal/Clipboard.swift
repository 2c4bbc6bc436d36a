/// The OSC 52 escape sequence that asks the terminal to put text on the system clipboard.
///
/// Inside tmux two sequences are written: the plain one, which tmux takes when its
/// `set-clipboard` option is `on` (it then stores a tmux buffer and forwards the clipboard
/// to the outer terminal itself), and the same sequence wrapped in tmux's DCS passthrough,
/// which reaches the outer terminal directly when `allow-passthrough` is `on`. A tmux with
/// neither option set drops both silently; then nothing can reach the clipboard. Pure.
public enum OSC52 {
    /// The bytes to write for `text`: "ESC ] 52 ; c ; <base64> BEL", plus the tmux
    /// passthrough wrapping when `insideTmux`.
    public static func sequences(for text: String, insideTmux: Bool) -> [String] {
        let body = "]52;c;" + base64(Array(text.utf8)) + "\u{07}"
        let plain = "\u{1B}" + body
        guard insideTmux else { return [plain] }
        // In passthrough every ESC of the payload is doubled (the payload has only one);
        // the DCS ends with ESC \.
        return [plain, "\u{1B}Ptmux;\u{1B}\u{1B}" + body + "\u{1B}\\"]
    }

    /// Standard base64 (RFC 4648) with padding.
    public static func base64(_ bytes: [UInt8]) -> String {
        let alphabet = Array(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i < bytes.count {
            let n = min(3, bytes.count - i)
            let b0 = UInt32(bytes[i])
            let b1 = n > 1 ? UInt32(bytes[i + 1]) : 0
            let b2 = n > 2 ? UInt32(bytes[i + 2]) : 0
            let group = b0 << 16 | b1 << 8 | b2
            out.append(alphabet[Int(group >> 18 & 63)])
            out.append(alphabet[Int(group >> 12 & 63)])
            out.append(n > 1 ? alphabet[Int(group >> 6 & 63)] : UInt8(ascii: "="))
            out.append(n > 2 ? alphabet[Int(group & 63)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
