import ArgumentParser
import StetApp
import StetEditor
import StetNet
import StetStore
import StetSync
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// `stet share FILE`: edit FILE and let others join over the network.
struct Share: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "share",
        abstract: "Edit FILE and let others join: prints `stet join ws://…?token=…` and ssh lines.",
        discussion: """
            Listens for y-websocket clients (stet join, or any Yjs editor) with a fresh random \
            token; --read-only also prints a token for guests who may only read. With --tls-cert \
            and --tls-key guests join with wss:// (TLS). :share in the editor shows the join lines \
            again. Same-host users can just run `stet FILE`.
            """
    )

    @Argument(help: "The file to share.")
    var file: String

    @Option(help: ArgumentHelp("Address to listen on (0.0.0.0 for every interface).", valueName: "HOST:PORT"))
    var listen = "127.0.0.1:0"

    @Flag(name: .customLong("read-only"), help: "Also make a read-only token.")
    var readOnly = false

    @Option(help: ArgumentHelp("Your name for collaborators.", valueName: "NAME"))
    var name: String?

    @Option(name: .customLong("tls-cert"), help: ArgumentHelp("Share over wss:// with this PEM certificate (chain); needs --tls-key.", valueName: "FILE"))
    var tlsCert: String?

    @Option(name: .customLong("tls-key"), help: ArgumentHelp("The PEM private key of --tls-cert.", valueName: "FILE"))
    var tlsKey: String?

    @Option(name: .customLong("host-name"), help: ArgumentHelp(
        "The name guests reach this machine by, for the join lines (with --tls-cert: the name in the certificate); default: the listen address, or this machine's host name for 0.0.0.0.",
        valueName: "NAME"))
    var hostName: String?

    func run() throws {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]) else {
            printError("stet share: --listen needs HOST:PORT, e.g. 0.0.0.0:8080")
            throw ExitCode(1)
        }
        let tls = try loadTLS(command: "share", certificate: tlsCert, key: tlsKey)
        let share = ShareOptions(host: String(listen[..<colon]), port: port, token: Share.randomToken(),
                                 readOnlyToken: readOnly ? Share.randomToken() : nil, tls: tls, advertisedHost: hostName)
        try EditorEntry.run(file: file, textName: "text", wrap: false, noColor: false, name: name, share: share)
    }

    /// 128 random bits as hex, from the kernel.
    static func randomToken() -> String {
        var bytes = [UInt8](repeating: 0, count: 16)
        let fd = open("/dev/urandom", O_RDONLY)
        if fd >= 0 {
            _ = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, 16) }
            close(fd)
        }
        if bytes.allSatisfy({ $0 == 0 }) { for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255) } }
        return bytes.map { String($0, radix: 16).leftPadded(2) }.joined()
    }
}

struct ShareOptions {
    var host: String
    var port: Int
    var token: String
    var readOnlyToken: String?
    var tls: TLSServerIdentity?
    /// The host name guests use (--host-name), e.g. the one the certificate is for.
    var advertisedHost: String?
}

/// Transports that joined with the read-only token (accepted on network threads).
final class ReadOnlySet: Sendable {
    let ids = Mutex<Set<ObjectIdentifier>>([])
}

/// The listener of `stet share`.
final class Sharing {
    let server: WebSocketServer
    let lines: [String]

    init(collab: Collaboration, options o: ShareOptions, file: String) throws {
        let inbox = collab.inbox
        let readOnly = ReadOnlySet()
        let token = o.token, roToken = o.readOnlyToken
        server = try WebSocketServer.start(host: o.host, port: o.port, tls: o.tls, log: { _ in }) { _, query, t in
            let presented = query["token"] ?? ""
            if let r = roToken, tokensMatch(presented, r) {
                readOnly.ids.withLock { _ = $0.insert(ObjectIdentifier(t)) }
            } else if !tokensMatch(presented, token) {
                t.close(reason: "invalid token")
                return nil
            }
            inbox.post(.opened, from: t)
            return { @Sendable ev in inbox.post(ev, from: t) }
        }
        collab.isReadOnly = { id in readOnly.ids.withLock { $0.contains(id) } }
        let host = o.advertisedHost ?? (o.host == "0.0.0.0" || o.host == "::" ? Sharing.hostName() : o.host)
        let room = file.split(separator: "/").last.map(String.init) ?? file
        let enc = room.unicodeScalars.map { c -> String in
            c.isASCII && (c.properties.isAlphabetic || "0123456789._-".unicodeScalars.contains(c)) ? String(c) : "%" + String(c.value, radix: 16).leftPadded(2)
        }.joined()
        let scheme = o.tls == nil ? "ws" : "wss"
        var l = ["stet join \(scheme)://\(host):\(server.port)/\(enc)?token=\(token)",
                 "stet join ssh://\(o.advertisedHost ?? Sharing.hostName())/\(Paths.absolute(file))"]
        if let r = roToken { l.insert("read-only: stet join \(scheme)://\(host):\(server.port)/\(enc)?token=\(r)", at: 1) }
        lines = l
        collab.session.editor.register(NamedCommand(["share"], help: "show the lines others run to join") { [lines] e, _ in
            e.info(lines.joined(separator: "   ·   "))
            return []
        })
        collab.session.editor.info(l[0] + "   (:share: all join lines)")
    }

    static func hostName() -> String {
        var buf = [CChar](repeating: 0, count: 256)
        return gethostname(&buf, 255) == 0 ? String(cString: buf) : "localhost"
    }
}
