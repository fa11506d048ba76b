/// A prompt source that can say, for every prompt it draws, what its targets would be without
/// noise: the ground truth a model should recover from a noisy context (the paper's Figure 13
/// plots the loss "to the ground truth, so it is theoretically possible to attain zero loss").
public protocol NoiseFreeTargets: PromptSource {
    /// Fills `batch` exactly as `fill(_:using:)` does (the same draws, so the same prompts
    /// for the same generator) and writes each point's noise-free target into `targets`
    /// ([count, points], resized when needed).
    func fill(_ batch: inout PromptBatch, noiseFreeTargets targets: inout [Float], using generator: inout RandomGenerator)
}

extension ChebyshevTask: NoiseFreeTargets {
    /// The noise-free target is p(x), clamped as the observed one is: min(p(x), T) on a
    /// clamped task (the clamp is part of the task, the noise is not).
    public func fill(_ batch: inout PromptBatch, noiseFreeTargets targets: inout [Float], using generator: inout RandomGenerator) {
        fill(&batch, cleanValues: &targets, using: &generator)
        if let clampThreshold {
            let threshold = Float(clampThreshold)
            for i in targets.indices { targets[i] = min(targets[i], threshold) }
        }
    }
}

/// What ``Evaluation`` measures a prediction against.
public enum EvaluationTarget: String, Sendable, Equatable, CaseIterable {
    /// The prompt's y, noise included (the quantity a model is trained on).
    case observed
    /// The noise-free y of a ``NoiseFreeTargets`` source (the ground truth).
    case noiseFree
}
