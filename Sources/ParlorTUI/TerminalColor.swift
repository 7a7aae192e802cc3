/// A colour as a theme names it: the terminal's default, one of the 256 palette entries, or an
/// RGB value that is mapped to the nearest entry the terminal has.
public enum TerminalColor: Equatable, Hashable, Sendable {
    case terminalDefault
    case indexed(UInt8)
    case rgb(UInt8, UInt8, UInt8)

    /// The eight ANSI names, in palette order; `bright-NAME` adds 8.
    public static let names = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"]

    /// Parses "default", an ANSI name ("cyan", "bright-cyan"), a palette index ("208") or "#rrggbb".
    public init?(_ text: String) {
        let t = text.lowercased()
        if t == "default" || t == "none" {
            self = .terminalDefault
        } else if let i = TerminalColor.names.firstIndex(of: t) {
            self = .indexed(UInt8(i))
        } else if t.hasPrefix("bright-"), let i = TerminalColor.names.firstIndex(of: String(t.dropFirst(7))) {
            self = .indexed(UInt8(i + 8))
        } else if let n = UInt8(t) {
            self = .indexed(n)
        } else if t.hasPrefix("#"), t.count == 7, let v = UInt32(t.dropFirst(), radix: 16) {
            self = .rgb(UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF))
        } else {
            return nil
        }
    }

    /// The curses colour number for a terminal of `depth`: -1 for the default, otherwise a palette
    /// index below the depth's colour count (RGB and high indices map to the nearest colour).
    public func cursesColor(for depth: ColorDepth) -> Int16 {
        switch (self, depth) {
        case (_, .none), (.terminalDefault, _): return -1
        case (.indexed(let i), .palette256): return Int16(i)
        case (.indexed(let i), .basic8): return Int16(i < 16 ? i % 8 : TerminalColor.nearestBasic(TerminalColor.rgb(ofIndex: i)))
        case (.rgb(let r, let g, let b), .palette256): return Int16(TerminalColor.nearestPalette(r, g, b))
        case (.rgb(let r, let g, let b), .basic8): return Int16(TerminalColor.nearestBasic((r, g, b)))
        }
    }

    /// The xterm 6×6×6 cube's channel levels.
    static let cubeLevels: [Int] = [0, 95, 135, 175, 215, 255]

    /// The approximate RGB of a palette entry (xterm's defaults).
    static func rgb(ofIndex i: UInt8) -> (UInt8, UInt8, UInt8) {
        switch i {
        case 0..<16:
            let base: [(UInt8, UInt8, UInt8)] = [(0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205),
                                                 (0, 205, 205), (229, 229, 229), (127, 127, 127), (255, 0, 0), (0, 255, 0),
                                                 (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255)]
            return base[Int(i)]
        case 16..<232:
            let n = Int(i) - 16
            return (UInt8(cubeLevels[n / 36]), UInt8(cubeLevels[n / 6 % 6]), UInt8(cubeLevels[n % 6]))
        default:
            let v = UInt8(8 + (Int(i) - 232) * 10)
            return (v, v, v)
        }
    }

    /// The nearest of the 240 cube and grey entries (16...255) by squared RGB distance.
    static func nearestPalette(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt8 {
        nearest(among: 16...255, to: (r, g, b))
    }

    /// The nearest of the eight basic colours.
    static func nearestBasic(_ c: (UInt8, UInt8, UInt8)) -> UInt8 {
        nearest(among: 0...7, to: c)
    }

    private static func nearest(among range: ClosedRange<Int>, to c: (UInt8, UInt8, UInt8)) -> UInt8 {
        func distance(_ i: Int) -> Int {
            let p = rgb(ofIndex: UInt8(i))
            let dr = Int(p.0) - Int(c.0), dg = Int(p.1) - Int(c.1), db = Int(p.2) - Int(c.2)
            return dr * dr + dg * dg + db * db
        }
        return UInt8(range.min { distance($0) < distance($1) }!)
    }
}

/// How many colours the terminal can show, as Parlor uses them.
public enum ColorDepth: Sendable, Equatable {
    /// No colour (a monochrome terminal, or `NO_COLOR`): attributes only.
    case none
    /// The eight ANSI colours.
    case basic8
    /// The xterm 256-colour palette.
    case palette256

    /// The depth for a terminal reporting `colors` colours, honouring `NO_COLOR`.
    public init(colors: Int?, noColor: Bool) {
        switch (noColor, colors ?? 0) {
        case (true, _), (_, ..<8): self = .none
        case (_, 8..<256): self = .basic8
        default: self = .palette256
        }
    }
}
