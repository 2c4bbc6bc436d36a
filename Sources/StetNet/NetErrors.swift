import NIOCore
import NIOPosix
import NIOWebSocket

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Describes a network error in words a user can act on ("connection refused"), not in
/// NIO's terms ("connect(descriptor:addr:size:) failed (errno: 111)").
func describeNetError(_ error: Error) -> String {
    switch error {
    case let error as IOError:
        return describeErrno(error.errnoCode)
    case let error as NIOConnectionError:
        if let first = error.connectionErrors.first {
            return describeNetError(first.error)
        }
        if error.dnsAError != nil || error.dnsAAAAError != nil {
            return "cannot resolve host name \(error.host)"
        }
        return "no address found for \(error.host)"
    case let error as ChannelError:
        switch error {
        case .connectTimeout: return "timed out"
        case .ioOnClosedChannel, .alreadyClosed, .eof: return "connection closed"
        default: return "\(error)"
        }
    case let error as NIOWebSocketError:
        switch error {
        case .invalidFrameLength: return "WebSocket frame over the size limit"
        case .fragmentedControlFrame, .multiByteControlFrameLength: return "malformed WebSocket control frame"
        }
    case let error as SocketAddressError:
        switch error {
        case .unixDomainSocketPathTooLong: return "socket path too long"
        case .unknown(let host, _): return "cannot resolve host name \(host)"
        default: return "\(error)"
        }
    case let error as NetError:
        return error.description
    default:
        return "\(error)"
    }
}

/// True if `error` says nothing listens at the address (ECONNREFUSED, or a socket path
/// that does not exist).
func isConnectionRefused(_ error: Error) -> Bool {
    switch error {
    case let error as IOError:
        return error.errnoCode == ECONNREFUSED || error.errnoCode == ENOENT
    case let error as NIOConnectionError:
        return error.connectionErrors.contains { isConnectionRefused($0.error) }
    default:
        return false
    }
}

/// The C library's message for an errno value, lower-cased like the rest of our messages.
func describeErrno(_ code: CInt) -> String {
    switch code {
    case ECONNREFUSED: return "connection refused"
    case ECONNRESET: return "connection reset by peer"
    case EPIPE: return "the other side stopped reading (broken pipe)"
    case ENOENT: return "no such file or directory"
    case EACCES, EPERM: return "permission denied"
    case ETIMEDOUT: return "timed out"
    case EHOSTUNREACH, ENETUNREACH: return "host unreachable"
    default:
        guard let text = strerror(code) else { return "error \(code)" }
        let message = String(cString: text)
        return message.prefix(1).lowercased() + message.dropFirst()
    }
}
