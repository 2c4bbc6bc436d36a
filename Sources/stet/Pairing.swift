import StetApp
import StetNet
import StetStore
import StetSync

#if canImport(Glibc)
import Glibc
#endif

/// Same-host pairing with zero setup: the first `stet FILE` listens on a Unix socket beside
/// the file's history (`.stet/NAME.sock`, as accessible as the file); a second `stet FILE`
/// joins it; when the host leaves, a guest takes the history over and becomes the host.
final class Pairing {
    let collab: Collaboration
    let socketPath: String
    let fileMode: UInt32
    var server: UnixSocketServer?
    var backoff = Backoff()
    var nextAttempt: Milliseconds = 0

    init(collab: Collaboration, socketPath: String, fileMode: UInt32) {
        self.collab = collab
        self.socketPath = socketPath
        self.fileMode = fileMode
    }

    /// Where the socket for `file` lives, or nil when the path is too long for a Unix socket.
    static func socketPath(forFile file: String) -> String? {
        var log = DocumentStore.location(forFile: file)
        if log.hasSuffix(".stetlog") { log.removeLast(".stetlog".count) }
        let path = log + ".sock"
        return path.utf8.count < 104 ? path : nil
    }

    /// Starts listening (as the host). On failure the session goes on unshared.
    func listen(now: Milliseconds) {
        let inbox = collab.inbox
        do {
            server = try UnixSocketServer.start(path: socketPath, mode: fileMode & 0o666, log: { _ in }) { t in
                inbox.post(.opened, from: t)
                return { @Sendable ev in inbox.post(ev, from: t) }
            }
            collab.role = .host
        } catch {
            collab.session.editor.error("others cannot join this session: \(error)")
        }
    }

    /// Connects to the host (as a guest).
    func connect(now: Milliseconds) {
        let t = UnixSocketTransport.connect(path: socketPath, inbox: collab.inbox)
        collab.attach(t, isLink: true, waitForOpen: true, now: now)
    }

    /// A guest whose host left takes over the history and becomes the host, or reconnects
    /// to whoever did (with capped exponential backoff).
    func maintain(now: Milliseconds) {
        guard collab.role == .guest, collab.link == nil, now >= nextAttempt else { return }
        do {
            if try collab.session.adoptStore() {
                listen(now: now)
                backoff.reset()
                collab.session.editor.info("the host left: this session now keeps the history and hosts the others")
                return
            }
        } catch {
            collab.session.editor.error("cannot take over the history: \(error)")
        }
        nextAttempt = now + backoff.next()
        connect(now: now)
    }

    func stop() {
        server?.stop()
        server = nil
    }
}
