/// A dense float32 tensor in row-major (NCHW for images) order, or for images optionally in one of
/// oneDNN's channel-blocked orders (`Layout.blocked16`, `Layout.blocked8`).
///
/// A value type: copies share storage until one of them is written (copy-on-write), so a layer can
/// cache its input cheaply and the caller can keep using its own copy.
public struct Tensor: Sendable, Equatable {
    /// How the elements of an image tensor are ordered.
    public enum Layout: Sendable, Equatable {
        /// Row-major [N, C, H, W]: every layer takes it.
        case nchw
        /// oneDNN's nChw16c, [N, C/16, H, W, 16] (C a multiple of 16): the order oneDNN's
        /// convolutions compute in with AVX-512, kept between convolutions, batch norms and
        /// element-wise layers so that no reorder runs between them. `shape` stays [N, C, H, W].
        case blocked16
        /// oneDNN's nChw8c, [N, C/8, H, W, 8] (C a multiple of 8): the same with AVX2.
        case blocked8

        /// The channels per block (nil for NCHW).
        public var blockWidth: Int? {
            switch self {
            case .nchw: nil
            case .blocked16: 16
            case .blocked8: 8
            }
        }

        /// oneDNN's name of the layout: "nchw", "nChw16c" or "nChw8c".
        public var oneDNNName: String {
            switch self {
            case .nchw: "nchw"
            case .blocked16: "nChw16c"
            case .blocked8: "nChw8c"
            }
        }

        /// The blocked layout oneDNN's convolutions choose on this CPU (nChw16c with AVX-512, nChw8c
        /// with AVX2): the one the network keeps its activations in.
        public static let native: Layout = ConvolutionLayoutProbe.activationLayout == .blocked8 ? .blocked8 : .blocked16
    }

    /// The size of each dimension, outermost first (for images [N, C, H, W] in either layout).
    public private(set) var shape: [Int]
    /// The elements in `layout` order; `data.count == shape.reduce(1, *)`.
    public var data: [Float]
    /// The order of `data`.
    public private(set) var layout: Layout = .nchw

    /// A tensor of the given shape filled with `value`.
    public init(shape: [Int], repeating value: Float = 0) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor shape \(shape) has a negative dimension")
        self.shape = shape
        self.data = [Float](repeating: value, count: shape.reduce(1, *))
    }

    /// A tensor of the given shape whose elements the caller overwrites before reading (skips the
    /// zero fill of `init(shape:)`; the elements start as whatever the allocator returned).
    init(uninitializedShape shape: [Int], layout: Layout = .nchw) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor shape \(shape) has a negative dimension")
        precondition(layout.blockWidth.map { shape.count == 4 && shape[1] % $0 == 0 } ?? true,
                     "a \(layout) tensor needs [N, C, H, W] with C a multiple of its block width, got \(shape)")
        self.shape = shape
        self.layout = layout
        self.data = [Float](unsafeUninitializedCapacity: shape.reduce(1, *)) { _, count in count = shape.reduce(1, *) }
    }

    /// A tensor of the given shape holding `data` in row-major order.
    public init(shape: [Int], data: [Float]) {
        precondition(shape.reduce(1, *) == data.count,
                     "Tensor shape \(shape) needs \(shape.reduce(1, *)) elements, got \(data.count)")
        self.shape = shape
        self.data = data
    }

    /// A tensor of zeros with the shape (and layout) of `other`.
    public static func zeros(like other: Tensor) -> Tensor {
        var t = Tensor(shape: other.shape)
        t.layout = other.layout
        return t
    }

    /// The number of elements.
    public var count: Int { data.count }

    /// The number of dimensions.
    public var rank: Int { shape.count }

    /// The same elements under a new shape with the same element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        precondition(layout == .nchw, "reshaped: a \(layout) tensor has no row-major order to keep")
        return Tensor(shape: newShape, data: data)
    }

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
        precondition(shape == other.shape && layout == other.layout,
                     "add: shape \(shape) \(layout) != \(other.shape) \(other.layout)")
        data.withUnsafeMutableBufferPointer { a in
            other.data.withUnsafeBufferPointer { b in
                for i in 0..<a.count { a[i] += b[i] }
            }
        }
    }

    /// The largest absolute value of any element (0 for an empty tensor).
    public var maxAbs: Float { data.reduce(0) { Swift.max($0, abs($1)) } }
}

extension Tensor {
    /// The same image tensor in `layout` (a copy in the other order, or itself).
    ///
    /// Blocked element (n, c, h, w) with block width B sits at ((n * C/B + c/B) * H * W + h * W + w)
    /// * B + c % B.
    public func converted(to layout: Layout) -> Tensor {
        guard layout != self.layout else { return self }
        if self.layout != .nchw && layout != .nchw { return converted(to: .nchw).converted(to: layout) }
        let span = KernelProfiler.begin(.layoutReorder); defer { span.end() }
        let (n, c, h, w) = nchw
        let toBlocked = layout != .nchw
        guard let width = (toBlocked ? layout : self.layout).blockWidth else { preconditionFailure("one side is blocked") }
        let plane = h * w, blocks = c / width
        var out = Tensor(uninitializedShape: shape, layout: layout)
        data.withUnsafeBufferPointer { src in
            out.data.withUnsafeMutableBufferPointer { dst in
                for i in 0..<n {
                    for b in 0..<blocks {
                        let blockBase = (i * blocks + b) * plane * width
                        for lane in 0..<width {
                            let planeBase = (i * c + b * width + lane) * plane
                            if toBlocked {
                                for p in 0..<plane { dst[blockBase + p * width + lane] = src[planeBase + p] }
                            } else {
                                for p in 0..<plane { dst[planeBase + p] = src[blockBase + p * width + lane] }
                            }
                        }
                    }
                }
            }
        }
        return out
    }
}
