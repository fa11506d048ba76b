extension EvaluationPredictor {
    /// The paper's baselines for a task, with short column names:
    /// - Chebyshev: `least squares` (features up to the task's largest degree, ridge 0),
    ///   `ridge 0.2` (the paper's lambda), `zero`;
    /// - linear regression: `least squares` (OLS), `ridge <noise variance>` when the task is
    ///   noisy (with w ~ N(0, I) that lambda is the Bayes-optimal ridge), `zero`;
    /// - anything else (prompts from files): `zero`, since the function class is unknown.
    public static func standardBaselines(for source: any PromptSource) -> [EvaluationPredictor] {
        if let task = source as? ChebyshevTask {
            let degree = task.degrees.upperBound
            return [
                .baseline(.chebyshevLeastSquares(degree: degree, ridge: 0), named: "least squares"),
                .baseline(.chebyshevLeastSquares(degree: degree, ridge: 0.2), named: "ridge 0.2"),
                .baseline(.zero, named: "zero"),
            ]
        }
        if let task = source as? LinearRegressionTask {
            var baselines: [EvaluationPredictor] = [.baseline(.linearLeastSquares(ridge: 0), named: "least squares")]
            if task.noiseVariance > 0 {
                baselines.append(.baseline(.linearLeastSquares(ridge: task.noiseVariance), named: "ridge \(task.noiseVariance)"))
            }
            baselines.append(.baseline(.zero, named: "zero"))
            return baselines
        }
        return [.baseline(.zero, named: "zero")]
    }

    /// The baseline this predictor runs, if it is one (nil for a model).
    public var baseline: Baseline? {
        if case .baseline(let baseline) = kind { return baseline }
        return nil
    }
}
