import COpenBLAS

/// Least squares min ||A c - b|| in Float64 with LAPACK, giving what
/// `numpy.linalg.lstsq(A, b, rcond=None)` gives, including the minimum-norm answer when
/// there are fewer rows than columns.
///
/// numpy uses the SVD (`dgelsd`), which costs most of an evaluation's time. When the
/// system is overdetermined and well conditioned its solution is unique and QR (`dgels`)
/// finds the same one to rounding, several times faster; so QR is tried first, and its
/// answer kept only when `dtrcon` estimates cond(R) = cond(A) below ``qrConditionLimit``
/// (differences between two backward-stable solvers scale with cond^2 * eps, so 1e4
/// keeps them near 1e-8 relative). Everything else goes to `dgelsd` with numpy's cut-off
/// rcond = eps * max(rows, columns).
///
/// Holds its buffers and LAPACK workspace, sized once for the largest problem; one solver
/// per thread (it is not shareable).
final class LeastSquaresSolver {
    static let qrConditionLimit = 1e4

    let maximumRows: Int
    let columns: Int
    private var matrix: [Double]
    private var rightHandSide: [Double]
    private var singularValues: [Double]
    private var work: [Double]
    private var integerWork: [Int32]

    init(maximumRows: Int, columns: Int) {
        self.maximumRows = max(1, maximumRows)
        self.columns = columns
        matrix = [Double](repeating: 0, count: self.maximumRows * columns)
        rightHandSide = [Double](repeating: 0, count: max(self.maximumRows, columns))
        singularValues = [Double](repeating: 0, count: columns)
        // Workspace queries for every row count; keep the largest answers.
        var workSize = 3 * columns, integerWorkSize = columns
        for rows in 1...self.maximumRows {
            var m = Int32(rows), n = Int32(columns), nrhs: Int32 = 1
            var lda = Int32(rows), ldb = Int32(max(rows, columns))
            var rcond = -1.0, rank: Int32 = 0, lwork: Int32 = -1, info: Int32 = 0
            var optimalWork = 0.0, optimalIntegerWork: Int32 = 0
            var a = 0.0, b = 0.0, s = 0.0
            dgelsd_(&m, &n, &nrhs, &a, &lda, &b, &ldb, &s, &rcond, &rank, &optimalWork, &lwork, &optimalIntegerWork, &info)
            workSize = max(workSize, Int(optimalWork))
            integerWorkSize = max(integerWorkSize, Int(optimalIntegerWork))
            if rows >= columns {
                var transpose = CChar(UInt8(ascii: "N"))
                dgels_(&transpose, &m, &n, &nrhs, &a, &lda, &b, &ldb, &optimalWork, &lwork, &info)
                workSize = max(workSize, Int(optimalWork))
            }
        }
        work = [Double](repeating: 0, count: workSize)
        integerWork = [Int32](repeating: 0, count: integerWorkSize)
    }

    /// Solves with the `rows` x `columns` matrix whose row r is `row(r, into:)`, and
    /// targets `target(r)`. Returns false if LAPACK reports failure (SVD not converging).
    func solve(
        rows: Int,
        row: (Int, UnsafeMutableBufferPointer<Double>) -> Void,
        target: (Int) -> Double,
        solution: UnsafeMutableBufferPointer<Double>
    ) -> Bool {
        precondition(rows >= 1 && rows <= maximumRows && solution.count >= columns)
        let n = columns
        var m = Int32(rows), columnsCount = Int32(n), nrhs: Int32 = 1
        var lda = Int32(rows), ldb = Int32(max(rows, n))
        var lwork = Int32(work.count), info: Int32 = 0
        if rows >= n {
            load(rows: rows, row: row, target: target)
            var transpose = CChar(UInt8(ascii: "N"))
            dgels_(&transpose, &m, &columnsCount, &nrhs, &matrix, &lda, &rightHandSide, &ldb, &work, &lwork, &info)
            if info == 0 {
                // R sits in the upper triangle of `matrix` (leading dimension `rows`).
                var norm = CChar(UInt8(ascii: "1")), upper = CChar(UInt8(ascii: "U")), nonUnit = CChar(UInt8(ascii: "N"))
                var reciprocalCondition = 0.0, conditionInfo: Int32 = 0
                dtrcon_(&norm, &upper, &nonUnit, &columnsCount, &matrix, &lda, &reciprocalCondition, &work, &integerWork, &conditionInfo)
                if conditionInfo == 0, reciprocalCondition * Self.qrConditionLimit >= 1 {
                    for c in 0..<n { solution[c] = rightHandSide[c] }
                    return true
                }
            }
            info = 0
        }
        load(rows: rows, row: row, target: target)
        var rcond = Double.ulpOfOne * Double(max(rows, n))  // numpy's rcond=None
        var rank: Int32 = 0
        dgelsd_(&m, &columnsCount, &nrhs, &matrix, &lda, &rightHandSide, &ldb, &singularValues,
                &rcond, &rank, &work, &lwork, &integerWork, &info)
        for c in 0..<n { solution[c] = rightHandSide[c] }
        return info == 0
    }

    /// Writes the matrix column-major with leading dimension `rows`, as LAPACK expects,
    /// and the targets (zero beyond `rows`).
    private func load(rows: Int, row: (Int, UnsafeMutableBufferPointer<Double>) -> Void, target: (Int) -> Double) {
        let n = columns
        withUnsafeTemporaryAllocation(of: Double.self, capacity: n) { scratch in
            for r in 0..<rows {
                row(r, scratch)
                for c in 0..<n { matrix[c * rows + r] = scratch[c] }
                rightHandSide[r] = target(r)
            }
        }
        for r in rows..<rightHandSide.count { rightHandSide[r] = 0 }
    }
}
