extension ModelConfiguration {
    /// Floating-point operations of one forward pass over `batch` prompts of `points` points,
    /// counting multiply and add as two: the block GEMMs (24 C^2 per token per layer) and the
    /// attention products as computed (full T x T squares: 4 T^2 C per sequence per layer).
    /// Embedding, read-out and elementwise work are small and left out. A training step
    /// (forward + backward) is about three times this.
    public func forwardFLOPs(batch: Int, points: Int) -> Double {
        let T = Double(2 * points), C = Double(embedding), B = Double(batch)
        let perLayer = 24 * B * T * C * C + 4 * B * T * T * C
        return Double(layers) * perLayer
    }
}
