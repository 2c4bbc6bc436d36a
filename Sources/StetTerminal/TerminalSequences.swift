/// Terminal mode switches StetTerminal writes itself (ncurses has no API for them).
enum TerminalSequences {
    /// Button-event mouse tracking (press, drag, release, wheel) in SGR encoding, which has
    /// no column limit.
    static let enableMouse = "\u{1B}[?1002h\u{1B}[?1006h"
    static let disableMouse = "\u{1B}[?1006l\u{1B}[?1002l\u{1B}[?1000l"
    static let enableBracketedPaste = "\u{1B}[?2004h"
    static let disableBracketedPaste = "\u{1B}[?2004l"
    /// xterm `modifyOtherKeys` level 1: otherwise ambiguous keys (Ctrl-Shift-Z) arrive as
    /// `\e[27;<mods>;<code>~`. Resetting restores the terminal's configured level.
    static let enableModifyOtherKeys = "\u{1B}[>4;1m"
    static let resetModifyOtherKeys = "\u{1B}[>4m"

    /// What to write to switch everything `enable(options)` switched on back off.
    static func disable(_ options: TerminalOptions) -> String {
        (options.mouse ? disableMouse : "") + disableBracketedPaste
            + (options.modifyOtherKeys ? resetModifyOtherKeys : "")
    }

    static func enable(_ options: TerminalOptions) -> String {
        (options.mouse ? enableMouse : "") + enableBracketedPaste
            + (options.modifyOtherKeys ? enableModifyOtherKeys : "")
    }

    /// What a crash writes: the mode switches off, then attributes reset, keypad transmit
    /// off, cursor shown and the alternate screen left, from terminfo where it has them.
    static func emergencyRestore(_ options: TerminalOptions, capability: (String) -> String?)
        -> String
    {
        disable(options) + (capability("sgr0") ?? "\u{1B}[0m") + (capability("rmkx") ?? "")
            + (capability("cnorm") ?? "\u{1B}[?25h") + (capability("rmcup") ?? "")
    }
}
