import NIOCore
import NIOSSL

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A server's TLS identity: its certificate chain and private key, read once from PEM files.
/// Give it to `WebSocketServer.start(tls:)` to serve `wss://`.
public struct TLSServerIdentity: Sendable {
    /// The certificate file it was loaded from (for messages).
    public let certificatePath: String
    let context: NIOSSLContext

    /// Reads `certificate` (PEM: the server's certificate first, then any intermediates) and
    /// `key` (PEM private key). Throws a `NetError` saying which file is wrong and why.
    public static func load(certificate: String, key: String) throws -> TLSServerIdentity {
        let chain: [NIOSSLCertificate]
        do {
            try requireReadable(certificate, what: "TLS certificate")
            chain = try NIOSSLCertificate.fromPEMFile(certificate)
        } catch let error as NetError {
            throw error
        } catch {
            throw NetError("cannot read the TLS certificate \(certificate): not a PEM certificate file (\(describeTLSError(error)))")
        }
        guard !chain.isEmpty else {
            throw NetError("the TLS certificate file \(certificate) holds no PEM certificate (-----BEGIN CERTIFICATE-----)")
        }
        let privateKey: NIOSSLPrivateKey
        do {
            try requireReadable(key, what: "TLS private key")
            privateKey = try NIOSSLPrivateKey(file: key, format: .pem)
        } catch let error as NetError {
            throw error
        } catch {
            throw NetError("cannot read the TLS private key \(key): not an unencrypted PEM private key (\(describeTLSError(error)))")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(privateKey))
        configuration.minimumTLSVersion = .tlsv12
        do {
            return TLSServerIdentity(certificatePath: certificate, context: try NIOSSLContext(configuration: configuration))
        } catch {
            throw NetError("cannot use \(certificate) with \(key): \(describeTLSError(error)) — does the key belong to the certificate?")
        }
    }
}

/// Which servers a `wss://` client trusts: the system's certificate authorities, plus the
/// certificates in `caFile` (PEM) if given — a private CA, or a self-signed server's own
/// certificate.
public struct TLSClientTrust: Sendable, Equatable {
    public var caFile: String?

    public init(caFile: String? = nil) {
        self.caFile = caFile
    }

    /// Trust only what the system trusts.
    public static let system = TLSClientTrust()

    /// A client context, or a message saying what is wrong with `caFile`.
    func makeContext() -> Result<NIOSSLContext, NetError> {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        if let caFile {
            do {
                try requireReadable(caFile, what: "CA file")
                let certificates = try NIOSSLCertificate.fromPEMFile(caFile)
                guard !certificates.isEmpty else {
                    return .failure(NetError("the CA file \(caFile) holds no PEM certificate"))
                }
                configuration.additionalTrustRoots = [.certificates(certificates)]
            } catch let error as NetError {
                return .failure(error)
            } catch {
                return .failure(NetError("cannot read the CA file \(caFile): not a PEM certificate file (\(describeTLSError(error)))"))
            }
        }
        do {
            return .success(try NIOSSLContext(configuration: configuration))
        } catch {
            return .failure(NetError("cannot set up TLS: \(describeTLSError(error))"))
        }
    }
}

/// Adds the client TLS handler for `host` (SNI and name check; an IP literal is checked
/// against the certificate's IP addresses instead).
func addClientTLS(channel: Channel, context: NIOSSLContext, host: String) throws {
    let isAddress = (try? SocketAddress(ipAddress: host, port: 0)) != nil
    let handler = try NIOSSLClientHandler(context: context, serverHostname: isAddress ? nil : host)
    try channel.pipeline.syncOperations.addHandler(handler)
}

func addServerTLS(channel: Channel, identity: TLSServerIdentity) throws {
    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: identity.context))
}

/// True for errors raised by the TLS layer (so messages can say "TLS handshake").
func isTLSError(_ error: Error) -> Bool {
    error is NIOSSLError || error is NIOSSLExtraError || error is BoringSSLError
}

/// A TLS failure in words a user can act on; `asServer` phrases it for a server's log.
func describeTLSError(_ error: Error, asServer: Bool = false) -> String {
    let text: String
    switch error {
    case let error as NIOSSLError:
        switch error {
        case .handshakeFailed(let inner): text = "\(inner)"
        case .uncleanShutdown: return "the other side closed the connection without ending TLS"
        case .noSuchFilesystemObject: return "no such file"
        case .failedToLoadCertificate: return "not a valid certificate"
        case .failedToLoadPrivateKey: return "not a valid private key"
        default: text = "\(error)"
        }
    case let error as NIOSSLExtraError:
        if error == .failedToValidateHostname || error == .serverHostnameImpossibleToMatch {
            return "the server's certificate is for another name (\(error))"
        }
        text = "\(error)"
    default:
        text = "\(error)"
    }
    let upper = text.uppercased()
    if upper.contains("CERTIFICATE_VERIFY_FAILED") {
        return "the server's certificate is not trusted (self-signed, from an unknown authority, expired or not yet valid); if it is self-signed or from a private CA, pass --ca-file with its certificate"
    }
    if upper.contains("WRONG_VERSION_NUMBER") || upper.contains("HTTP_REQUEST") || upper.contains("PACKET_LENGTH_TOO_LONG") {
        return asServer
            ? "the client does not speak TLS (it used ws:// or http://, or sent garbage)"
            : "the other side does not speak TLS (use ws:// for a server without a certificate)"
    }
    if upper.contains("NO_SHARED_CIPHER") || upper.contains("UNSUPPORTED_PROTOCOL") || upper.contains("TLSV1_ALERT_PROTOCOL_VERSION") {
        return "no TLS version or cipher in common"
    }
    if upper.contains("KEY_VALUES_MISMATCH") {
        return "the private key does not belong to the certificate"
    }
    if upper.contains("TLSV1_ALERT_UNKNOWN_CA") || upper.contains("SSLV3_ALERT_BAD_CERTIFICATE") || upper.contains("CERTIFICATE_UNKNOWN") {
        return "the client does not trust this server's certificate"
    }
    return text
}

/// Throws a clear `NetError` when `path` is missing or unreadable (the TLS library's own
/// errors do not say which).
private func requireReadable(_ path: String, what: String) throws {
    if access(path, R_OK) != 0 {
        let reason = errno == ENOENT ? "no such file" : describeErrno(errno)
        throw NetError("cannot read the \(what) \(path): \(reason)")
    }
}
