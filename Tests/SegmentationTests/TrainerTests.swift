import NN
import Segmentation
import Testing

@Suite("Trainer")
struct TrainerTests {
    /// A small, fast job: 32x32 images, one block per stage.
    static func tinyConfig(iterations: Int, lr: Float = 0.02) -> TrainConfig {
        var config = TrainConfig()
        config.data.trainImages = 64
        config.data.valImages = 16
        config.data.size = 32
        config.model.blocks = [1, 1, 1, 1]
        config.train.iterations = iterations
        config.train.batch = 8
        config.train.baseLR = lr
        config.train.evalEvery = iterations
        return config
    }

    static func run(_ config: TrainConfig, auxWeight: Float, seed: UInt64) throws -> ([StepRecord], [EvaluationRecord]) {
        var steps: [StepRecord] = [], evals: [EvaluationRecord] = []
        try Trainer(config: config, auxWeight: auxWeight, seed: seed).run { event in
            switch event {
            case .step(let s): steps.append(s)
            case .evaluation(let e): evals.append(e)
            }
        }
        return (steps, evals)
    }

    @Test("the loss falls over a few dozen iterations")
    func lossFalls() throws {
        let (steps, evals) = try Self.run(Self.tinyConfig(iterations: 40), auxWeight: 0.4, seed: 1)
        #expect(steps.count == 40 && evals.count == 1 && evals[0].iteration == 40)
        let first = steps.prefix(5).map(\.mainLoss).reduce(0, +) / 5
        let last = steps.suffix(5).map(\.mainLoss).reduce(0, +) / 5
        #expect(last < 0.7 * first, "main loss first 5: \(first), last 5: \(last)")
        for s in steps { #expect(abs(s.totalLoss - (s.mainLoss + 0.4 * s.auxLoss)) <= 1e-5 * s.totalLoss) }
    }

    @Test("same config and seed: bit-identical losses and metrics; another seed differs")
    func deterministic() throws {
        let config = Self.tinyConfig(iterations: 6)
        let a = try Self.run(config, auxWeight: 0.3, seed: 5), b = try Self.run(config, auxWeight: 0.3, seed: 5)
        #expect(a.0 == b.0 && a.1 == b.1)
        let c = try Self.run(config, auxWeight: 0.3, seed: 6)
        #expect(a.0 != c.0)
    }

    @Test("aux weight 0 and 1 share the main path's randomness; the weight changes the training")
    func weightsArePaired() throws {
        let config = Self.tinyConfig(iterations: 3)
        let zero = try Self.run(config, auxWeight: 0, seed: 2), one = try Self.run(config, auxWeight: 1, seed: 2)
        // Same initialisation, batch and dropout: the first step's losses are identical.
        #expect(zero.0[0].mainLoss == one.0[0].mainLoss && zero.0[0].auxLoss == one.0[0].auxLoss)
        #expect(zero.0[2].mainLoss != one.0[2].mainLoss)
    }

    @Test("a non-finite loss stops the job at the exact iteration where it appears")
    func nonFinite() throws {
        let trainer = Trainer(config: Self.tinyConfig(iterations: 10), auxWeight: 0.4, seed: 1)
        for _ in 0..<3 { _ = try trainer.step() }
        // A NaN planted in the stem's weights makes every logit, and so the loss, NaN on any CPU.
        trainer.model.parameters[0].value.data[0] = .nan
        #expect {
            _ = try trainer.step()
        } throws: { error in
            guard case TrainingError.nonFiniteLoss(let iteration, let loss)? = error as? TrainingError else { return false }
            return iteration == 3 && loss.isNaN && "\(error)" == "loss is NaN at iteration 3"
        }
        #expect(trainer.iteration == 3)
    }
}
