/// An sRGB colour with 8-bit channels.
public struct Color: Sendable, Equatable, Hashable {
    public var red: UInt8
    public var green: UInt8
    public var blue: UInt8

    public init(red: UInt8, green: UInt8, blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// From 0xRRGGBB.
    public init(hex: UInt32) {
        red = UInt8((hex >> 16) & 0xFF)
        green = UInt8((hex >> 8) & 0xFF)
        blue = UInt8(hex & 0xFF)
    }

    /// "#rrggbb", as SVG and CSS want it.
    public var hexString: String {
        let digits: [Character] = Array("0123456789abcdef")
        var text = "#"
        for channel in [red, green, blue] {
            text.append(digits[Int(channel >> 4)])
            text.append(digits[Int(channel & 0x0F)])
        }
        return text
    }

    public static let black = Color(hex: 0x000000)
    public static let white = Color(hex: 0xFFFFFF)
    public static let gray = Color(hex: 0x7F7F7F)

    /// Matplotlib's default colour cycle ("tab10").
    public static let tab10: [Color] = [
        0x1F77B4, 0xFF7F0E, 0x2CA02C, 0xD62728, 0x9467BD,
        0x8C564B, 0xE377C2, 0x7F7F7F, 0xBCBD22, 0x17BECF,
    ].map { Color(hex: $0) }

    /// The n-th colour of the tab10 cycle, wrapping around.
    public static func cycle(_ index: Int) -> Color {
        tab10[((index % tab10.count) + tab10.count) % tab10.count]
    }

    func interpolated(to other: Color, fraction: Double) -> Color {
        func mix(_ a: UInt8, _ b: UInt8) -> UInt8 {
            UInt8((Double(a) + (Double(b) - Double(a)) * fraction).rounded().clamped(0, 255))
        }
        return Color(red: mix(red, other.red), green: mix(green, other.green), blue: mix(blue, other.blue))
    }
}

/// A continuous colour map from [0, 1] to colours.
public struct ColorMap: Sendable, Equatable {
    /// Evenly spaced anchor colours; values between anchors are interpolated linearly.
    public var anchors: [Color]

    public init(anchors: [Color]) {
        self.anchors = anchors.isEmpty ? [.black, .white] : anchors
    }

    /// Matplotlib's viridis at 10 evenly spaced points (viridis(np.linspace(0, 1, 10)));
    /// linear interpolation between them stays within a few levels of the full table.
    public static let viridis = ColorMap(anchors: [
        0x440154, 0x482878, 0x3E4989, 0x31688E, 0x26828E,
        0x1F9E89, 0x35B779, 0x6ECE58, 0xB5DE2B, 0xFDE725,
    ].map { Color(hex: $0) })

    /// Light to dark grey.
    public static let grays = ColorMap(anchors: [.white, .black])

    /// The colour at `fraction` (clamped to [0, 1]; NaN gives the lowest colour).
    public func color(at fraction: Double) -> Color {
        if anchors.count == 1 { return anchors[0] }
        let clamped = fraction.isNaN ? 0 : fraction.clamped(0, 1)
        let position = clamped * Double(anchors.count - 1)
        let lower = min(Int(position), anchors.count - 2)
        return anchors[lower].interpolated(to: anchors[lower + 1], fraction: position - Double(lower))
    }
}

extension Double {
    func clamped(_ lower: Double, _ upper: Double) -> Double {
        Swift.min(Swift.max(self, lower), upper)
    }
}
