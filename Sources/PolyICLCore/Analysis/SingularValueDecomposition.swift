import COpenBLAS

/// The singular values of a matrix and its leading right singular vectors.
public struct RightSingularSystem: Sendable, Equatable {
    /// All min(rows, columns) singular values, largest first.
    public var values: [Double]
    /// The top right singular vectors (unit length, `columns` entries each), in the order of
    /// `values`. Sign convention: the entry of largest magnitude is positive (the first such
    /// entry on a tie), so the same matrix always gives the same vectors.
    public var vectors: [[Double]]
}

/// Why an analysis could not be computed.
public struct AnalysisError: Error, CustomStringConvertible, Sendable, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Singular value decomposition by LAPACK's dgesvd (OpenBLAS), in Float64.
///
/// A row-major rows x columns matrix M is, read column-major, M^T (columns x rows); dgesvd
/// on that buffer gives M^T = U S V^T, whose left singular vectors U are the right singular
/// vectors of M. So no transpose is needed and only U (the columns x min(rows, columns)
/// "economy" part) is computed.
public final class SingularValueDecomposition {
    public let rows: Int
    public let columns: Int
    private var matrix: [Double]
    private var singularValues: [Double]
    private var leftVectors: [Double]
    private var work: [Double]

    /// A workspace for matrices of this shape (reused across calls: one per thread).
    public init(rows: Int, columns: Int) throws {
        guard rows >= 1, columns >= 1, rows <= Int(Int32.max) / max(1, columns) else {
            throw AnalysisError("a \(rows) x \(columns) matrix cannot be decomposed: expected at least one row and one column, and fewer than 2^31 entries")
        }
        self.rows = rows
        self.columns = columns
        let rank = min(rows, columns)
        matrix = [Double](repeating: 0, count: rows * columns)
        singularValues = [Double](repeating: 0, count: rank)
        leftVectors = [Double](repeating: 0, count: columns * rank)
        // Workspace query (lwork = -1): LAPACK writes the optimal size into work[0].
        var jobU: CChar = 0x53 /* S */, jobVT: CChar = 0x4E /* N */
        var m = Int32(columns), n = Int32(rows), lda = Int32(columns), ldu = Int32(columns), ldvt: Int32 = 1
        var lwork: Int32 = -1, info: Int32 = 0
        var optimal = 0.0, unusedVT = 0.0
        dgesvd_(&jobU, &jobVT, &m, &n, &matrix, &lda, &singularValues, &leftVectors, &ldu, &unusedVT, &ldvt, &optimal, &lwork, &info)
        guard info == 0 else { throw AnalysisError("LAPACK dgesvd workspace query failed (info \(info)) for a \(rows) x \(columns) matrix") }
        work = [Double](repeating: 0, count: max(1, Int(optimal)))
    }

    /// Decomposes the row-major `rows` x `columns` matrix `input` (not modified) and returns
    /// all singular values and the top `top` right singular vectors (`top` is clamped to
    /// 0...min(rows, columns)).
    public func decompose(_ input: UnsafeBufferPointer<Double>, top: Int) throws -> RightSingularSystem {
        guard input.count == rows * columns else {
            throw AnalysisError("the matrix has \(input.count) entries; a \(rows) x \(columns) matrix has \(rows * columns)")
        }
        for value in input where !value.isFinite {
            throw AnalysisError("the matrix holds a non-finite value (\(value)): singular vectors need finite entries")
        }
        let rank = min(rows, columns)
        matrix.withUnsafeMutableBufferPointer { destination in
            _ = destination.initialize(from: input)
        }
        var jobU: CChar = 0x53, jobVT: CChar = 0x4E
        var m = Int32(columns), n = Int32(rows), lda = Int32(columns), ldu = Int32(columns), ldvt: Int32 = 1
        var lwork = Int32(work.count), info: Int32 = 0
        var unusedVT = 0.0
        dgesvd_(&jobU, &jobVT, &m, &n, &matrix, &lda, &singularValues, &leftVectors, &ldu, &unusedVT, &ldvt, &work, &lwork, &info)
        guard info == 0 else {
            throw AnalysisError("LAPACK dgesvd did not converge (info \(info)) on a \(rows) x \(columns) matrix")
        }
        let count = min(max(0, top), rank)
        var vectors: [[Double]] = []
        vectors.reserveCapacity(count)
        for k in 0..<count {
            var vector = Array(leftVectors[(k * columns)..<((k + 1) * columns)])
            Self.fixSign(&vector)
            vectors.append(vector)
        }
        return RightSingularSystem(values: singularValues, vectors: vectors)
    }

    /// Convenience for one matrix given as a row-major array.
    public static func decompose(_ input: [Double], rows: Int, columns: Int, top: Int) throws -> RightSingularSystem {
        let workspace = try SingularValueDecomposition(rows: rows, columns: columns)
        return try input.withUnsafeBufferPointer { try workspace.decompose($0, top: top) }
    }

    /// Flips `vector` so that its entry of largest magnitude is positive.
    static func fixSign(_ vector: inout [Double]) {
        var largest = 0
        for i in vector.indices where abs(vector[i]) > abs(vector[largest]) { largest = i }
        if !vector.isEmpty, vector[largest] < 0 {
            for i in vector.indices { vector[i] = -vector[i] }
        }
    }
}
