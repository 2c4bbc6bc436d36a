import ArgumentParser
import StetApp
import StetCRDT
import StetEditor
import StetTerminal

#if canImport(Glibc)
import Glibc
#endif

/// `stet` and `stet FILE`: wires a `Session` (file, store, editor) to the `Terminal`.
enum EditorEntry {
    static func monotonicMilliseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1000 + UInt64(ts.tv_nsec) / 1_000_000
    }

    static func randomClientID() -> ClientID { ClientID.random(in: 1...0xFFFF_FFFF) }

    static func run(file: String?, textName: String, wrap: Bool, noColor: Bool) throws -> Never {
        var env: [String: String] = [:]
        var e = environ
        while let p = e.pointee {
            let kv = String(cString: p)
            if let eq = kv.firstIndex(of: "=") { env[String(kv[..<eq])] = String(kv[kv.index(after: eq)...]) }
            e += 1
        }
        if noColor { env["NO_COLOR"] = "1" }
        guard isatty(0) == 1 && isatty(1) == 1 else {
            printError("stet: standard input and output must be a terminal; run stet in a terminal (the end-to-end tests use tmux)")
            throw ExitCode(1)
        }
        // Open the file before touching the terminal, so problems print as plain errors.
        let session: Session
        do {
            session = try Session(path: file, textName: textName, clientID: randomClientID(), newClientID: randomClientID,
                                  now: monotonicMilliseconds)
        } catch {
            printError("stet: \(error)")
            throw ExitCode(1)
        }
        let term: Terminal
        do {
            term = try Terminal(options: TerminalOptions(environment: env))
        } catch {
            session.close()
            printError("stet: \(error)")
            throw ExitCode(1)
        }
        let editor = session.editor
        if wrap { editor.settings.wrap = true }
        _ = editor.handle(.resize(rows: term.rows, columns: term.columns))
        if !session.notices.isEmpty { editor.info(session.notices.joined(separator: " · ")) }
        var lastIdle = monotonicMilliseconds()
        func finish(_ code: Int32) -> Never {
            session.close()
            term.restore()
            exit(code)
        }
        while true {
            term.draw(editor.render())
            let inputs = term.read(timeoutMilliseconds: 1000)
            var quit = false
            for input in inputs {
                switch input {
                case .event(let ev):
                    let effects = editor.handle(ev)
                    if session.perform(effects, clipboard: { term.setClipboard($0) }, bell: { term.bell() }) { quit = true }
                case .signal(let s):
                    // Everything typed is already in the store; make it durable and leave.
                    switch s {
                    case .hangup: finish(129)
                    case .terminate: finish(143)
                    case .interrupt: finish(130)
                    }
                case .wake:
                    break
                }
                if quit { break }
            }
            if quit { finish(0) }
            let now = monotonicMilliseconds()
            if inputs.isEmpty || now &- lastIdle >= 1000 {
                session.idle()
                lastIdle = now
            }
        }
    }
}
