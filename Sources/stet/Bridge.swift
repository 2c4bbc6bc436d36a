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
        // The bridge is plumbing, not a collaborator: it publishes no presence.
        let collab = Collaboration(
            session: session, identity: Identity(name: "bridge"), role: .host, visible: false, now: ms(), wake: { stop.signal() })
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

/// Forwards messages between two transports (the bridge's relay mode). Either side may
/// speak before `set` wires them (the running stet sends its sync step 1 as soon as the
/// socket opens): those messages wait and go out, in order, once it does.
final class RelayPair: @unchecked Sendable {
    private var host: (any Transport)?
    private var pipe: (any Transport)?
    private var earlyForHost: [[UInt8]] = []
    private var earlyForPipe: [[UInt8]] = []
    private let lock = NSLockish()

    func set(host: any Transport, pipe: any Transport) {
        lock.run {
            self.host = host
            self.pipe = pipe
            for m in earlyForHost { host.send(m) }
            for m in earlyForPipe { pipe.send(m) }
            earlyForHost.removeAll()
            earlyForPipe.removeAll()
        }
    }

    func fromHost(_ ev: TransportEvent) {
        lock.run { RelayPair.forward(ev, to: pipe, early: &earlyForPipe) }
    }

    func fromPipe(_ ev: TransportEvent) {
        lock.run { RelayPair.forward(ev, to: host, early: &earlyForHost) }
    }

    private static func forward(_ ev: TransportEvent, to other: (any Transport)?, early: inout [[UInt8]]) {
        switch ev {
        case .message(let m): if let other { other.send(m) } else { early.append(m) }
        case .closed(let r): other?.close(reason: r)
        case .opened: break
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
