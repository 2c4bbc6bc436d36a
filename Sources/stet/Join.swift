import ArgumentParser
import StetApp
import StetNet
import StetSync

#if canImport(Glibc)
import Glibc
#endif

/// `stet join URL`: edit a document hosted by `stet serve` (or any y-websocket server).
struct Join: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "join",
        abstract: "Edit a shared document: stet join ws://HOST:PORT/ROOM?token=…",
        discussion: """
            Works with `stet serve` and any y-websocket server. Edits go on while offline (the \
            status bar counts them) and merge when the connection comes back. Ctrl-S saves a \
            local copy (it asks for a file name).
            """
    )

    @Argument(help: ArgumentHelp("The document's address: ws://HOST:PORT/ROOM[?token=TOKEN].", valueName: "URL"))
    var url: String

    @Option(name: .customLong("ytext"), help: ArgumentHelp("Name of the shared text in the Yjs document.", valueName: "NAME"))
    var textName = "text"

    @Option(help: ArgumentHelp("Your name for collaborators.", valueName: "NAME"))
    var name: String?

    func run() throws {
        guard url.hasPrefix("ws://") || url.hasPrefix("wss://") || url.hasPrefix("ssh://") else {
            printError("stet join: \(url.debugDescription) is not a ws:// or ssh:// address; e.g. stet join ws://127.0.0.1:8080/notes?token=… or stet join ssh://devbox/notes.md")
            throw ExitCode(1)
        }
        try EditorEntry.run(file: nil, textName: textName, wrap: false, noColor: false, name: name, joinURL: url)
    }
}

enum Environment {
    static func value(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }
}

/// A guest's link to a server, reconnected with capped exponential backoff.
final class RemoteLink {
    let collab: Collaboration
    let url: String
    var backoff = Backoff()
    var nextAttempt: Milliseconds = 0

    init(collab: Collaboration, url: String) {
        self.collab = collab
        self.url = url
    }

    /// The room part of the URL, for the status bar.
    static func room(of url: String) -> String {
        var rest = Substring(url)
        if let r = rest.range(of: "://") { rest = rest[r.upperBound...] }
        guard let slash = rest.firstIndex(of: "/") else { return url }
        let path = rest[rest.index(after: slash)...]
        let raw = Array((path.split(separator: "?", maxSplits: 1).first ?? path).utf8)
        // Percent-decoded, as servers name the room.
        var bytes: [UInt8] = []
        var i = 0
        while i < raw.count {
            if raw[i] == UInt8(ascii: "%"), i + 2 < raw.count, let v = UInt8(String(decoding: raw[(i + 1)...(i + 2)], as: UTF8.self), radix: 16) {
                bytes.append(v)
                i += 3
            } else {
                bytes.append(raw[i])
                i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `ssh://[user@]host/path` → (host, path): `notes.md` and `~/notes.md` are in the remote
    /// home, `//srv/notes.md` is absolute.
    static func sshTarget(_ url: String) -> (host: String, path: String)? {
        guard url.hasPrefix("ssh://") else { return nil }
        let rest = url.dropFirst("ssh://".count)
        guard let slash = rest.firstIndex(of: "/"), slash > rest.startIndex else { return nil }
        let path = String(rest[rest.index(after: slash)...])
        if path.isEmpty { return nil }
        return (String(rest[..<slash]), path)
    }

    func connect(now: Milliseconds) {
        if let (host, path) = RemoteLink.sshTarget(url) {
            // SSH does the authentication; STET_SSH overrides the command (tests, jump hosts).
            let ssh = Environment.value("STET_SSH").map { $0.split(separator: " ").map(String.init) } ?? ["ssh"]
            let t = ProcessTransport.spawn(arguments: ProcessTransport.sshBridgeArguments(host: host, path: path, ssh: ssh), inbox: collab.inbox)
            collab.attach(t, isLink: true, waitForOpen: true, now: now)
            return
        }
        let t = WebSocketTransport.connect(url: url, inbox: collab.inbox)
        collab.attach(t, isLink: true, waitForOpen: true, now: now)
    }

    func maintain(now: Milliseconds) {
        if collab.link != nil, collab.hub.status.syncedConnections > 0 { backoff.reset() }
        guard collab.link == nil, now >= nextAttempt else { return }
        nextAttempt = now + backoff.next()
        connect(now: now)
    }
}
