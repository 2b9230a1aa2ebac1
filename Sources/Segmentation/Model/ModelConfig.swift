/// The shape of PSPNet-mini: classes, blocks and residual connections per stage, dropout.
///
/// Widths are fixed by docs/DESIGN.md section 4 (16, 32, 64, 128 channels; pyramid bins 1, 2, 3, 6
/// with 32 channels each; main head 64 and auxiliary head 32 channels).
public struct ModelConfig: Sendable, Equatable, Codable {
    /// Number of segmentation classes (class 0 is background).
    public var classes: Int
    /// BasicBlocks in stages 1-4.
    public var blocks: [Int]
    /// Whether each stage keeps its identity/projection path (false: a plain stage).
    public var residual: [Bool]
    /// Dropout2d probability in the main and auxiliary heads.
    public var dropout: Float

    public static let stageWidths = [16, 32, 64, 128]
    public static let pyramidBins = [1, 2, 3, 6]
    public static let pyramidWidth = 32
    public static let headWidth = 64
    public static let auxWidth = 32

    public init(classes: Int, blocks: [Int] = [2, 2, 2, 2], residual: [Bool] = [true, true, true, true], dropout: Float = 0.1) {
        self.classes = classes
        self.blocks = blocks
        self.residual = residual
        self.dropout = dropout
    }
}
