/// The item records of one document in a manually managed buffer.
///
/// Handles index into it directly; access has no uniqueness or exclusivity checks and no
/// reference counting, which keeps the replay hot path to plain loads and stores. Only the
/// owning `Doc` touches it, synchronously.
final class ItemStore {
    private(set) var base: UnsafeMutablePointer<ItemRec>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int = 64) {
        self.capacity = capacity
        base = .allocate(capacity: capacity)
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }

    @inline(__always)
    subscript(h: Handle) -> ItemRec {
        unsafeAddress {
            assert(h >= 0 && Int(h) < count, "stale item handle")
            return UnsafePointer(base + Int(h))
        }
        unsafeMutableAddress {
            assert(h >= 0 && Int(h) < count, "stale item handle")
            return base + Int(h)
        }
    }

    func append(_ r: ItemRec) -> Handle {
        if count == capacity {
            let newCap = capacity * 2
            let nb = UnsafeMutablePointer<ItemRec>.allocate(capacity: newCap)
            nb.moveInitialize(from: base, count: count)
            base.deallocate()
            base = nb
            capacity = newCap
        }
        (base + count).initialize(to: r)
        count += 1
        return Handle(count - 1)
    }
}
