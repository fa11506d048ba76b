import COpenBLAS

/// Minimum-norm least squares min ||A c - b|| by LAPACK's `dgelsd` (SVD, divide and
/// conquer), in Float64: exactly what `numpy.linalg.lstsq(A, b, rcond=None)` computes,
/// including the minimum-norm answer when there are fewer rows than columns.
///
/// Holds its buffers and LAPACK workspace, sized once for the largest problem; one solver
/// per thread (it is not shareable).
final class LeastSquaresSolver {
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
        // Workspace query for every row count; keep the largest answer.
        var workSize = 1, integerWorkSize = 1
        for rows in 1...self.maximumRows {
            var m = Int32(rows), n = Int32(columns), nrhs: Int32 = 1
            var lda = Int32(rows), ldb = Int32(max(rows, columns))
            var rcond = -1.0, rank: Int32 = 0, lwork: Int32 = -1, info: Int32 = 0
            var optimalWork = 0.0, optimalIntegerWork: Int32 = 0
            var a = 0.0, b = 0.0, s = 0.0
            dgelsd_(&m, &n, &nrhs, &a, &lda, &b, &ldb, &s, &rcond, &rank, &optimalWork, &lwork, &optimalIntegerWork, &info)
            workSize = max(workSize, Int(optimalWork))
            integerWorkSize = max(integerWorkSize, Int(optimalIntegerWork))
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
        var scratch = [Double](repeating: 0, count: n)
        // Column-major with leading dimension `rows`, as LAPACK expects.
        for r in 0..<rows {
            scratch.withUnsafeMutableBufferPointer { row(r, $0) }
            for c in 0..<n { matrix[c * rows + r] = scratch[c] }
            rightHandSide[r] = target(r)
        }
        for r in rows..<rightHandSide.count { rightHandSide[r] = 0 }
        var m = Int32(rows), columnsCount = Int32(n), nrhs: Int32 = 1
        var lda = Int32(rows), ldb = Int32(max(rows, n))
        var rcond = Double.ulpOfOne * Double(max(rows, n))  // numpy's rcond=None
        var rank: Int32 = 0, lwork = Int32(work.count), info: Int32 = 0
        dgelsd_(&m, &columnsCount, &nrhs, &matrix, &lda, &rightHandSide, &ldb, &singularValues,
                &rcond, &rank, &work, &lwork, &integerWork, &info)
        for c in 0..<n { solution[c] = rightHandSide[c] }
        return info == 0
    }
}
