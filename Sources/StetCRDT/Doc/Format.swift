/// Rich-text formatting and embeds on YText, enough to interoperate with Quill-style peers.
/// Attribute values are JSON texts (`"true"`, `"null"`, `"{\"a\":1}"`).
extension YText {
    /// Applies `attributes` to `count` units from `index` (Yjs `YText.format`).
    public func format(at index: Int, count: Int, attributes: [String: String]) {
        if count == 0 { return }
        doc.transact { doc.formatText(type, at: index, count: count, attributes: attributes) }
    }

    /// Inserts an embed (a JSON value; counts one unit, is not text).
    public func insertEmbed(_ json: String, at index: Int) {
        doc.transact { doc.insertContent(type, at: index, .embed(json)) }
    }
}

/// A walking position with the attributes in force (Yjs `ItemTextListPosition`).
struct TextCursor {
    var left: Handle
    var right: Handle
    var index: Int
    var attrs: [String: String]
}

extension Doc {
    func formatValue(_ h: Handle) -> (String, String)? {
        let r = items[h]
        guard r.kind == .format, case .format(let k, let v) = payloads[Int(r.payload)] else { return nil }
        return (k, v)
    }

    func forward(_ p: inout TextCursor) {
        let r = items[p.right]
        if !r.isDeleted {
            if let (k, v) = formatValue(p.right) {
                if v == "null" { p.attrs[k] = nil } else { p.attrs[k] = v }
            } else {
                p.index += r.visibleLength
            }
        }
        p.left = p.right
        p.right = r.right
    }

    /// Walks from the start to visible offset `index`, tracking attributes (O(items)).
    func cursor(_ t: Int32, at index: Int) -> TextCursor {
        var p = TextCursor(left: noHandle, right: types[Int(t)].start, index: 0, attrs: [:])
        var count = index
        while p.right != noHandle && count > 0 {
            let r = items[p.right]
            if !r.isDeleted && r.kind != .format {
                if count < r.length { split(p.right, at: count) }
                count -= items[p.right].length
            }
            forward(&p)
        }
        return p
    }

    func formatText(_ t: Int32, at index: Int, count: Int, attributes: [String: String]) {
        var p = cursor(t, at: index)
        if p.right == noHandle { return }
        var length = count
        // minimizeAttributeChanges
        while p.right != noHandle {
            let r = items[p.right]
            if r.isDeleted { forward(&p); continue }
            if let (k, v) = formatValue(p.right), (attributes[k] ?? "null") == v { forward(&p); continue }
            break
        }
        // insertAttributes
        var negated: [(String, String)] = []
        for key in attributes.keys.sorted() {
            let val = attributes[key]!
            let current = p.attrs[key] ?? "null"
            if current != val {
                negated.append((key, current))
                p.right = createLocalItem(t, subKey: -1, left: p.left, right: p.right, .format(key: key, value: val))
                forward(&p)
            }
        }
        types[Int(t)].hasFormatting = true
        func negatedIndex(_ k: String) -> Int? { negated.firstIndex { $0.0 == k } }
        loop: while p.right != noHandle && (length > 0 || (!negated.isEmpty && (items[p.right].isDeleted || items[p.right].kind == .format))) {
            let r = items[p.right]
            if !r.isDeleted {
                if let (k, v) = formatValue(p.right) {
                    if let a = attributes[k] {
                        if a == v {
                            if let i = negatedIndex(k) { negated.remove(at: i) }
                        } else {
                            if length == 0 { break loop }
                            if let i = negatedIndex(k) { negated[i] = (k, v) } else { negated.append((k, v)) }
                        }
                        deleteItem(p.right)
                    } else {
                        p.attrs[k] = v
                    }
                } else {
                    if length < r.length { split(p.right, at: length) }
                    length -= items[p.right].length
                }
            }
            forward(&p)
        }
        if length > 0 {
            p.right = createLocalItem(t, subKey: -1, left: p.left, right: p.right, .string(String(repeating: "\n", count: length)))
            forward(&p)
        }
        // insertNegatedAttributes
        while p.right != noHandle {
            let r = items[p.right]
            if r.isDeleted { forward(&p); continue }
            if let (k, v) = formatValue(p.right), let i = negatedIndex(k), negated[i].1 == v {
                negated.remove(at: i)
                forward(&p)
                continue
            }
            break
        }
        for (k, v) in negated {
            p.right = createLocalItem(t, subKey: -1, left: p.left, right: p.right, .format(key: k, value: v))
            forward(&p)
        }
        types[Int(t)].cacheItem = noHandle
    }
}
