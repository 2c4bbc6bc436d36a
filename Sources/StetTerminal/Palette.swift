import StetEditor

/// What the terminal can show.
public enum ColorCapability: Hashable, Sendable {
    /// No colours, or `NO_COLOR`: attributes only.
    case monochrome
    /// The 8 ANSI colours.
    case ansi8
    /// 8 ANSI colours plus their 8 bright variants.
    case ansi16
    /// The xterm 256-colour palette.
    case indexed256

    /// The richest capability the terminal reports, unless colour is turned off.
    public static func detect(hasColors: Bool, colors: Int, noColor: Bool) -> ColorCapability {
        guard hasColors, !noColor else { return .monochrome }
        if colors >= 256 { return .indexed256 }
        if colors >= 16 { return .ansi16 }
        if colors >= 8 { return .ansi8 }
        return .monochrome
    }
}

/// Text attributes a terminal can show without colour.
public struct TextAttributes: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let bold = TextAttributes(rawValue: 1)
    public static let underline = TextAttributes(rawValue: 2)
    public static let reverse = TextAttributes(rawValue: 4)
    public static let dim = TextAttributes(rawValue: 8)
}

/// How a cell is drawn: colour indices (-1 is the terminal's default colour) and attributes.
public struct CellLook: Hashable, Sendable {
    public var foreground: Int16
    public var background: Int16
    public var attributes: TextAttributes

    public init(foreground: Int16 = -1, background: Int16 = -1, _ attributes: TextAttributes = []) {
        self.foreground = foreground
        self.background = background
        self.attributes = attributes
    }
}

/// The default colour scheme: readable on dark and light terminals alike, because plain text
/// keeps the terminal's own foreground and background and every coloured background comes
/// with an explicit foreground. Pure.
public enum Palette {
    /// The look of `style` on a terminal with `capability`.
    public static func look(for style: Style, capability: ColorCapability) -> CellLook {
        var look: CellLook
        switch capability {
        case .monochrome: look = monochrome(style.role)
        case .ansi8, .ansi16: look = ansi(style.role, bright: capability == .ansi16)
        case .indexed256: look = indexed(style.role)
        }
        if style.bold { look.attributes.insert(.bold) }
        if style.underline { look.attributes.insert(.underline) }
        return look
    }

    /// Attributes only.
    static func monochrome(_ role: Role) -> CellLook {
        switch role {
        case .text, .message: return CellLook()
        case .lineNumber, .wrapMarker: return CellLook(.dim)
        case .currentLineNumber, .control, .prompt, .helpKey, .errorMessage: return CellLook(.bold)
        case .selection, .statusBar, .peerCursor: return CellLook(.reverse)
        case .match, .peerSelection: return CellLook(.underline)
        case .currentMatch, .statusBarEmphasis, .peerFlag: return CellLook([.reverse, .bold])
        case .helpHeading: return CellLook([.bold, .underline])
        }
    }

    /// 8 or 16 colours: 0 black, 1 red, 2 green, 3 yellow, 4 blue, 5 magenta, 6 cyan,
    /// 7 white; 8...15 bright.
    static func ansi(_ role: Role, bright: Bool) -> CellLook {
        switch role {
        case .text, .message: return CellLook()
        case .lineNumber, .wrapMarker: return CellLook(.dim)
        case .currentLineNumber, .prompt, .helpKey: return CellLook(.bold)
        case .selection: return CellLook(foreground: 7, background: 4)
        case .match: return CellLook(foreground: 0, background: 3)
        case .currentMatch: return CellLook(foreground: 0, background: 2, .bold)
        case .control: return CellLook(foreground: 5)
        case .statusBar: return CellLook(.reverse)
        case .statusBarEmphasis: return CellLook([.reverse, .bold])
        case .errorMessage: return CellLook(foreground: 7, background: 1, .bold)
        case .helpHeading: return CellLook([.bold, .underline])
        case .peerCursor(let slot):
            let colour = ansiPeerColours(bright: bright)[Int(slot % 8)]
            return CellLook(foreground: colour == 0 ? 7 : 0, background: colour)
        case .peerSelection(let slot):
            let colour = ansiPeerColours(bright: bright)[Int(slot % 8)]
            // White or black text would vanish on one kind of background: those two slots
            // keep the default colour and differ by weight instead.
            switch colour {
            case 7: return CellLook([.underline, .bold])
            case 0: return CellLook([.underline, .dim])
            default: return CellLook(foreground: colour, .underline)
            }
        case .peerFlag(let slot):
            let colour = ansiPeerColours(bright: bright)[Int(slot % 8)]
            return CellLook(foreground: colour == 0 ? 7 : 0, background: colour, .bold)
        }
    }

    /// The xterm 256-colour cube and grey ramp.
    static func indexed(_ role: Role) -> CellLook {
        switch role {
        case .text, .message: return CellLook()
        case .lineNumber, .wrapMarker: return CellLook(foreground: 244)
        case .currentLineNumber: return CellLook(.bold)
        case .selection: return CellLook(foreground: 231, background: 25)
        case .match: return CellLook(foreground: 16, background: 178)
        case .currentMatch: return CellLook(foreground: 16, background: 208, .bold)
        case .control: return CellLook(foreground: 133)
        case .statusBar: return CellLook(foreground: 254, background: 238)
        case .statusBarEmphasis: return CellLook(foreground: 231, background: 31, .bold)
        case .errorMessage: return CellLook(foreground: 231, background: 124, .bold)
        case .prompt: return CellLook(foreground: 32, .bold)
        case .helpHeading: return CellLook(foreground: 32, [.bold, .underline])
        case .helpKey: return CellLook(foreground: 172, .bold)
        case .peerCursor(let slot):
            return CellLook(foreground: 16, background: peerColours256[Int(slot % 8)])
        case .peerSelection(let slot):
            return CellLook(foreground: 231, background: peerSelectionColours256[Int(slot % 8)])
        case .peerFlag(let slot):
            return CellLook(foreground: 16, background: peerColours256[Int(slot % 8)], .bold)
        }
    }

    /// Mid-tone peer colours (dark text on them): red, green, blue, gold, purple, teal,
    /// orange, pink.
    static let peerColours256: [Int16] = [167, 71, 68, 179, 133, 73, 209, 175]
    /// Darker shades of the same hues (white text on them) for peers' selections.
    static let peerSelectionColours256: [Int16] = [88, 22, 18, 94, 54, 23, 130, 89]

    /// 8 slots from 6 hues: on 8-colour terminals the last two slots are white and black,
    /// on 16-colour ones bright red and bright blue.
    static func ansiPeerColours(bright: Bool) -> [Int16] {
        bright ? [1, 2, 4, 3, 5, 6, 9, 12] : [1, 2, 4, 3, 5, 6, 7, 0]
    }
}
