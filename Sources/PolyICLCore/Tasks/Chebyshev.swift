/// Chebyshev polynomials of the first kind by their recurrence:
/// T0 = 1, T1 = x, T(n+1) = 2x T(n) - T(n-1).
public enum Chebyshev {
    /// Writes T0(x) ... T(degree)(x) into `values[0...degree]`.
    @inlinable
    public static func fill(_ values: UnsafeMutableBufferPointer<Double>, degree: Int, at x: Double) {
        values[0] = 1
        if degree >= 1 { values[1] = x }
        if degree >= 2 {
            for n in 1..<degree { values[n + 1] = 2 * x * values[n] - values[n - 1] }
        }
    }

    /// sum_i coefficients[i] T_i(x), by Clenshaw's recurrence (no temporary array).
    @inlinable
    public static func evaluate(_ coefficients: [Double], at x: Double) -> Double {
        var b1 = 0.0, b2 = 0.0
        for c in coefficients.reversed().dropLast() {
            (b1, b2) = (2 * x * b1 - b2 + c, b1)
        }
        guard let c0 = coefficients.first else { return 0 }
        return x * b1 - b2 + c0
    }
}

/// One polynomial p(x) = sum_i c_i T_i(x), for plotting the true curve of a prompt.
public struct ChebyshevPolynomial: Sendable, Equatable {
    /// c_0 ... c_degree.
    public var coefficients: [Double]
    public init(coefficients: [Double]) { self.coefficients = coefficients }
    public var degree: Int { coefficients.count - 1 }
    public func callAsFunction(_ x: Double) -> Double { Chebyshev.evaluate(coefficients, at: x) }
}
