/// PSPNet's training augmentation (hszhao/semseg's ADE20K recipe), each step switchable: random scale,
/// random rotation, random horizontal flip, then a random crop to the training size with ignore
/// padding. Off entirely, a training image is its centre crop (padded where smaller).
public struct Augmentation: Sendable, Equatable, Encodable {
    /// Scale factors drawn uniformly from this range (nil: no scaling).
    public var scale: ClosedRange<Float>? = 0.5...2.0
    /// Rotation in degrees drawn uniformly from this range (nil: none), applied with `rotateProbability`.
    public var rotate: ClosedRange<Float>? = -10...10
    public var rotateProbability: Float = 0.5
    /// Mirror left-right with probability 0.5.
    public var flip = true
    /// A random crop position (false: the centre).
    public var randomCrop = true

    public init() {}

    /// No augmentation: every training image is its centre crop.
    public static var none: Augmentation {
        var a = Augmentation()
        a.scale = nil
        a.rotate = nil
        a.flip = false
        a.randomCrop = false
        return a
    }

    enum CodingKeys: String, CodingKey { case scale, rotate, rotate_probability, flip, random_crop }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(scale.map { [$0.lowerBound, $0.upperBound] }, forKey: .scale)
        try c.encode(rotate.map { [$0.lowerBound, $0.upperBound] }, forKey: .rotate)
        try c.encode(rotateProbability, forKey: .rotate_probability)
        try c.encode(flip, forKey: .flip)
        try c.encode(randomCrop, forKey: .random_crop)
    }
}
