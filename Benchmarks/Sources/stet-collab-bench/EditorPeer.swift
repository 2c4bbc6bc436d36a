import BenchSupport
import Dispatch
import Foundation
import StetApp
import StetCRDT
import StetEditor
import StetNet
import StetSync
import Synchronization

/// One running editor as the app runs it (Sources/stet/Editor.swift), without a terminal:
/// a `Session` + `Collaboration` owned by its own thread. The thread's loop is the
/// terminal loop's: render (and diff against the previous frame, as `Terminal.draw`
/// does), wait for input or a wake-up (the inbox's `onPost` signals a semaphore), handle
/// the keys, `pump` the inbox, `afterInput`, and once a second `session.idle()` +
/// `collab.tick`. "Input" here is a closure queued with `perform`.
final class EditorPeer: @unchecked Sendable {
    let label: String
    let session: Session
    let collab: Collaboration
    let wake: DispatchSemaphore
    private let queue = Mutex<[() -> Void]>([])
    private let stopFlag = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    /// Called on the owner thread after each frame, with the stamps of that iteration.
    var onFrame: ((EditorPeer) -> Void)?
    /// Stamps of the current loop iteration (owner thread): the wait returned, the inbox
    /// was pumped (and `afterInput` ran), the frame was rendered and diffed.
    private(set) var tWake: UInt64 = 0
    private(set) var tPumped: UInt64 = 0
    private(set) var tRendered: UInt64 = 0
    private(set) var renders = 0

    var editor: Editor { session.editor }
    var doc: Doc { session.doc }

    init(label: String, session: Session, role: Collaboration.Role) {
        self.label = label
        self.session = session
        let w = DispatchSemaphore(value: 0)
        wake = w
        collab = Collaboration(session: session, identity: Identity(name: label), role: role, now: nowMs(), wake: { w.signal() })
        _ = session.editor.handle(.resize(rows: 24, columns: 80))
    }

    func start() {
        startThread("owner-\(label)") { [self] in loop() }
    }

    /// Queues `body` for the owner thread (as a key press would arrive).
    func perform(_ body: @escaping () -> Void) {
        queue.withLock { $0.append(body) }
        wake.signal()
    }

    /// Runs `body` on the owner thread and waits for its result.
    func sync<R>(_ body: @escaping () -> R) -> R {
        let done = DispatchSemaphore(value: 0)
        let out = Box<R?>(nil)
        perform {
            out.value = body()
            done.signal()
        }
        done.wait()
        return out.value!
    }

    func stop() {
        perform { self.stopFlag.store(true, ordering: .relaxed) }
        finished.wait()
    }

    private func loop() {
        var previous: Frame?
        var lastIdle = monoMs()
        while true {
            let frame = session.editor.render()
            _ = frame.changes(since: previous)
            previous = frame
            tRendered = nowNs()
            renders += 1
            onFrame?(self)
            if stopFlag.load(ordering: .relaxed) { break }
            let r = wake.wait(timeout: .now() + .seconds(1))
            tWake = nowNs()
            // The terminal's waker is a pipe: many posts make one wake-up.
            while wake.wait(timeout: .now()) == .success {}
            let inputs = queue.withLock { q -> [() -> Void] in
                let c = q
                q = []
                return c
            }
            for f in inputs { f() }
            let delivered = collab.pump(now: nowMs())
            if !inputs.isEmpty || delivered { collab.afterInput(now: nowMs()) }
            tPumped = nowNs()
            let now = monoMs()
            if r == .timedOut || now &- lastIdle >= 1000 {
                session.idle()
                collab.tick(now: nowMs())
                lastIdle = now
            }
        }
        collab.leave(now: nowMs())
        session.close()
        finished.signal()
    }
}

/// Arrival stamps taken on the transport's event-loop thread, before the event is posted.
final class ArrivalStamps: @unchecked Sendable {
    /// The first message after `arm()` (0: none yet).
    let firstMessage = Atomic<UInt64>(0)
    /// The last `.opened`.
    let opened = Atomic<UInt64>(0)
    /// The last sync step 2 message, and its size.
    let step2 = Atomic<UInt64>(0)
    let step2Bytes = Atomic<Int>(0)
    let armed = Atomic<Bool>(false)

    func arm() {
        firstMessage.store(0, ordering: .sequentiallyConsistent)
        armed.store(true, ordering: .sequentiallyConsistent)
    }

    func record(_ ev: TransportEvent) {
        let t = nowNs()
        switch ev {
        case .opened:
            opened.store(t, ordering: .sequentiallyConsistent)
        case .message(let b):
            if armed.load(ordering: .sequentiallyConsistent) {
                _ = firstMessage.compareExchange(expected: 0, desired: t, ordering: .sequentiallyConsistent)
            }
            if b.count > 1 && b[0] == 0 && b[1] == 1 {
                step2Bytes.store(b.count, ordering: .sequentiallyConsistent)
                step2.store(t, ordering: .sequentiallyConsistent)
            }
        case .closed:
            break
        }
    }
}

/// `WebSocketTransport.connect(url:inbox:)`, stamping arrivals first.
func connectWebSocket(url: String, inbox: Inbox, stamps: ArrivalStamps) -> WebSocketTransport {
    let slot = TransportSlot()
    let t = WebSocketTransport.connect(url: url) { ev in
        stamps.record(ev)
        inbox.post(ev, from: slot.get())
    }
    slot.set(t)
    return t
}

/// `UnixSocketTransport.connect(path:inbox:)`, stamping arrivals first.
func connectUnix(path: String, inbox: Inbox, stamps: ArrivalStamps) -> UnixSocketTransport {
    let slot = TransportSlot()
    let t = UnixSocketTransport.connect(path: path) { ev in
        stamps.record(ev)
        inbox.post(ev, from: slot.get())
    }
    slot.set(t)
    return t
}

/// A host's Unix socket, as `Pairing.listen` starts it: each guest announces itself with
/// `.opened` in the host's inbox and `Collaboration.pump` attaches it.
func listenUnix(path: String, inbox: Inbox) throws -> UnixSocketServer {
    try UnixSocketServer.start(path: path, mode: 0o600, log: { note("unix server: \($0)") }) { t in
        inbox.post(.opened, from: t)
        return { @Sendable ev in inbox.post(ev, from: t) }
    }
}

/// Fresh, distinct client ids.
final class IDSource: @unchecked Sendable {
    private let lock = NSLock()
    private var next: ClientID
    init(start: ClientID) { next = start }
    func take() -> ClientID { lock.withLock { next += 1; return next } }
}

let ids = IDSource(start: 3_000_000_000)
