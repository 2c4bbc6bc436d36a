import ArgumentParser
import StetApp
import StetNet
import StetStore
import StetSync

#if canImport(Glibc)
import Glibc
#endif

/// `stet join URL`: edit a document hosted by `stet serve` (or any y-websocket server).
struct Join: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "join",
        abstract: "Edit a shared document: stet join ws[s]://HOST:PORT/ROOM?token=… or ssh://[USER@]HOST[:PORT]/PATH",
        discussion: """
            Works with `stet serve` and any y-websocket server. Edits go on while offline (the \
            status bar counts them) and merge when the connection comes back. Ctrl-S saves the \
            file on the host when the host is a stet (stet share, ssh://), and [+] says whether \
            the host's file holds your text; with any other server it saves a local copy (it \
            asks for a file name); :w PATH always writes a local copy.

            wss:// checks the server's certificate against the system's authorities; for a \
            self-signed certificate or a private CA, give the certificate with --ca-file.

            ssh://[USER@]HOST[:PORT]/PATH runs `ssh [-p PORT] [USER@]HOST stet bridge PATH` \
            (your ssh config, keys and agent do the authentication) and edits PATH on that \
            host together with whoever edits it there; the file keeps its history there. PATH \
            is relative to the remote home (ssh://devbox/notes.md, ssh://devbox/~/notes.md); \
            //PATH is absolute (ssh://devbox//srv/notes.md); an IPv6 host goes in brackets \
            (ssh://[::1]:2222/notes.md). stet must be installed on HOST: if non-interactive \
            ssh shells there do not have it on their PATH (~/.local/bin often is not), give \
            its path with --remote-stet. STET_SSH replaces the ssh command (split on spaces).
            """
    )

    @Argument(help: ArgumentHelp(
        "The document's address: ws://HOST:PORT/ROOM[?token=TOKEN], wss://… (TLS) or ssh://[USER@]HOST[:PORT]/PATH.", valueName: "URL"))
    var url: String

    @Option(name: .customLong("ytext"), help: ArgumentHelp("Name of the shared text in the Yjs document.", valueName: "NAME"))
    var textName = "text"

    @Option(help: ArgumentHelp("Your name for collaborators.", valueName: "NAME"))
    var name: String?

    @Option(name: .customLong("remote-stet"), help: ArgumentHelp(
        "For ssh:// addresses: the stet to run on the remote host, e.g. '~/.local/bin/stet' (quoted: ~ is the remote home) or /opt/stet/bin/stet (default: $STET_REMOTE_STET, else stet).",
        valueName: "PATH"))
    var remoteStet: String?

    @Option(name: .customLong("ca-file"), help: ArgumentHelp(
        "For wss:// addresses: also trust the certificates in this PEM file (a self-signed server's certificate, a private CA); default: $STET_CA_FILE.",
        valueName: "FILE"))
    var caFile: String?

    func run() throws {
        guard url.hasPrefix("ws://") || url.hasPrefix("wss://") || url.hasPrefix("ssh://") else {
            printError("stet join: \(url.debugDescription) is not a ws://, wss:// or ssh:// address; e.g. stet join ws://127.0.0.1:8080/notes?token=… or stet join ssh://devbox/notes.md")
            throw ExitCode(1)
        }
        if url.hasPrefix("ssh://"), SSHTarget(url: url) == nil {
            printError("stet join: \(url.debugDescription) is not a valid ssh:// address; write ssh://[USER@]HOST[:PORT]/PATH, e.g. ssh://devbox/notes.md, ssh://me@devbox:2222//srv/notes.md (host and user: letters, digits, . _ -; no backslash or control character in the path)")
            throw ExitCode(1)
        }
        if remoteStet != nil, !url.hasPrefix("ssh://") {
            printError("stet join: --remote-stet only applies to ssh:// addresses")
            throw ExitCode(1)
        }
        if let r = remoteStet, !SSHTarget.isSafeForRemoteShell(r) {
            printError("stet join: --remote-stet may not contain a backslash or a control character")
            throw ExitCode(1)
        }
        if let r = remoteStet, r.isEmpty {
            printError("stet join: --remote-stet needs a command or path, e.g. --remote-stet '~/.local/bin/stet'")
            throw ExitCode(1)
        }
        if caFile != nil, !url.hasPrefix("wss://") {
            printError("stet join: --ca-file only applies to wss:// addresses")
            throw ExitCode(1)
        }
        let remote = remoteStet ?? Environment.value("STET_REMOTE_STET").flatMap { $0.isEmpty ? nil : $0 } ?? "stet"
        let ca = caFile ?? Environment.value("STET_CA_FILE").flatMap { $0.isEmpty ? nil : $0 }
        let target = JoinTarget(url: url, remoteStet: remote, trust: TLSClientTrust(caFile: ca.map(Paths.absolute)))
        try EditorEntry.run(file: nil, textName: textName, wrap: false, noColor: false, name: name, join: target)
    }
}

/// Where `stet join` connects, and how.
struct JoinTarget {
    var url: String
    /// For ssh:// URLs: the command that runs stet on the remote host.
    var remoteStet = "stet"
    /// For wss:// URLs: which certificates to trust.
    var trust = TLSClientTrust.system
}

enum Environment {
    static func value(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }
}

/// A guest's link to a server, reconnected with capped exponential backoff.
final class RemoteLink {
    let collab: Collaboration
    let target: JoinTarget
    var url: String { target.url }
    var backoff = Backoff()
    var nextAttempt: Milliseconds = 0

    init(collab: Collaboration, target: JoinTarget) {
        self.collab = collab
        self.target = target
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

    func connect(now: Milliseconds) {
        if let ssh = SSHTarget(url: url) {
            // SSH does the authentication; STET_SSH overrides the command (tests, jump hosts).
            let command = Environment.value("STET_SSH").map { $0.split(separator: " ").map(String.init) } ?? ["ssh"]
            let t = ProcessTransport.spawnSSHBridge(ssh, ssh: command, remoteStet: target.remoteStet, inbox: collab.inbox)
            collab.attach(t, isLink: true, waitForOpen: true, now: now)
            return
        }
        let t = WebSocketTransport.connect(url: url, trust: target.trust, inbox: collab.inbox)
        collab.attach(t, isLink: true, waitForOpen: true, now: now)
    }

    func maintain(now: Milliseconds) {
        if collab.link != nil, collab.hub.status.syncedConnections > 0 { backoff.reset() }
        guard collab.link == nil, now >= nextAttempt else { return }
        nextAttempt = now + backoff.next()
        connect(now: now)
    }
}
