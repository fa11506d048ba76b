import CKernels

/// A zero-initialised block of Floats allocated once and owned by one object: the model's
/// parameters, gradients, optimiser state and activation workspace live in these, so a
/// training step never allocates.
public final class FloatBuffer: @unchecked Sendable {
    public let count: Int
    public let pointer: UnsafeMutablePointer<Float>

    public init(count: Int) {
        self.count = count
        // 64-byte alignment: whole cache lines and aligned AVX-512 loads for OpenBLAS; large
        // buffers on huge pages (see Sources/CKernels/buffers.c).
        guard let pointer = polyicl_buffer_allocate(count) else {
            fatalError("out of memory allocating \(count) floats")
        }
        self.pointer = pointer
    }

    deinit { polyicl_buffer_free(pointer, count) }

    public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: pointer, count: count) }

    public func zero() { pointer.update(repeating: 0, count: count) }

    public subscript(index: Int) -> Float {
        get { pointer[index] }
        set { pointer[index] = newValue }
    }

    public var array: [Float] { Array(buffer) }
}
