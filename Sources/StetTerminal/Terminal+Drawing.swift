import CNcurses
import StetEditor

extension Terminal {
    /// Shows `frame`: redraws only the runs that changed since the last frame drawn (all of
    /// it after a resize or when the size differs), places or hides the cursor, refreshes.
    /// Cells beyond the terminal's size are clipped.
    public func draw(_ frame: Frame) {
        guard active else { return }
        let screen = stet_stdscr()
        let visibleRows = min(frame.rows, rows)
        let visibleColumns = min(frame.columns, columns)
        var previous = lastFrame
        if previous?.rows != frame.rows || previous?.columns != frame.columns {
            werase(screen)
            previous = nil
        }
        for run in frame.changes(since: previous) where run.row < visibleRows {
            var column = run.columns.lowerBound
            while column < min(run.columns.upperBound, visibleColumns) {
                column += drawCell(frame, row: run.row, column: column, limit: visibleColumns)
            }
        }
        lastFrame = frame

        if let cursor = frame.cursor, cursor.row >= 0, cursor.row < visibleRows,
            cursor.column >= 0, cursor.column < visibleColumns
        {
            showCursor(true)
            wmove(screen, Int32(cursor.row), Int32(cursor.column))
        } else {
            showCursor(false)
        }
        wrefresh(screen)
    }

    /// Draws the cell at (row, column) and returns how many columns it took.
    private func drawCell(_ frame: Frame, row: Int, column: Int, limit: Int) -> Int {
        let cell = frame[row, column]
        let look = ncursesLook(cell.style)
        guard cell.width > 0 else {
            // A continuation is never drawn; one without a wide cell before it is malformed
            // and shown as a blank so the screen stays aligned.
            if column == 0 || frame[row, column - 1].width != 2 {
                put([0x20], row: row, column: column, look)
            }
            return 1
        }
        let width = min(Int(cell.width), limit - column)
        if width == 1, cell.text.utf8.count == 1, let byte = cell.text.utf8.first,
            byte > 0x20, byte < 0x7F
        {
            put([UInt32(byte)], row: row, column: column, look)  // ASCII: nothing to plan
            return 1
        }
        var x = column
        for glyph in GlyphPlanner.plan(
            cell.text, width: width, columnWidth: { Int(stet_wcwidth($0)) })
        {
            put(glyph, row: row, column: x, look)
            x += max(1, Int(stet_wcwidth(glyph[0])))
        }
        return max(1, Int(cell.width))
    }

    private func put(
        _ scalars: [UInt32], row: Int, column: Int, _ look: (attributes: attr_t, pair: Int16)
    ) {
        scalars.withUnsafeBufferPointer {
            _ = stet_draw_cell(
                Int32(row), Int32(column), $0.baseAddress, Int32($0.count), look.attributes,
                look.pair)
        }
    }

    private func showCursor(_ visible: Bool) {
        guard cursorShown != visible else { return }
        cursorShown = visible
        curs_set(visible ? 1 : 0)
    }

    /// The ncurses attributes and colour pair for a style (cached).
    private func ncursesLook(_ style: Style) -> (attributes: attr_t, pair: Int16) {
        if let cached = styleCache[style] { return cached }
        let look = Palette.look(for: style, capability: capability)
        let a = look.attributes
        let attributes = stet_attributes(
            a.contains(.bold) ? 1 : 0, a.contains(.underline) ? 1 : 0,
            a.contains(.reverse) ? 1 : 0, a.contains(.dim) ? 1 : 0)
        let result = (attributes, colorPair(look))
        styleCache[style] = result
        return result
    }

    /// The colour pair for a look's colours, allocated on first use; 0 (the terminal's
    /// defaults) for monochrome, default colours, or when pairs run out.
    private func colorPair(_ look: CellLook) -> Int16 {
        guard capability != .monochrome, look.foreground >= 0 || look.background >= 0 else {
            return 0
        }
        // Without default-colour support, -1 is not allowed: assume white on black.
        let foreground = look.foreground >= 0 || defaultColors ? look.foreground : 7
        let background = look.background >= 0 || defaultColors ? look.background : 0
        let key = Int32(foreground) << 16 | Int32(UInt16(bitPattern: background))
        if let pair = colorPairs[key] { return pair }
        let next = colorPairs.count + 1
        guard next < Int(stet_color_pairs()), next <= Int(Int16.max) else { return 0 }
        init_pair(Int16(next), foreground, background)
        colorPairs[key] = Int16(next)
        return Int16(next)
    }
}
