/// A growable array in a manually managed buffer, for the document's item, per-client and
/// per-type records. Element access goes through a pointer: a load or store, with no
/// uniqueness or exclusivity check and no reference counting on the hot path (reading a
/// field of `slots[i]` or appending to `slots[i].units` does not retain the outer buffer).
/// Only the owning `Doc` touches it, synchronously, and frees it in `deinit`.
struct RecordBuffer<T>: Sequence {
    private(set) var base: UnsafeMutablePointer<T>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int = 64) {
        self.capacity = capacity
        base = .allocate(capacity: capacity)
    }

    func free() {
        base.deinitialize(count: count)
        base.deallocate()
    }

    var indices: Range<Int> { 0..<count }

    @inline(__always)
    subscript(i: Int) -> T {
        unsafeAddress {
            assert(i >= 0 && i < count, "record index out of range")
            return UnsafePointer(base + i)
        }
        nonmutating unsafeMutableAddress {
            assert(i >= 0 && i < count, "record index out of range")
            return base + i
        }
    }

    @inline(__always)
    subscript(h: Handle) -> T {
        unsafeAddress {
            assert(h >= 0 && Int(h) < count, "stale item handle")
            return UnsafePointer(base + Int(h))
        }
        nonmutating unsafeMutableAddress {
            assert(h >= 0 && Int(h) < count, "stale item handle")
            return base + Int(h)
        }
    }

    /// Appends and returns the new element's handle.
    @discardableResult
    mutating func append(_ x: T) -> Handle {
        if count == capacity {
            let newCap = capacity * 2
            let nb = UnsafeMutablePointer<T>.allocate(capacity: newCap)
            nb.moveInitialize(from: base, count: count)
            base.deallocate()
            base = nb
            capacity = newCap
        }
        (base + count).initialize(to: x)
        count += 1
        return Handle(count - 1)
    }

    func makeIterator() -> UnsafeBufferPointer<T>.Iterator {
        UnsafeBufferPointer(start: base, count: count).makeIterator()
    }
}
