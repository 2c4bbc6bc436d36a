import ArgumentParser
import StetApp
import StetCRDT
import StetEditor
import StetStore
import StetSync
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

    /// The permission bits of `path` (0o600 when it cannot be read).
    static func fileMode(_ path: String) -> UInt32 {
        var st = stat()
        return stat(path, &st) == 0 ? UInt32(st.st_mode) & 0o7777 : 0o600
    }

    static func randomClientID() -> ClientID { ClientID.random(in: 1...0xFFFF_FFFF) }

    /// `git config user.name`, if git is there and has one.
    static func gitUserName() -> String? {
        guard let p = popen("git config user.name 2>/dev/null", "r") else { return nil }
        defer { pclose(p) }
        var buf = [CChar](repeating: 0, count: 256)
        guard fgets(&buf, Int32(buf.count), p) != nil else { return nil }
        return String(cString: buf)
    }

    static func run(file: String?, textName: String, wrap: Bool, noColor: Bool, name: String?, join: JoinTarget? = nil,
                    share: ShareOptions? = nil) throws -> Never {
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
        let identity = Identity.resolve(flag: name, environment: env, gitUserName: gitUserName())
        let session: Session
        var joining = false
        do {
            do {
                session = try Session(path: file, textName: textName, clientID: randomClientID(), newClientID: randomClientID,
                                      now: monotonicMilliseconds)
            } catch {
                // Another stet holds this file's history: join it.
                guard let p = error as? StoreProblem, case .busy = p, let f = file, Pairing.socketPath(forFile: f) != nil else { throw error }
                joining = true
                session = try Session(path: f, textName: textName, clientID: randomClientID(), newClientID: randomClientID,
                                      joining: true, now: monotonicMilliseconds)
            }
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
        func ms() -> Milliseconds { Milliseconds(monotonicMilliseconds()) }
        let waker = Terminal.makeWaker()
        let collab = Collaboration(session: session, identity: identity, role: joining ? .guest : .host, now: ms(),
                                   wake: { waker.wake() })
        var pairing: Pairing?
        var remote: RemoteLink?
        if let join {
            collab.role = .guest
            let r = RemoteLink(collab: collab, target: join)
            editor.title = RemoteLink.room(of: join.url)
            r.connect(now: ms())
            remote = r
        } else if let f = file, let sock = Pairing.socketPath(forFile: f) {
            let mode = fileMode(Paths.absolute(f))
            let pr = Pairing(collab: collab, socketPath: sock, fileMode: mode)
            if joining {
                pr.connect(now: ms())
                editor.info("joined the stet already editing \(editor.displayName)")
            } else {
                pr.listen(now: ms())
            }
            pairing = pr
        }
        var sharing: Sharing?
        if let o = share, let f = file {
            do {
                sharing = try Sharing(collab: collab, options: o, file: f)
            } catch {
                editor.error("cannot share: \(error)")
            }
        }
        var lastIdle = monotonicMilliseconds()
        func finish(_ code: Int32) -> Never {
            sharing?.server.stop()
            collab.leave(now: ms())
            pairing?.stop()
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
                    collab.pump(now: ms())
                }
                if quit { break }
            }
            if quit { finish(0) }
            if !inputs.isEmpty { collab.afterInput(now: ms()) }
            let now = monotonicMilliseconds()
            if inputs.isEmpty || now &- lastIdle >= 1000 {
                session.idle()
                collab.tick(now: ms())
                pairing?.maintain(now: ms())
                remote?.maintain(now: ms())
                lastIdle = now
            }
        }
    }
}
