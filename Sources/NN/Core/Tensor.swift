/// A dense float32 tensor in row-major (NCHW for images) order.
///
/// A value type: copies share storage until one of them is written (copy-on-write), so a layer can
/// cache its input cheaply and the caller can keep using its own copy.
public struct Tensor: Sendable, Equatable {
    /// The size of each dimension, outermost first.
    public private(set) var shape: [Int]
    /// The elements in row-major order; `data.count == shape.reduce(1, *)`.
    public var data: [Float]

    /// A tensor of the given shape filled with `value`.
    public init(shape: [Int], repeating value: Float = 0) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor shape \(shape) has a negative dimension")
        self.shape = shape
        self.data = [Float](repeating: value, count: shape.reduce(1, *))
    }

    /// A tensor of the given shape whose elements the caller overwrites before reading (skips the
    /// zero fill of `init(shape:)`; the elements start as whatever the allocator returned).
    init(uninitializedShape shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor shape \(shape) has a negative dimension")
        self.shape = shape
        self.data = [Float](unsafeUninitializedCapacity: shape.reduce(1, *)) { _, count in count = shape.reduce(1, *) }
    }

    /// A tensor of the given shape holding `data` in row-major order.
    public init(shape: [Int], data: [Float]) {
        precondition(shape.reduce(1, *) == data.count,
                     "Tensor shape \(shape) needs \(shape.reduce(1, *)) elements, got \(data.count)")
        self.shape = shape
        self.data = data
    }

    /// A tensor of zeros with the shape of `other`.
    public static func zeros(like other: Tensor) -> Tensor { Tensor(shape: other.shape) }

    /// The number of elements.
    public var count: Int { data.count }

    /// The number of dimensions.
    public var rank: Int { shape.count }

    /// The same elements under a new shape with the same element count.
    public func reshaped(_ newShape: [Int]) -> Tensor { Tensor(shape: newShape, data: data) }

    /// Sets every element to zero, keeping the shape.
    public mutating func zero() {
        data.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }

    /// The four dimensions of an NCHW tensor; a precondition failure for any other rank.
    public var nchw: (n: Int, c: Int, h: Int, w: Int) {
        precondition(shape.count == 4, "expected an NCHW tensor, got shape \(shape)")
        return (shape[0], shape[1], shape[2], shape[3])
    }

    /// Adds `other` element-wise (shapes must match).
    public mutating func add(_ other: Tensor) {
        let span = KernelProfiler.begin(.elementwiseAdd); defer { span.end() }
        precondition(shape == other.shape, "add: shape \(shape) != \(other.shape)")
        data.withUnsafeMutableBufferPointer { a in
            other.data.withUnsafeBufferPointer { b in
                for i in 0..<a.count { a[i] += b[i] }
            }
        }
    }

    /// The largest absolute value of any element (0 for an empty tensor).
    public var maxAbs: Float { data.reduce(0) { Swift.max($0, abs($1)) } }
}
