import NIOCore
import NIOPosix
import StetSync

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Length-framed messages over this process's stdin and stdout: the far end of an SSH bridge
/// (`ssh host stet bridge PATH` runs a process that syncs through one of these).
///
/// The transport takes ownership of both descriptors (they are closed when it closes):
/// nothing else may use stdout afterwards, so log to stderr. End of input ends the transport
/// after whatever was already sent has been written. Events are delivered on a NIO
/// event-loop thread (see `StetNet.swift`). SIGPIPE is ignored from then on (a write to a
/// vanished reader must fail, not kill the process). NIO makes both descriptors non-blocking,
/// so do not use this on a terminal shared with an interactive program.
public final class StdioTransport: Transport {
    let core: ChannelTransport

    public var label: String { core.label }
    public func send(_ message: [UInt8]) { core.send(message) }
    public func close(reason: String) { core.close(reason: reason) }

    /// - Parameters:
    ///   - input, output: the descriptors to use (stdin and stdout unless a test says otherwise);
    ///     pipes, sockets or terminals, not regular files.
    public convenience init(
        input: Int32 = 0,
        output: Int32 = 1,
        group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        maxMessageBytes: Int = NetDefaults.maxMessageBytes,
        handler: @escaping @Sendable (TransportEvent) -> Void
    ) {
        self.init(input: input, output: output, group: group, maxMessageBytes: maxMessageBytes,
                  handler: handler, source: nil)
    }

    /// `init(…handler:)` posting every event into `inbox`, from this transport.
    @available(macOS 15.0, iOS 18.0, *)
    public convenience init(
        input: Int32 = 0,
        output: Int32 = 1,
        group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        maxMessageBytes: Int = NetDefaults.maxMessageBytes,
        inbox: Inbox
    ) {
        let source = SourceSlot()
        self.init(input: input, output: output, group: group, maxMessageBytes: maxMessageBytes,
                  handler: source.posting(to: inbox), source: source)
    }

    private init(
        input: Int32, output: Int32, group: EventLoopGroup, maxMessageBytes: Int,
        handler: @escaping @Sendable (TransportEvent) -> Void, source: SourceSlot?
    ) {
        ignoreSIGPIPE()
        let loop = group.next()
        let core = ChannelTransport(label: "stdio", eventLoop: loop, handler: handler)
        self.core = core
        source?.set(self)
        openPipeChannel(input: input, output: output, loop: loop, core: core, maxMessageBytes: maxMessageBytes)
            .whenFailure { error in
                core.ended("cannot use stdin/stdout for syncing: \(describeNetError(error))")
            }
    }
}

/// A length-framed pipe channel over `input`/`output`, half-closure allowed (without it, end
/// of input would close the channel before our replies are written).
func openPipeChannel(
    input: Int32, output: Int32, loop: EventLoop, core: ChannelTransport, maxMessageBytes: Int
) -> EventLoopFuture<Channel> {
    NIOPipeBootstrap(group: loop)
        .channelOption(.allowRemoteHalfClosure, value: true)
        .channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(
                    LengthFramedHandler(transport: core, maxMessageBytes: maxMessageBytes))
            }
        }
        .takingOwnershipOfDescriptors(input: input, output: output)
}

/// Ignores SIGPIPE for the whole process (idempotent): writing to a pipe whose reader is gone
/// then fails with EPIPE, which closes that one transport.
func ignoreSIGPIPE() {
    _ = ignoreSIGPIPEOnce
}

private let ignoreSIGPIPEOnce: Void = {
    _ = signal(SIGPIPE, SIG_IGN)
}()
