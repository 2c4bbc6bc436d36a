// Lines: a line ends after "\n"; "\r\n" is one break and its "\r" is not content.

extension Rope {
    /// The line containing `offset` (an offset right after a "\n" is on the next line).
    /// - Complexity: O(log n)
    public func line<O: TextOffset>(containing offset: O) -> Line { Line(prefix(offset).newlines) }

    /// Summary of the text before the start of `line`.
    @inline(__always) func lineStartSummary(_ line: Line) -> TextSummary {
        precondition(line.index >= 0 && line.index < lineCount, "\(line) out of range 0..<\(lineCount)")
        return seek(.newlines, line.index)
    }

    /// Summaries before the start, the content end and the end (after the break) of `line`.
    func lineBounds(_ line: Line) -> (start: TextSummary, contentEnd: TextSummary, end: TextSummary) {
        let start = lineStartSummary(line)
        if line.index == lineCount - 1 {
            return (start, root.summary, root.summary)
        }
        let end = seek(.newlines, line.index + 1)
        let one = TextSummary(utf8: 1, utf16: 1, scalars: 1, newlines: 0)
        var contentEnd = end - TextSummary(utf8: 1, utf16: 1, scalars: 1, newlines: 1)
        if contentEnd.utf8 > start.utf8 && byte(at: contentEnd.utf8 - 1) == 0x0D { contentEnd -= one }
        return (start, contentEnd, end)
    }

    /// The start of `line` as a UTF-8 offset.
    /// - Complexity: O(log n)
    public func lineStart(_ line: Line) -> UTF8Offset { UTF8Offset(lineStartSummary(line).utf8) }

    /// The start of `line` in the unit of `O`.
    /// - Complexity: O(log n)
    public func lineStart<O: TextOffset>(_ line: Line, as _: O.Type) -> O {
        O(lineStartSummary(line).value(Metric(O.unit)))
    }

    /// The end of `line`'s content (before its "\n" or "\r\n"), as a UTF-8 offset.
    /// - Complexity: O(log n)
    public func lineEnd(_ line: Line) -> UTF8Offset { UTF8Offset(lineBounds(line).contentEnd.utf8) }

    /// The end of `line`'s content (before its "\n" or "\r\n") in the unit of `O`.
    /// - Complexity: O(log n)
    public func lineEnd<O: TextOffset>(_ line: Line, as _: O.Type) -> O {
        O(lineBounds(line).contentEnd.value(Metric(O.unit)))
    }

    /// The range of `line`'s content, or with `includingBreak` also its "\n"/"\r\n".
    /// - Complexity: O(log n)
    public func lineRange<O: TextOffset>(_ line: Line, includingBreak: Bool = false, as _: O.Type) -> Range<O> {
        let b = lineBounds(line)
        let m = Metric(O.unit)
        return O(b.start.value(m))..<O((includingBreak ? b.end : b.contentEnd).value(m))
    }

    /// The UTF-8 range of `line`'s content, or with `includingBreak` also its "\n"/"\r\n".
    /// - Complexity: O(log n)
    public func lineRange(_ line: Line, includingBreak: Bool = false) -> Range<UTF8Offset> {
        lineRange(line, includingBreak: includingBreak, as: UTF8Offset.self)
    }

    /// The content of `line`, without its "\n" or "\r\n".
    /// - Complexity: O(log n + k) for a line of k bytes.
    public func line(at line: Line) -> String {
        let b = lineBounds(line)
        return string(b.start.utf8, b.contentEnd.utf8)
    }

    /// `offset` as a line and an offset from that line's start, in the same unit (an LSP
    /// position for `UTF16Offset`). An offset between a "\r" and its "\n" is reported one
    /// past the content's end.
    /// - Complexity: O(log n)
    public func linePosition<O: TextOffset>(of offset: O) -> LinePosition<O> {
        let p = prefix(offset)
        let line = Line(p.newlines)
        let start = seek(.newlines, line.index)
        let m = Metric(O.unit)
        return LinePosition(line: line, inLine: O(p.value(m) - start.value(m)))
    }

    /// The offset of `position`. An in-line offset past the line's content is clamped to the
    /// content's end (before "\n"/"\r\n"); one inside a scalar rounds down.
    /// - Complexity: O(log n)
    public func offset<O: TextOffset>(of position: LinePosition<O>) -> O {
        let b = lineBounds(position.line)
        let m = Metric(O.unit)
        precondition(position.inLine.value >= 0, "negative in-line offset \(position.inLine)")
        let target = min(b.start.value(m) + position.inLine.value, b.contentEnd.value(m))
        return O(seek(m, target).value(m))
    }
}
