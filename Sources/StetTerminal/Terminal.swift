import CNcurses
import StetEditor

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The terminal, through ncurses: the only place stet touches it.
///
/// One thread owns a `Terminal` and makes every call on it (ncurses is not thread-safe);
/// other threads reach that thread with a `Waker`. Typical loop:
///
///     let terminal = try Terminal(options: TerminalOptions(environment: env))
///     defer { terminal.restore() }
///     while running {
///         for input in terminal.read(timeoutMilliseconds: 500) { ... }
///         terminal.draw(editor.frame)
///     }
///
/// The terminal is restored by `restore()` (also on `deinit`), on exit, and on crashes and
/// Swift runtime traps (async-signal-safe handlers in the C shim).
public final class Terminal {
    let options: TerminalOptions
    /// The ncurses SCREEN.
    let screen: OpaquePointer
    var active = true
    var decoder = InputDecoder()
    /// What the screen shows, as far as we know; nil forces a full redraw.
    var lastFrame: Frame?
    let capability: ColorCapability
    /// `use_default_colors` worked: colour -1 is the terminal's own colour.
    let defaultColors: Bool
    /// Colour pairs allocated so far, by (foreground, background).
    var colorPairs: [Int32: Int16] = [:]
    /// ncurses attributes and pair per style, computed on first use.
    var styleCache: [Style: (attributes: attr_t, pair: Int16)] = [:]
    var cursorShown: Bool?
    /// When the last input of an unfinished bracketed paste arrived.
    var lastPasteInput = ContinuousClock.now
    let pasteBeginCode: Int32
    let pasteEndCode: Int32

    nonisolated(unsafe) private static var instanceActive = false

    /// Takes over the terminal: alternate screen, raw mode (Ctrl-C/Z/S/Q arrive as keys),
    /// keypad, mouse and bracketed paste reporting, colours.
    /// - Throws: `TerminalError.notATerminal` when stdin or stdout is not a terminal,
    ///   `.unknownTerminalType` when terminfo does not know `$TERM`.
    public init(options: TerminalOptions) throws {
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            throw TerminalError.notATerminal
        }
        guard !Terminal.instanceActive else { throw TerminalError.alreadyActive }
        self.options = options
        _ = stet_setup_locale()
        stet_install_signal_handlers()
        guard let screen = stet_newterm() else {
            stet_uninstall_request_handlers()
            throw TerminalError.unknownTerminalType(
                getenv("TERM").map { String(cString: $0) } ?? "")
        }
        self.screen = screen
        Terminal.instanceActive = true
        // From here a crash or exit puts the terminal back (terminfo is loaded now).
        stet_arm_restore(
            TerminalSequences.emergencyRestore(options) { name in
                stet_tigetstr(name).map { String(cString: $0) }
            })
        stet_install_winch_handler()

        let window = stet_stdscr()
        raw()
        noecho()
        nonl()
        keypad(window, true)
        nodelay(window, true)
        set_escdelay(Int32(options.escapeDelayMilliseconds))
        // Mouse reports are parsed by InputDecoder (SGR encoding), not by ncurses.
        keyok(stet_key_mouse(), false)
        pasteBeginCode = stet_key_max() + 1
        pasteEndCode = stet_key_max() + 2
        define_key("\u{1B}[200~", pasteBeginCode)
        define_key("\u{1B}[201~", pasteEndCode)

        var defaultColors = false
        if !options.noColor && has_colors() {
            start_color()
            defaultColors = use_default_colors() == OK
        }
        self.defaultColors = defaultColors
        capability = ColorCapability.detect(
            hasColors: has_colors(), colors: Int(stet_colors()), noColor: options.noColor)

        writeToTerminal(TerminalSequences.enable(options))
    }

    deinit { restore() }

    /// The terminal's height in rows.
    public var rows: Int { Int(stet_lines()) }
    /// The terminal's width in columns.
    public var columns: Int { Int(stet_cols()) }

    /// A waker for `read(timeoutMilliseconds:)`, usable from any thread, before or after the
    /// terminal exists.
    public static func makeWaker() -> Waker { Waker(fd: stet_wake_write_fd()) }

    /// Puts `text` on the system clipboard with OSC 52, written straight to the terminal
    /// (see `OSC52` for tmux). Terminals may cap the size (xterm: about 100 kB) or refuse.
    public func setClipboard(_ text: String) {
        guard active else { return }
        for sequence in OSC52.sequences(for: text, insideTmux: options.insideTmux) {
            writeToTerminal(sequence)
        }
    }

    /// Rings the terminal bell (or flashes, as the terminal is configured).
    public func bell() {
        guard active else { return }
        beep()
    }

    /// Gives the terminal back: mouse and bracketed paste off, cursor shown, `endwin`.
    /// Idempotent; the `Terminal` does nothing afterwards.
    public func restore() {
        guard active else { return }
        active = false
        writeToTerminal(TerminalSequences.disable(options))
        curs_set(1)
        endwin()
        stet_disarm_restore()
        stet_uninstall_request_handlers()
        delscreen(screen)
        Terminal.instanceActive = false
    }

    /// Writes bytes to the terminal directly, past ncurses' output buffer.
    func writeToTerminal(_ text: String) {
        var bytes = Array(text.utf8)
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes {
                write(STDOUT_FILENO, $0.baseAddress! + done, $0.count - done)
            }
            if n > 0 {
                done += n
            } else if n < 0 && (errno == EINTR || errno == EAGAIN) {
                continue
            } else {
                return
            }
        }
    }
}
