/// PyTorch's default initialisation for convolution and batch-norm parameters, from our own seeded
/// generator (the distributions are PyTorch's; the random stream is ours and machine-independent).
public enum Initialization {
    /// `kaiming_uniform_(w, a=sqrt(5))`, Conv2d's default: uniform in +-1/sqrt(fan_in), where
    /// fan_in = inChannels * kernel height * kernel width. (gain = sqrt(2/(1+a^2)) = sqrt(1/3),
    /// bound = sqrt(3) * gain / sqrt(fan_in) = 1/sqrt(fan_in).)
    /// - Parameter shape: [outChannels, inChannels, kh, kw].
    public static func convWeight(shape: [Int], using generator: inout SeededGenerator) -> Tensor {
        precondition(shape.count == 4, "conv weight shape must be [out, in, kh, kw], got \(shape)")
        let fanIn = shape[1] * shape[2] * shape[3]
        return uniform(shape: shape, bound: convBound(fanIn: fanIn), using: &generator)
    }

    /// Conv2d's default bias: uniform in +-1/sqrt(fan_in).
    public static func convBias(count: Int, fanIn: Int, using generator: inout SeededGenerator) -> Tensor {
        uniform(shape: [count], bound: convBound(fanIn: fanIn), using: &generator)
    }

    /// The bound 1/sqrt(fan_in) shared by the weight and the bias, in double precision, rounded once.
    public static func convBound(fanIn: Int) -> Float {
        precondition(fanIn > 0, "fan_in must be positive")
        return Float(1 / Double(fanIn).squareRoot())
    }

    /// Uniform samples in [-bound, bound).
    public static func uniform(shape: [Int], bound: Float, using generator: inout SeededGenerator) -> Tensor {
        var t = Tensor(shape: shape)
        for i in 0..<t.count { t.data[i] = generator.nextFloat(in: -bound, bound) }
        return t
    }
}
