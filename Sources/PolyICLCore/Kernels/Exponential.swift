/// exp(x) for x <= 0 (softmax after subtracting the row maximum), in scalar form made of
/// selects, integer bit operations and a polynomial, so softmax loops vectorise (libm's
/// expf is a call per element). Cephes' expf polynomial: relative error about 1e-7.
enum Exponential {
    @inline(__always)
    static func exp(_ input: Float) -> Float {
        // Below -87.3 the result is under Float's normal range; clamping gives about 1e-38.
        let x = input < -87.3 ? -87.3 : input
        // Nearest integer to x / ln 2 by the 1.5 * 2^23 trick: adding the shifter rounds, and
        // the integer then sits in the low mantissa bits. rounded() and Int32(_:) would be a
        // libm call and a trapping conversion, either of which stops the loop vectorising.
        let shifter: Float = 12_582_912
        let shifted = x * 1.442_695_04 + shifter
        let n = shifted - shifter
        let r = x - n * 0.693_359_375 - n * -2.121_944_4e-4
        var p: Float = 1.987_569_150_0e-4
        p = p * r + 1.398_199_950_7e-3
        p = p * r + 8.333_451_907_3e-3
        p = p * r + 4.166_579_589_4e-2
        p = p * r + 1.666_666_545_9e-1
        p = p * r + 5.000_000_120_1e-1
        let mantissa = p * r * r + r + 1
        // 2^n from its bit pattern: n is in [-126, 1] here.
        let scale = Float(bitPattern: (shifted.bitPattern &- shifter.bitPattern &+ 127) << 23)
        return mantissa * scale
    }
}
