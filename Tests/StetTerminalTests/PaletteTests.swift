import StetEditor
import XCTest

@testable import StetTerminal

final class PaletteTests: XCTestCase {
    static let fixedRoles: [Role] = [
        .text, .lineNumber, .currentLineNumber, .selection, .match, .currentMatch, .control,
        .wrapMarker, .statusBar, .statusBarEmphasis, .message, .errorMessage, .prompt,
        .helpHeading, .helpKey,
    ]
    static let allRoles: [Role] =
        fixedRoles
        + (0..<8).flatMap { i in [Role.peerCursor(i), .peerSelection(i), .peerFlag(i)] }
    static let capabilities: [ColorCapability] = [.monochrome, .ansi8, .ansi16, .indexed256]

    private func look(_ role: Role, _ capability: ColorCapability) -> CellLook {
        Palette.look(for: Style(role), capability: capability)
    }

    func testDetect() {
        XCTAssertEqual(
            ColorCapability.detect(hasColors: true, colors: 256, noColor: false), .indexed256)
        XCTAssertEqual(ColorCapability.detect(hasColors: true, colors: 16, noColor: false), .ansi16)
        XCTAssertEqual(ColorCapability.detect(hasColors: true, colors: 8, noColor: false), .ansi8)
        XCTAssertEqual(
            ColorCapability.detect(hasColors: true, colors: 256, noColor: true), .monochrome)
        XCTAssertEqual(
            ColorCapability.detect(hasColors: false, colors: 0, noColor: false), .monochrome)
        XCTAssertEqual(
            ColorCapability.detect(hasColors: true, colors: 2, noColor: false), .monochrome)
    }

    func testMonochromeUsesAttributesOnly() {
        for role in Self.allRoles {
            let l = look(role, .monochrome)
            XCTAssertEqual(l.foreground, -1, "\(role)")
            XCTAssertEqual(l.background, -1, "\(role)")
        }
        XCTAssertEqual(look(.text, .monochrome).attributes, [])
        XCTAssertEqual(look(.selection, .monochrome).attributes, .reverse)
        XCTAssertEqual(look(.statusBar, .monochrome).attributes, .reverse)
        XCTAssertEqual(look(.peerCursor(3), .monochrome).attributes, .reverse)
        XCTAssertEqual(look(.lineNumber, .monochrome).attributes, .dim)
        XCTAssertEqual(look(.match, .monochrome).attributes, .underline)
        XCTAssertEqual(look(.currentMatch, .monochrome).attributes, [.reverse, .bold])
        XCTAssertEqual(look(.helpHeading, .monochrome).attributes, [.bold, .underline])
    }

    func testTextKeepsTheTerminalsOwnColours() {
        for capability in Self.capabilities {
            XCTAssertEqual(look(.text, capability), CellLook(), "\(capability)")
            XCTAssertEqual(look(.message, capability), CellLook(), "\(capability)")
        }
    }

    /// A coloured background always comes with an explicit foreground, so text stays
    /// readable whatever the terminal's default foreground (dark or light theme).
    func testColouredBackgroundsHaveExplicitForegrounds() {
        for capability in Self.capabilities {
            for role in Self.allRoles {
                let l = look(role, capability)
                if l.background != -1 {
                    XCTAssertNotEqual(l.foreground, -1, "\(role) on \(capability)")
                    XCTAssertNotEqual(l.foreground, l.background, "\(role) on \(capability)")
                }
            }
        }
    }

    func testColourIndicesFitTheCapability() {
        let limits: [ColorCapability: Int16] = [.ansi8: 8, .ansi16: 16, .indexed256: 256]
        for (capability, limit) in limits {
            for role in Self.allRoles {
                let l = look(role, capability)
                XCTAssertLessThan(l.foreground, limit, "\(role) on \(capability)")
                XCTAssertLessThan(l.background, limit, "\(role) on \(capability)")
                XCTAssertGreaterThanOrEqual(l.foreground, -1)
                XCTAssertGreaterThanOrEqual(l.background, -1)
            }
        }
    }

    func testEightDistinctPeerColours() {
        for capability in [ColorCapability.ansi8, .ansi16, .indexed256] {
            let kinds: [(String, (UInt8) -> Role)] = [
                ("peerCursor", Role.peerCursor), ("peerSelection", Role.peerSelection),
                ("peerFlag", Role.peerFlag),
            ]
            for (name, kind) in kinds {
                let looks = Set((0..<8).map { look(kind(UInt8($0)), capability) })
                XCTAssertEqual(looks.count, 8, "\(name) on \(capability)")
            }
        }
        XCTAssertEqual(
            look(.peerCursor(9), .indexed256), look(.peerCursor(1), .indexed256),
            "slots wrap around")
    }

    func testRolesAreDistinguishable() {
        // Selection and matches must differ from plain text and each other; with colours,
        // the status bar too (monochrome shows both it and the selection reversed).
        for capability in Self.capabilities {
            var key: [Role] = [.text, .selection, .match, .currentMatch]
            if capability != .monochrome { key.append(.statusBar) }
            XCTAssertEqual(Set(key.map { look($0, capability) }).count, key.count, "\(capability)")
        }
    }

    func testStyleEmphasisIsAdded() {
        let style = Style(.lineNumber, bold: true, underline: true)
        for capability in Self.capabilities {
            let l = Palette.look(for: style, capability: capability)
            XCTAssertTrue(l.attributes.isSuperset(of: [.bold, .underline]), "\(capability)")
        }
        XCTAssertEqual(Palette.look(for: style, capability: .indexed256).foreground, 244)
    }

    func testSpecificColours() {
        XCTAssertEqual(look(.selection, .indexed256), CellLook(foreground: 231, background: 25))
        XCTAssertEqual(look(.selection, .ansi8), CellLook(foreground: 7, background: 4))
        XCTAssertEqual(look(.errorMessage, .ansi16), CellLook(foreground: 7, background: 1, .bold))
        XCTAssertEqual(look(.statusBar, .ansi8), CellLook(.reverse))
        XCTAssertEqual(
            look(.peerSelection(6), .ansi8).foreground, -1,
            "white or black text would vanish on one kind of background")
    }
}
