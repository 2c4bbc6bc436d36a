import ArgumentParser
import Dispatch
import StetApp
import StetNet
import StetStore
import StetSync

#if canImport(Glibc)
import Glibc
#endif

/// `stet bridge PATH`: the y-protocols over standard input and output (what `stet join
/// ssh://host/PATH` runs on the remote host). Attaches to the stet already editing PATH
/// there, or opens PATH itself (keeping its history) while the bridge lasts.
struct Bridge: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bridge",
        abstract: "Sync PATH over stdin/stdout (run by `stet join ssh://HOST/PATH`; any pipe works).",
        discussion: "Messages are length-prefixed (u32 big-endian) y-protocols messages. Diagnostics go to stderr."
    )

    @Argument(help: "The file on this host.")
    var path: String

    @Option(name: .customLong("ytext"), help: ArgumentHelp("Name of the shared text.", valueName: "NAME"))
    var textName = "text"

    func run() throws {
        let stop = DispatchSemaphore(value: 0)
        let ms = { Milliseconds(EditorEntry.monotonicMilliseconds()) }
        let session: Session
        do {
            session = try Session(path: path, textName: textName, clientID: EditorEntry.randomClientID(),
                                  newClientID: EditorEntry.randomClientID, now: EditorEntry.monotonicMilliseconds)
        } catch {
            guard let p = error as? StoreProblem, case .busy = p, let sock = Pairing.socketPath(forFile: path) else {
                printError("stet bridge: \(error)")
                throw ExitCode(1)
            }
            // Another stet edits PATH here: relay bytes between our pipe and its socket.
            let relay = RelayPair()
            let unix = UnixSocketTransport.connect(path: sock) { ev in relay.fromHost(ev); if case .closed = ev { stop.signal() } }
            let stdio = StdioTransport { ev in relay.fromPipe(ev); if case .closed = ev { stop.signal() } }
            relay.set(host: unix, pipe: stdio)
            stop.wait()
            unix.close(reason: "bridge closed")
            stdio.close(reason: "bridge closed")
            return
        }
        // Nobody edits PATH here: host it ourselves, for the pipe and for local stets.
        let collab = Collaboration(session: session, identity: Identity(name: "bridge"), role: .host, now: ms(), wake: { stop.signal() })
        collab.hub.setLocalState(nil, now: ms())
        let stdio = StdioTransport(inbox: collab.inbox)
        collab.attach(stdio, now: ms())
        var pairing: Pairing?
        if let sock = Pairing.socketPath(forFile: path) {
            pairing = Pairing(collab: collab, socketPath: sock, fileMode: EditorEntry.fileMode(Paths.absolute(path)))
            pairing?.listen(now: ms())
        }
        while collab.hub.session(for: stdio) != nil {
            _ = stop.wait(timeout: .now() + .seconds(1))
            collab.pump(now: ms())
            collab.tick(now: ms())
            session.idle()
        }
        collab.leave(now: ms())
        pairing?.stop()
        session.close()
    }
}

/// Forwards messages between two transports (the bridge's relay mode).
final class RelayPair: @unchecked Sendable {
    private var host: (any Transport)?
    private var pipe: (any Transport)?
    private var early: [[UInt8]] = []
    private let lock = NSLockish()

    func set(host: any Transport, pipe: any Transport) {
        lock.run {
            self.host = host
            self.pipe = pipe
            for m in early { host.send(m) }
            early.removeAll()
        }
    }

    func fromHost(_ ev: TransportEvent) {
        lock.run {
            switch ev {
            case .message(let m): pipe?.send(m)
            case .closed(let r): pipe?.close(reason: r)
            case .opened: break
            }
        }
    }

    func fromPipe(_ ev: TransportEvent) {
        lock.run {
            switch ev {
            case .message(let m): if let h = host { h.send(m) } else { early.append(m) }
            case .closed(let r): host?.close(reason: r)
            case .opened: break
            }
        }
    }
}

/// A pthread mutex (the bridge's two callbacks run on NIO threads).
final class NSLockish: @unchecked Sendable {
    private var m = pthread_mutex_t()
    init() { pthread_mutex_init(&m, nil) }
    func run(_ f: () -> Void) {
        pthread_mutex_lock(&m)
        f()
        pthread_mutex_unlock(&m)
    }
}
