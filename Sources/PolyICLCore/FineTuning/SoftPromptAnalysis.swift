#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Soft prompts against hard prompts (the paper's Figure 12, after Bailey et al.): where each
/// learned vector sits relative to the image of read_in, and how the error responds when the
/// prompt is scaled or turned toward / away from its nearest hard prompt.
public enum SoftPromptAnalysis {
    /// The nearest hard prompt of a soft vector v: the closest point of the affine image of
    /// read_in, {W z + b}, found by least squares over z (for scalar tokens a line:
    /// z* = W·(v - b) / |W|^2). x vectors use every column of W (z is a whole x token); y
    /// vectors only column 0 (a y token is (y, 0, ...)). Returns z* and the point W z* + b.
    public static func nearestHardPrompt(
        of vector: [Float], weight: [Float], bias: [Float], inputWidth n: Int, isY: Bool
    ) -> (token: [Double], point: [Float]) {
        let d = bias.count
        let used = isY ? 1 : n
        // Normal equations (W_u^T W_u) z = W_u^T (v - b), solved in Double by Gaussian elimination.
        var matrix = [Double](repeating: 0, count: used * used), rhs = [Double](repeating: 0, count: used)
        for a in 0..<used {
            for j in 0..<d { rhs[a] += Double(weight[j * n + a]) * Double(vector[j] - bias[j]) }
            for c in 0..<used {
                var sum = 0.0
                for j in 0..<d { sum += Double(weight[j * n + a]) * Double(weight[j * n + c]) }
                matrix[a * used + c] = sum
            }
        }
        let z = solve(matrix, rhs, size: used)
        var point = bias
        for j in 0..<d {
            var value = Double(bias[j])
            for a in 0..<used { value += Double(weight[j * n + a]) * z[a] }
            point[j] = Float(value)
        }
        return (z + [Double](repeating: 0, count: n - used), point)
    }

    /// One row per soft vector (2P rows, position order): `vector` index, `is y` (0 for x, 1
    /// for y), `token` (z*, first coordinate), `soft norm` |v|, `hard norm` |h| of the nearest
    /// hard prompt h, `distance` |v - h|, `angle` between v and h in radians (the angle a full
    /// rotation toward h turns through).
    public static func nearestHardPrompts(model: TransformerModel) throws -> ResultTable {
        guard let adapters = model.adapters, adapters.promptPairs > 0 else {
            throw FineTuningError("the model has no soft prompt attached: train or load one first")
        }
        let (weight, bias) = model.readInParameters
        let n = model.configuration.inputDimension
        var rows: [[Double]] = []
        for (t, v) in adapters.promptVectors.enumerated() {
            let (token, h) = nearestHardPrompt(of: v, weight: weight, bias: bias, inputWidth: n, isY: t % 2 == 1)
            rows.append([Double(t), Double(t % 2), token[0], norm(v), norm(h), norm(zip(v, h).map { $0 - $1 }), angle(v, h)])
        }
        let names = ["vector", "is y", "token", "soft norm", "hard norm", "distance", "angle"]
        return ResultTable(
            title: "soft prompt vectors and their nearest hard prompts",
            columns: names.enumerated().map { c, name in .init(name: name, values: rows.map { $0[c] }) },
            notes: ["nearest hard prompt": "projection onto the image of read_in {W z + b} (least squares in z)",
                    "angle": "between the soft vector and its nearest hard prompt, radians"])
    }

    /// v scaled by `factor`.
    public static func scaled(_ v: [Float], by factor: Double) -> [Float] { v.map { Float(Double($0) * factor) } }

    /// v turned by `angle` radians in the plane of v and h, toward h (angle > 0) or away from
    /// it (angle < 0), keeping |v|: |v| (cos θ u + sin θ w), u = v/|v|, w the unit vector of h's
    /// component orthogonal to v. Turning by the angle between v and h lands on |v| h / |h|.
    /// If h is parallel to v (no plane) or either is zero, v is returned unchanged.
    public static func rotated(_ v: [Float], toward h: [Float], by angle: Double) -> [Float] {
        let vNorm = norm(v)
        guard vNorm > 0 else { return v }
        let u = v.map { Double($0) / vNorm }
        let along = zip(h, u).reduce(0.0) { $0 + Double($1.0) * $1.1 }
        var w = zip(h, u).map { Double($0.0) - along * $0.1 }
        let wNorm = w.reduce(0.0) { $0 + $1 * $1 }.squareRoot()
        guard wNorm > 1e-12 * max(1, norm(h)) else { return v }
        w = w.map { $0 / wNorm }
        let c = vNorm * cos(angle), s = vNorm * sin(angle)
        return (0..<v.count).map { (i: Int) -> Float in Float(c * u[i] + s * w[i]) }
    }

    /// How a soft prompt is perturbed.
    public enum Perturbation: Sendable, Equatable {
        /// Every vector multiplied by each factor (the paper: 0.5 ... 1.2).
        case scale([Double])
        /// Every vector turned toward (+) / away from (-) its own nearest hard prompt by each
        /// angle in radians (the paper: -0.8 ... 0.8).
        case rotation([Double])
    }

    /// The model's error on `task` with its soft prompt perturbed by each value: one row per
    /// value, columns `scale` or `angle`, then `mean`, `median`, `lower`, `upper` of the
    /// per-prompt squared error averaged over the positions (bootstrap 5th/95th percentiles
    /// of the mean). Every value sees the same prompts; the soft prompt is restored afterwards.
    public static func perturbationCurve(
        model: TransformerModel, task: any PromptSource, perturbation: Perturbation, settings: EvaluationSettings
    ) throws -> ResultTable {
        guard let adapters = model.adapters, adapters.promptPairs > 0 else {
            throw FineTuningError("the model has no soft prompt attached: train or load one first")
        }
        let values: [Double], label: String
        switch perturbation {
        case .scale(let factors): values = factors; label = "scale"
        case .rotation(let angles): values = angles; label = "angle"
        }
        guard !values.isEmpty, values.allSatisfy(\.isFinite) else {
            throw FineTuningError("\(label) values \(values) are not valid: expected one or more finite numbers")
        }
        guard settings.samples >= 1, settings.points >= 1, settings.resamples >= 1 else {
            throw EvaluationError.invalidSetting("samples=\(settings.samples), points=\(settings.points), resamples=\(settings.resamples): expected each at least 1")
        }
        let original = adapters.promptVectors
        defer { try? adapters.setPromptVectors(original) }
        let (weight, bias) = model.readInParameters
        let n = model.configuration.inputDimension
        let hard = original.enumerated().map { t, v in nearestHardPrompt(of: v, weight: weight, bias: bias, inputWidth: n, isY: t % 2 == 1).point }

        var root = RandomGenerator(seed: settings.seed)
        var promptGenerator = root.fork()
        var bootstrapGenerator = root.fork()
        var batch = PromptBatch(count: settings.samples, points: settings.points, inputDimension: task.inputDimension)
        task.fill(&batch, using: &promptGenerator)
        var table = [Double](repeating: 0, count: settings.samples * values.count)
        for (column, value) in values.enumerated() {
            let perturbed: [[Float]]
            switch perturbation {
            case .scale: perturbed = original.map { scaled($0, by: value) }
            case .rotation: perturbed = zip(original, hard).map { rotated($0.0, toward: $0.1, by: value) }
            }
            try adapters.setPromptVectors(perturbed)
            let predictions = try model.predict(batch)
            for s in 0..<settings.samples {
                var sum = 0.0
                for i in 0..<settings.points {
                    let k = s * settings.points + i
                    sum += Double(predictions[k] - batch.ys[k]) * Double(predictions[k] - batch.ys[k])
                }
                table[s * values.count + column] = sum / Double(settings.points)
            }
        }
        let summary = ErrorStatistics.summarize([table], samples: settings.samples, positions: values.count, resamples: settings.resamples, using: &bootstrapGenerator)[0]
        return ResultTable(title: "error with the soft prompt perturbed by \(label)", columns: [
            .init(name: label, values: values), .init(name: "mean", values: summary.mean), .init(name: "median", values: summary.median),
            .init(name: "lower", values: summary.lower), .init(name: "upper", values: summary.upper),
        ], notes: [
            "task": String(describing: task), "samples": "\(settings.samples)", "points": "\(settings.points)", "seed": "\(settings.seed)",
            "error": "squared error averaged over the prompt's positions, then over prompts",
            label: label == "scale" ? "every soft vector multiplied by this factor" : "radians toward (+) / away from (-) each vector's nearest hard prompt",
        ])
    }

    static func norm(_ v: [Float]) -> Double { v.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot() }

    static func angle(_ a: [Float], _ b: [Float]) -> Double {
        let na = norm(a), nb = norm(b)
        guard na > 0, nb > 0 else { return 0 }
        let dot = zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        return acos(max(-1, min(1, dot / (na * nb))))
    }

    /// Gaussian elimination with partial pivoting; a singular system (read_in with a zero
    /// column) gives 0 for the undetermined coordinates.
    static func solve(_ matrix: [Double], _ rhs: [Double], size n: Int) -> [Double] {
        var a = matrix, b = rhs
        for col in 0..<n {
            guard let pivot = (col..<n).max(by: { abs(a[$0 * n + col]) < abs(a[$1 * n + col]) }), abs(a[pivot * n + col]) > 1e-300 else { continue }
            if pivot != col {
                for c in 0..<n { a.swapAt(pivot * n + c, col * n + c) }
                b.swapAt(pivot, col)
            }
            for row in 0..<n where row != col {
                let factor = a[row * n + col] / a[col * n + col]
                guard factor != 0 else { continue }
                for c in 0..<n { a[row * n + c] -= factor * a[col * n + c] }
                b[row] -= factor * b[col]
            }
        }
        return (0..<n).map { abs(a[$0 * n + $0]) > 1e-300 ? b[$0] / a[$0 * n + $0] : 0 }
    }
}
