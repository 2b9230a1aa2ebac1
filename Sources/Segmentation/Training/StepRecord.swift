/// The losses of one step.
public struct StepRecord: Sendable, Equatable, Codable {
    public let iteration: Int
    public let lr: Float
    public let mainLoss: Float
    public let auxLoss: Float
    public let totalLoss: Float

    public init(iteration: Int, lr: Float, mainLoss: Float, auxLoss: Float, totalLoss: Float) {
        self.iteration = iteration
        self.lr = lr
        self.mainLoss = mainLoss
        self.auxLoss = auxLoss
        self.totalLoss = totalLoss
    }
}
