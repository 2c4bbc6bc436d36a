import CNcurses
import StetEditor

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension Terminal {
    /// How long to wait for the rest of an escape sequence cut off at the end of a drain.
    static let sequenceGraceMilliseconds: Int32 = 50
    /// An unfinished bracketed paste with no input for this long is delivered as it is.
    static let pasteGiveUp = Duration.seconds(1)

    /// Waits up to `timeoutMilliseconds` (negative: forever) for input, a signal or a wake,
    /// then returns everything that is available: [] on timeout. Keys, pastes, mouse
    /// events and resizes come decoded as `.event`; SIGINT/SIGTERM/SIGHUP as `.signal`.
    public func read(timeoutMilliseconds: Int) -> [TerminalInput] {
        guard active else { return [] }
        var signals = stet_take_signals()
        var timeout = signals != 0 ? 0 : Int32(clamping: max(-1, timeoutMilliseconds))
        if decoder.isPasting {
            // Come back in time to give up on a paste whose end marker never arrives.
            timeout = timeout < 0 ? 1000 : min(timeout, 1000)
        }
        var (woke, hungUp) = waitForInput(timeout: timeout)

        let (drained, events) = drainAndDecode()
        var all = events
        if decoder.hasPendingSequence {
            let grace = waitForInput(timeout: Terminal.sequenceGraceMilliseconds)
            woke = woke || grace.woke
            hungUp = hungUp || grace.hungUp
            all += drainAndDecode().events
            if decoder.hasPendingSequence { all += decoder.flush() }
        }
        if decoder.isPasting {
            if drained {
                lastPasteInput = .now
            } else if ContinuousClock.now - lastPasteInput > Terminal.pasteGiveUp {
                all += decoder.finishPaste()
            }
        }

        signals |= stet_take_signals()
        if signals & Int32(STET_SIGNAL_WINCH) != 0 && !all.contains(where: isResize) {
            if let resize = resizeWithoutKeyResize() { all.append(resize) }
        }
        if all.contains(where: isResize) { lastFrame = nil }

        var result = all.map { TerminalInput.event($0) }
        if signals & Int32(STET_SIGNAL_HANGUP) != 0 || hungUp { result.append(.signal(.hangup)) }
        if signals & Int32(STET_SIGNAL_TERMINATE) != 0 { result.append(.signal(.terminate)) }
        if signals & Int32(STET_SIGNAL_INTERRUPT) != 0 { result.append(.signal(.interrupt)) }
        if woke { result.append(.wake) }
        return result
    }

    /// Polls stdin and the self-pipe and drains the pipe. Returns whether the pipe held a
    /// wake byte, and whether stdin is gone (hang-up or error: no SIGHUP may come, and
    /// reading would return at once forever). A signal interrupting `poll` (EINTR) simply
    /// ends the wait.
    private func waitForInput(timeout: Int32) -> (woke: Bool, hungUp: Bool) {
        let pipe = stet_wake_read_fd()
        var fds = [
            pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0),
            pollfd(fd: pipe, events: Int16(POLLIN), revents: 0),
        ]
        _ = poll(&fds, nfds_t(pipe >= 0 ? 2 : 1), timeout)
        var woke = false
        var buffer = [UInt8](repeating: 0, count: 64)
        while pipe >= 0 {
            let n = systemRead(pipe, &buffer, buffer.count)
            if n <= 0 { break }
            woke = woke || buffer[0..<n].contains(UInt8(ascii: "w"))
        }
        let gone = Int16(POLLHUP) | Int16(POLLERR) | Int16(POLLNVAL)
        return (woke, fds[0].revents & gone != 0 && fds[0].revents & Int16(POLLIN) == 0)
    }

    /// Reads every pending `get_wch` result and decodes them. Returns whether anything was
    /// read, and the events.
    private func drainAndDecode() -> (drained: Bool, events: [Event]) {
        var batch: [RawInput] = []
        while true {
            var value: UInt32 = 0
            let rc = stet_get_wch(&value)
            if rc == ERR { break }
            guard rc == stet_key_code_yes() else {
                batch.append(.character(value))
                continue
            }
            let code = Int32(bitPattern: value)
            if code == stet_key_resize() {
                batch.append(.resize(rows: rows, columns: columns))
            } else if code == pasteBeginCode {
                batch.append(.pasteBegin)
            } else if code == pasteEndCode {
                batch.append(.pasteEnd)
            } else if let name = keyname(code) {
                batch.append(.key(name: String(cString: name)))
            }
        }
        return (!batch.isEmpty, decoder.decode(batch))
    }

    /// SIGWINCH came but ncurses reported no `KEY_RESIZE` (its own handler was not
    /// installed): resize ncurses from the kernel's window size.
    private func resizeWithoutKeyResize() -> Event? {
        var size = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_row > 0,
            size.ws_col > 0
        else { return nil }
        if Int(size.ws_row) != rows || Int(size.ws_col) != columns {
            // This may queue a KEY_RESIZE too: a second, identical resize event later.
            resizeterm(Int32(size.ws_row), Int32(size.ws_col))
        }
        return .resize(rows: rows, columns: columns)
    }

    private func isResize(_ event: Event) -> Bool {
        if case .resize = event { return true }
        return false
    }
}

#if canImport(Glibc)
    private let systemRead = Glibc.read
#elseif canImport(Darwin)
    private let systemRead = Darwin.read
#endif
