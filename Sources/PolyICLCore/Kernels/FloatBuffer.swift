/// A zero-initialised block of Floats allocated once and owned by one object: the model's
/// parameters, gradients, optimiser state and activation workspace live in these, so a
/// training step never allocates.
public final class FloatBuffer: @unchecked Sendable {
    public let count: Int
    public let pointer: UnsafeMutablePointer<Float>

    public init(count: Int) {
        self.count = count
        // 64-byte alignment: whole cache lines and aligned AVX-512 loads for OpenBLAS.
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(1, count) * MemoryLayout<Float>.stride, alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: max(1, count))
        pointer.initialize(repeating: 0, count: max(1, count))
    }

    deinit { pointer.deallocate() }

    public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: pointer, count: count) }

    public func zero() { pointer.update(repeating: 0, count: count) }

    public subscript(index: Int) -> Float {
        get { pointer[index] }
        set { pointer[index] = newValue }
    }

    public var array: [Float] { Array(buffer) }
}
