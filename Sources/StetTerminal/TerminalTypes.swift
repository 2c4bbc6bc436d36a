import CNcurses
import StetEditor

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A request from outside to stop, delivered as input rather than by killing the process, so
/// the editor can save state and restore the terminal first.
public enum TerminalSignal: Sendable {
    /// SIGHUP: the terminal went away.
    case hangup
    /// SIGTERM.
    case terminate
    /// SIGINT (only from `kill`: in raw mode Ctrl-C arrives as a key).
    case interrupt
}

/// One thing `Terminal.read(timeoutMilliseconds:)` returns.
public enum TerminalInput: Sendable {
    case event(Event)
    case signal(TerminalSignal)
    /// A `Waker` was woken (another thread has something for the owner of the terminal).
    case wake
}

/// How to drive the terminal, mostly from the environment.
public struct TerminalOptions {
    /// Attributes only, no colours (the `NO_COLOR` convention: set and non-empty).
    public var noColor: Bool
    /// Report mouse presses, drags, releases and the wheel.
    public var mouse: Bool = true
    /// Running inside tmux (`$TMUX` set): clipboard writes are also wrapped for passthrough.
    public var insideTmux: Bool
    /// Ask the terminal for xterm's `modifyOtherKeys` level 1, so keys such as Ctrl-Shift-Z
    /// arrive distinguishable from Ctrl-Z. Off for terminal types that might misread the
    /// request as an SGR (`linux`, `vt*`, `ansi*`, `dumb`).
    public var modifyOtherKeys: Bool
    /// How long a lone Esc waits for the rest of an escape sequence.
    public var escapeDelayMilliseconds: Int = 25

    public init(environment: [String: String]) {
        noColor = !(environment["NO_COLOR"] ?? "").isEmpty
        insideTmux = !(environment["TMUX"] ?? "").isEmpty
        let term = environment["TERM"] ?? ""
        let plain = ["linux", "vt", "ansi", "dumb", "cons"]
        modifyOtherKeys = !term.isEmpty && !plain.contains { term.hasPrefix($0) }
    }
}

/// Why a `Terminal` could not start.
public enum TerminalError: Error, CustomStringConvertible, Equatable {
    /// stdin or stdout is not a terminal (piped, redirected, or no tty at all).
    case notATerminal
    /// ncurses does not know the terminal type.
    case unknownTerminalType(String)
    /// Another `Terminal` is already active in this process.
    case alreadyActive

    public var description: String {
        switch self {
        case .notATerminal:
            return "standard input and output must be a terminal; run stet in a terminal"
        case .unknownTerminalType(let term):
            return "unknown terminal type \"\(term)\"; set TERM to one your system knows "
                + "(for example xterm-256color)"
        case .alreadyActive:
            return "the terminal is already in use by this process"
        }
    }
}

/// Wakes a blocked `Terminal.read(timeoutMilliseconds:)` from any thread: it then returns
/// `.wake`. Wakes that arrive before the next read coalesce into one.
public struct Waker: Sendable {
    let fd: Int32

    /// Writes one byte to the terminal's self-pipe. Async-signal-safe and thread-safe.
    public func wake() {
        guard fd >= 0 else { return }
        var byte = UInt8(ascii: "w")
        _ = write(fd, &byte, 1)  // EAGAIN means a wake is already pending.
    }
}
