/// How alike two sets of k orthonormal directions are (each direction a unit vector of the
/// same width): the per-prompt score of the spectral signature.
public enum SubspaceSimilarity: String, Sendable, Hashable, Codable, CaseIterable {
    /// Mean over i of |cos(a_i, b_i)|: direction i of one set against direction i of the
    /// other (rank by rank, sign ignored, since a singular vector's sign is arbitrary). The
    /// closest reading of the paper's "cosine similarity between singular vectors"; it drops
    /// when two nearly equal singular values swap their vectors.
    case meanAbsoluteCosine = "cosine"
    /// Mean of the cosines of the k principal angles between span(a) and span(b), i.e. the
    /// mean singular value of A^T B. It compares the subspaces only: invariant to sign, order
    /// and any rotation within each span.
    case principalAngles = "angles"

    /// The score in [0, 1]: 1 when the directions (or spans) coincide, 0 when orthogonal.
    /// `a` and `b` must hold the same number of orthonormal vectors of equal width.
    public func score(_ a: [[Double]], _ b: [[Double]]) throws -> Double {
        guard !a.isEmpty, a.count == b.count else {
            throw AnalysisError("comparing \(a.count) directions with \(b.count): expected the same number, at least 1")
        }
        let width = a[0].count
        guard (a + b).allSatisfy({ $0.count == width }) else {
            throw AnalysisError("directions of different widths: expected all of width \(width)")
        }
        switch self {
        case .meanAbsoluteCosine:
            var sum = 0.0
            for i in a.indices { sum += abs(Self.dot(a[i], b[i])) }
            return sum / Double(a.count)
        case .principalAngles:
            let cosines = try Self.principalAngleCosines(a, b)
            return cosines.reduce(0, +) / Double(cosines.count)
        }
    }

    /// The cosines of the principal angles between span(a) and span(b) (orthonormal sets of
    /// equal size), largest first: the singular values of the k x k matrix A^T B, clamped to
    /// [0, 1] against rounding.
    public static func principalAngleCosines(_ a: [[Double]], _ b: [[Double]]) throws -> [Double] {
        let k = a.count
        var product = [Double](repeating: 0, count: k * k)
        for i in 0..<k { for j in 0..<k { product[i * k + j] = dot(a[i], b[j]) } }
        let system = try SingularValueDecomposition.decompose(product, rows: k, columns: k, top: 0)
        return system.values.map { min(1, max(0, $0)) }
    }

    static func dot(_ x: [Double], _ y: [Double]) -> Double {
        var sum = 0.0
        for i in x.indices { sum += x[i] * y[i] }
        return sum
    }
}
